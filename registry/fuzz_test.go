package registry

import (
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/goldenci/golden/exitcode"
)

// FuzzParseReferences feeds arbitrary strings to every parser of
// user-supplied references (image, repository, tag, digest, credentials
// host). None may panic; every rejection must be an input error (exit 2)
// and every acceptance must satisfy the parser's contract.
func FuzzParseReferences(f *testing.F) {
	for _, s := range []string{
		"127.0.0.1:5000/app@sha256:" + strings.Repeat("a", 64),
		"ghcr.io/acme/app:1.2.3",
		"ghcr.io/acme/app:1.2.3@sha256:" + strings.Repeat("0", 64),
		"localhost:5000/team/app",
		"app",
		"1.0.0",
		"v1.2.3-rc.1",
		".hidden",
		"sha256:abc",
		"Bad Ref@@",
		"host:port:tag",
		"",
	} {
		f.Add(s)
	}
	repo, err := name.NewRepository("127.0.0.1:5000/app")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, o := range []Options{{}, {Insecure: true}} {
			check := func(what string, err error) {
				if err != nil && exitcode.Code(err) != exitcode.Usage {
					t.Fatalf("%s(%q): exit %d, want 2: %v", what, s, exitcode.Code(err), err)
				}
			}
			d, err := parseDigestRef(s, o)
			check("parseDigestRef", err)
			if err == nil && (!strings.Contains(s, "@") || !strings.Contains(d.DigestStr(), ":")) {
				t.Fatalf("parseDigestRef(%q) accepted %v", s, d)
			}
			r, err := parseRepository(s, o)
			check("parseRepository", err)
			if err == nil && (strings.Contains(s, "@") || r.RepositoryStr() == "") {
				t.Fatalf("parseRepository(%q) accepted %v", s, r)
			}
			_, err = parseReference(s, o)
			check("parseReference", err)
			tag, err := parseTag(repo, s, o)
			check("parseTag", err)
			if err == nil && (tag.TagStr() != s || !tagPattern.MatchString(s)) {
				t.Fatalf("parseTag(%q) = %v", s, tag)
			}
			_, err = parseDigest(s, repo, o)
			check("parseDigest", err)
			o.Credentials = map[string]Credential{s: {Username: "u", Password: "canary-pw"}}
			_, err = o.remoteOptions(t.Context())
			check("credentials host", err)
			if err != nil && strings.Contains(err.Error(), "canary-pw") {
				t.Fatalf("credentials error leaks the password: %v", err)
			}
		}
	})
}
