package pipeline

import (
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
)

// FuzzParseScripts feeds package.json files to parseScripts: it never
// panics, and an error is always bad input.
func FuzzParseScripts(f *testing.F) {
	for _, s := range []string{
		`{"name": "svc", "scripts": {"lint": "eslint .", "test": "node --test"}}`,
		`{"scripts": null}`,
		`{"scripts": {"lint": 3}}`,
		`[]`,
		"{\n  \"scripts\": {\n    \"lint\": \"eslint .\"\n  }\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		scripts, err := parseScripts(data, "package.json")
		if err != nil {
			if exitcode.Code(err) != exitcode.Usage {
				t.Fatalf("error %v is not bad input", err)
			}
			if !strings.HasPrefix(err.Error(), "parsing package.json: ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if scripts == nil {
			t.Fatal("nil scripts without an error")
		}
	})
}

// FuzzDigestOf feeds addresses to digestOf: it never panics, and what it
// accepts is a sha256 digest that ends the address.
func FuzzDigestOf(f *testing.F) {
	for _, s := range []string{
		"ghcr.io/acme/api:sha-0123@sha256:" + strings.Repeat("0a", 32),
		"ghcr.io/acme/api:main",
		"@sha256:",
		"a@b@sha256:" + strings.Repeat("f", 64),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		d, err := digestOf(addr)
		if err != nil {
			if exitcode.Code(err) != exitcode.Infra {
				t.Fatalf("error %v is not infrastructure", err)
			}
			return
		}
		if !digestRE.MatchString(d) || !strings.HasSuffix(addr, "@"+d) {
			t.Fatalf("digestOf(%q) = %q", addr, d)
		}
	})
}
