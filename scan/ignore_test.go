package scan

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/internal/testsupport/scantest"
	"github.com/goldenci/golden/result"
)

var day = func(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

type entryView struct {
	ID      string
	Kinds   []result.Kind
	Paths   []string
	PURLs   []string
	Expires string
	Stmt    string
	Line    int
}

func view(l *IgnoreList) []entryView {
	var out []entryView
	for _, e := range l.Entries {
		v := entryView{ID: e.ID, Kinds: e.Kinds, Paths: e.Paths, PURLs: e.PURLs, Stmt: e.Statement, Line: e.Line}
		if !e.ExpiresAt.IsZero() {
			v.Expires = e.ExpiresAt.UTC().Format(time.RFC3339)
		}
		out = append(out, v)
	}
	return out
}

func TestParseIgnoreText(t *testing.T) {
	t.Parallel()
	in := "\ufeff# accepted risks\n" +
		"CVE-2023-1234 exp:2024-12-31\n" +
		"\n" +
		"   # indented comment\n" +
		"  aws-access-key-id  \n" +
		"DS-0002 some note exp:2030-01-02 exp:2031-01-01\n" +
		"CVE-2024-1 # trailing words are ignored\n" +
		"exp:2024-01-01\n" +
		"\tGHSA-xxxx-yyyy\texp:2025-06-30\r\n"
	l, err := ParseIgnoreText(strings.NewReader(in), ".trivyignore")
	if err != nil {
		t.Fatal(err)
	}
	want := []entryView{
		{ID: "CVE-2023-1234", Expires: "2024-12-31T00:00:00Z", Line: 2},
		{ID: "aws-access-key-id", Line: 5},
		{ID: "DS-0002", Expires: "2030-01-02T00:00:00Z", Line: 6},
		{ID: "CVE-2024-1", Line: 7},
		// As Trivy: a lone "exp:" field is the ID, not a date.
		{ID: "exp:2024-01-01", Line: 8},
		{ID: "GHSA-xxxx-yyyy", Expires: "2025-06-30T00:00:00Z", Line: 9},
	}
	if diff := cmp.Diff(want, view(l)); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if l.Where(l.Entries[2]) != ".trivyignore:6" {
		t.Errorf("Where = %q", l.Where(l.Entries[2]))
	}
}

func TestParseIgnoreTextErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"bad date", "CVE-1\nCVE-2 exp:2024-13-01\n", `parsing ignore file ".trivyignore": line 2: bad expiry "exp:2024-13-01" for CVE-2`},
		{"not a date", "# c\n\nCVE-3 exp:tomorrow", `line 3: bad expiry "exp:tomorrow"`},
		{"empty date", "CVE-4 exp:", `line 1: bad expiry "exp:"`},
		{"us date", "CVE-5 exp:12/31/2024", `line 1: bad expiry`},
		{"long line", "CVE-6\n" + strings.Repeat("x", maxIgnoreLine+1), `line 2: line longer than`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseIgnoreText(strings.NewReader(tt.in), ".trivyignore")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestParseIgnoreYAML(t *testing.T) {
	t.Parallel()
	in := `# .trivyignore.yaml
vulnerabilities:
  - id: CVE-2022-32149
    paths:
      - "go.mod"
      - "**/go.mod"
    statement: not reachable
  - id: GHSA-fake-unfx-0001
    purls:
      - "pkg:golang/acme.local/fakelib"
    expired_at: 2024-12-31
misconfigurations:
  - id: DS-0002
    expired_at: "2030-01-02"
  - id: KSV-0017
    expired_at: 2031-05-06T07:08:09Z
secrets:
  - id: aws-access-key-id
    paths: ["config/*.env"]
licenses:
  - id: GPL-3.0
unknown-section: [1, 2]
`
	l, err := ParseIgnoreYAML([]byte(in), ".trivyignore.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v := []result.Kind{result.KindVulnerability}
	want := []entryView{
		{ID: "CVE-2022-32149", Kinds: v, Paths: []string{"go.mod", "**/go.mod"}, Stmt: "not reachable", Line: 3},
		{ID: "GHSA-fake-unfx-0001", Kinds: v, PURLs: []string{"pkg:golang/acme.local/fakelib"}, Expires: "2024-12-31T00:00:00Z", Line: 8},
		{ID: "DS-0002", Kinds: []result.Kind{result.KindMisconfiguration}, Expires: "2030-01-02T00:00:00Z", Line: 13},
		{ID: "KSV-0017", Kinds: []result.Kind{result.KindMisconfiguration}, Expires: "2031-05-06T07:08:09Z", Line: 15},
		{ID: "aws-access-key-id", Kinds: []result.Kind{result.KindSecret}, Paths: []string{"config/*.env"}, Line: 18},
		{ID: "GPL-3.0", Kinds: []result.Kind{KindLicense}, Line: 21},
	}
	if diff := cmp.Diff(want, view(l)); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	for _, empty := range []string{"", "# nothing\n", "vulnerabilities:\n", "secrets: []\n"} {
		l, err := ParseIgnoreYAML([]byte(empty), "x.yaml")
		if err != nil || len(l.Entries) != 0 {
			t.Errorf("%q: %v, %d entries", empty, err, len(l.Entries))
		}
	}
}

func TestParseIgnoreYAMLErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"syntax", "vulnerabilities:\n  - id: [\n", `parsing ignore file "i.yaml": yaml: line 2`},
		{"not a mapping", "- CVE-1\n", `"i.yaml": line 1: want a mapping`},
		{"section not a list", "secrets:\n  id: x\n", `line 2: secrets must be a list`},
		{"entry not a mapping", "secrets:\n  - aws-access-key-id\n", `line 2: secrets: an entry must be a mapping`},
		{"no id", "vulnerabilities:\n  - id: CVE-1\n  - statement: why\n", `line 3: vulnerabilities: entry without an id`},
		{"bad path", "secrets:\n  - id: x\n    paths: [\"a/[b\"]\n", `line 3: secrets: paths: bad path pattern "a/[b"`},
		{"bad purl", "vulnerabilities:\n  - id: x\n    purls: [\"golang/x\"]\n", `line 3: vulnerabilities: purls: bad purl "golang/x"`},
		{"bad date", "misconfigurations:\n  - id: DS-1\n\n    expired_at: 2024-02-30\n", `line 4: misconfigurations: expired_at: bad date "2024-02-30"`},
		{"date is a list", "misconfigurations:\n  - id: DS-1\n    expired_at: [1]\n", `line 3: misconfigurations: expired_at: want a date`},
		{"paths not strings", "secrets:\n  - id: x\n    paths: {a: b}\n", `line 3: secrets: paths:`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseIgnoreYAML([]byte(tt.in), "i.yaml")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestParseIgnoreByExtension(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{
		".trivyignore":      "CVE-1\n",
		".trivyignore.yaml": "vulnerabilities:\n  - id: CVE-1\n",
		"ignore.YML":        "vulnerabilities:\n  - id: CVE-1\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := LoadIgnoreFile(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(l.Entries) != 1 || l.Entries[0].ID != "CVE-1" || l.File != p {
			t.Errorf("%s: %+v", name, l)
		}
	}
	if _, err := LoadIgnoreFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("want an error for a missing file")
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	now := day("2025-01-01").Add(12 * time.Hour)
	l, err := ParseIgnoreYAML([]byte(`
vulnerabilities:
  - id: CVE-PATH
    paths: ["sub/**/go.mod"]
  - id: CVE-PKGPATH
    paths: ["**/app.jar"]
  - id: CVE-PURL
    purls: ["pkg:golang/golang.org/x/text"]
  - id: CVE-PURL-VERSION
    purls: ["pkg:golang/golang.org/x/text@v0.3.7"]
  - id: CVE-PURL-QUAL
    purls: ["pkg:deb/debian/libc6?arch=amd64"]
  - id: CVE-EXPIRED
    expired_at: 2024-12-31
  - id: CVE-TODAY
    expired_at: 2025-01-01
  - id: CVE-LATER
    expired_at: 2025-01-02
misconfigurations:
  - id: AVD-DS-0002
secrets:
  - id: github-pat
`), "i.yaml")
	if err != nil {
		t.Fatal(err)
	}
	vuln := func(id, target, pkgPath, purl string) Finding {
		return Finding{Finding: result.Finding{Kind: result.KindVulnerability, RuleID: id, File: target},
			Target: target, PkgPath: pkgPath, PURL: purl}
	}
	tests := []struct {
		name string
		f    Finding
		want bool
	}{
		{"path match", vuln("CVE-PATH", "sub/a/b/go.mod", "", ""), true},
		{"path no match", vuln("CVE-PATH", "go.mod", "", ""), false},
		{"pkg path match", vuln("CVE-PKGPATH", "Java", "opt/app.jar", ""), true},
		{"pkg path no match", vuln("CVE-PKGPATH", "Java", "opt/lib.jar", ""), false},
		{"purl any version", vuln("CVE-PURL", "go.mod", "", "pkg:golang/golang.org/x/text@v0.3.7"), true},
		{"purl other package", vuln("CVE-PURL", "go.mod", "", "pkg:golang/golang.org/x/net@v0.7.0"), false},
		{"purl version", vuln("CVE-PURL-VERSION", "go.mod", "", "pkg:golang/golang.org/x/text@v0.3.7"), true},
		{"purl other version", vuln("CVE-PURL-VERSION", "go.mod", "", "pkg:golang/golang.org/x/text@v0.3.8"), false},
		{"purl qualifier", vuln("CVE-PURL-QUAL", "img", "", "pkg:deb/debian/libc6@2.36?arch=amd64&distro=debian-12"), true},
		{"purl other qualifier", vuln("CVE-PURL-QUAL", "img", "", "pkg:deb/debian/libc6@2.36?arch=arm64"), false},
		{"purl absent matches (as trivy)", vuln("CVE-PURL", "go.mod", "", ""), true},
		{"expired", vuln("CVE-EXPIRED", "go.mod", "", ""), false},
		{"expires today: expired at 00:00", vuln("CVE-TODAY", "go.mod", "", ""), false},
		{"expires tomorrow", vuln("CVE-LATER", "go.mod", "", ""), true},
		{"unlisted", vuln("CVE-OTHER", "go.mod", "", ""), false},
		{"vuln entry does not ignore a secret", Finding{Finding: result.Finding{Kind: result.KindSecret, RuleID: "CVE-LATER"}}, false},
		{"misconfig by alias", Finding{Finding: result.Finding{Kind: result.KindMisconfiguration, RuleID: "DS-0002"}, Aliases: []string{"AVD-DS-0002"}}, true},
		{"secret", Finding{Finding: result.Finding{Kind: result.KindSecret, RuleID: "github-pat"}, Target: "a.env"}, true},
		{"secret id on a misconfig", Finding{Finding: result.Finding{Kind: result.KindMisconfiguration, RuleID: "github-pat"}}, false},
	}
	for _, tt := range tests {
		if got := l.Match(tt.f, now) != nil; got != tt.want {
			t.Errorf("%s: matched %v, want %v", tt.name, got, tt.want)
		}
	}
	var nilList *IgnoreList
	if nilList.Match(vuln("CVE-PATH", "go.mod", "", ""), now) != nil || nilList.Expired(now) != nil {
		t.Error("a nil list must ignore nothing")
	}
	var expired []string
	for _, e := range l.Expired(now) {
		expired = append(expired, e.ID)
	}
	if diff := cmp.Diff([]string{"CVE-EXPIRED", "CVE-TODAY"}, expired); diff != "" {
		t.Errorf("Expired (-want +got):\n%s", diff)
	}
}

// TestIgnoreMatchesTrivy runs the real trivy with --ignorefile on the
// fixture tree and checks that golden, applying the same file to the
// unfiltered report, keeps exactly the findings trivy keeps. This pins
// the syntax and the matching rules (IDs, kinds, paths, purls, expiry)
// to Trivy's own.
func TestIgnoreMatchesTrivy(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	past := now.AddDate(-1, 0, 0).Format(time.DateOnly)
	future := now.AddDate(1, 0, 0).Format(time.DateOnly)

	dir := filepath.Join(t.TempDir(), "app")
	cache := t.TempDir()
	scantest.WriteGoModule(t, dir)
	scantest.WriteSecrets(t, dir, scantest.NewSecret(t.Name()))
	scantest.WriteMisconfigs(t, dir)
	if err := scantest.WriteDB(cache, now, scantest.Advisories); err != nil {
		t.Fatal(err)
	}
	const scanners = "vuln,secret,misconfig"
	base := parse(t, scantest.Scan(t, cache, scanners, dir))

	files := map[string]string{
		"plain.trivyignore": fmt.Sprintf(`# golden ignore file
CVE-2023-39325 exp:%s
CVE-2022-32149 exp:%s
  aws-access-key-id
DS-0002 reviewed by security exp:%s
KSV-0017
GHSA-fake-unfx-0001 # trailing comment
`, future, past, future),
		"rules.trivyignore.yaml": fmt.Sprintf(`vulnerabilities:
  - id: CVE-2023-39325
    purls: ["pkg:golang/golang.org/x/net"]
  - id: CVE-2022-32149
    purls: ["pkg:golang/golang.org/x/text@v0.3.8"]
  - id: GHSA-fake-low0-0002
    paths: ["go.mod"]
    expired_at: %s
  - id: GHSA-fake-unfx-0001
    expired_at: %s
  - id: aws-access-key-id
misconfigurations:
  - id: DS-0002
    paths: ["Dockerfile"]
  - id: KSV-0017
    paths: ["other/*.yaml"]
  - id: KSV-0014
    paths: ["deploy/*.yaml"]
secrets:
  - id: github-pat
    paths: ["config/**"]
  - id: aws-access-key-id
    paths: ["nowhere/*"]
`, future, past),
	}
	for name, content := range files {
		t.Run(name, func(t *testing.T) {
			ign := filepath.Join(t.TempDir(), name)
			if strings.HasSuffix(name, ".yaml") {
				// trivy picks the format by extension too.
				ign = filepath.Join(filepath.Dir(ign), ".trivyignore.yaml")
			}
			if err := os.WriteFile(ign, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			l, err := LoadIgnoreFile(ign)
			if err != nil {
				t.Fatal(err)
			}
			o := Evaluate(base, Policy{Ignore: l, Now: now})
			if len(o.Ignored) == 0 {
				t.Fatal("the ignore file ignored nothing; the comparison would prove little")
			}
			trivyKept := parse(t, scantest.Scan(t, cache, scanners, dir, "--ignorefile", ign))
			if diff := cmp.Diff(keys(trivyKept), keys(o.Findings)); diff != "" {
				t.Errorf("golden keeps other findings than trivy --ignorefile (-trivy +golden):\n%s", diff)
			}
		})
	}
}

func keys(fs []Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = fmt.Sprintf("%s %s %s:%d %s", f.Kind, f.RuleID, f.Target, f.Line, f.Package)
	}
	sort.Strings(out)
	return out
}

// FuzzParseIgnoreText: no panic; every entry has a non-blank ID without
// spaces and a line within the input.
func FuzzParseIgnoreText(f *testing.F) {
	f.Add([]byte("# c\nCVE-2023-1234 exp:2024-12-31\n\naws-access-key-id\n"))
	f.Add([]byte("CVE-1 exp:2024-13-40\n"))
	f.Add([]byte("\ufeff\tDS-0002 a b exp:2030-01-02 exp:x\r\n#"))
	f.Add([]byte("exp:2024-01-01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseIgnoreText(bytes.NewReader(data), ".trivyignore")
		if err != nil {
			if !strings.Contains(err.Error(), `".trivyignore"`) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, e := range l.Entries {
			if e.ID == "" || strings.ContainsAny(e.ID, " \t\r\n") || strings.HasPrefix(e.ID, "#") {
				t.Fatalf("bad ID %q", e.ID)
			}
			if e.Line < 1 || e.Line > lines {
				t.Fatalf("line %d outside 1..%d", e.Line, lines)
			}
		}
	})
}

// FuzzParseIgnoreYAML: no panic; errors name the file; entries have an
// ID and one kind; matching never panics.
func FuzzParseIgnoreYAML(f *testing.F) {
	f.Add([]byte("vulnerabilities:\n  - id: CVE-1\n    paths: [\"**/go.mod\"]\n    purls: [\"pkg:golang/x/y@v1\"]\n    expired_at: 2024-12-31\n"))
	f.Add([]byte("secrets:\n  - id: github-pat\n    statement: fake\nmisconfigurations: []\n"))
	f.Add([]byte("licenses:\n  - id: MIT\n    expired_at: \"2024-01-01T00:00:00Z\"\n"))
	f.Add([]byte("- a\n"))
	f.Add([]byte("vulnerabilities: {a: &x [*x]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseIgnoreYAML(data, "i.yaml")
		if err != nil {
			if !strings.Contains(err.Error(), `"i.yaml"`) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, e := range l.Entries {
			if strings.TrimSpace(e.ID) == "" || len(e.Kinds) != 1 || e.Line < 1 {
				t.Fatalf("bad entry %+v", e)
			}
		}
		f := Finding{Finding: result.Finding{Kind: result.KindVulnerability, RuleID: "CVE-1"},
			Target: "go.mod", PURL: "pkg:golang/x/y@v1"}
		_ = l.Match(f, time.Now())
	})
}
