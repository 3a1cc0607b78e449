package scan

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/internal/testsupport/scantest"
	"github.com/goldenci/golden/result"
)

var update = flag.Bool("update", false, "rewrite testdata golden files (and regenerate testdata/trivy-report.json with the real trivy)")

// committedReport is one real trivy report, kept as the golden input of
// TestCommittedReport and as a fuzz seed. It was made by the real trivy
// (the version in tools/versions.env) with
//
//	go test ./scan -run TestCommittedReport -update
//
// which scans scantest.NewFixture's tree (a go.mod pinning vulnerable
// modules against scantest.Advisories, a canary config/app.env, a
// Dockerfile and a Deployment) with
// "trivy fs --scanners vuln,secret,misconfig --format json".
const committedReport = "testdata/trivy-report.json"

// The fixture tree is scanned once per test binary (three trivy
// scanners take a few seconds); tests share its report.
var (
	fixtureMu  sync.Mutex
	fixtureOK  bool
	fixtureVal scantest.Fixture
)

func realFixture(t *testing.T) scantest.Fixture {
	t.Helper()
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	if !fixtureOK {
		fixtureVal = scantest.NewFixture(t)
		fixtureOK = true
	}
	return fixtureVal
}

func parse(t *testing.T, data []byte) []Finding {
	t.Helper()
	rep, err := ParseReport(bytes.NewReader(data), "report.json")
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Findings(rep)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// rawCounts counts the report's findings with a plain JSON decode,
// independently of the trivy types: vulnerabilities, secrets and FAIL
// misconfigurations per kind and severity, and PASS misconfigurations.
func rawCounts(t *testing.T, data []byte) (counts map[result.Kind]map[string]int, passed int) {
	t.Helper()
	var doc struct {
		Results []struct {
			Vulnerabilities   []struct{ Severity string }
			Secrets           []struct{ Severity string }
			Misconfigurations []struct{ Severity, Status string }
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	counts = map[result.Kind]map[string]int{
		result.KindVulnerability: {}, result.KindSecret: {}, result.KindMisconfiguration: {},
	}
	for _, r := range doc.Results {
		for _, v := range r.Vulnerabilities {
			counts[result.KindVulnerability][v.Severity]++
		}
		for _, s := range r.Secrets {
			counts[result.KindSecret][s.Severity]++
		}
		for _, m := range r.Misconfigurations {
			if m.Status == "FAIL" {
				counts[result.KindMisconfiguration][m.Severity]++
			} else {
				passed++
			}
		}
	}
	return counts, passed
}

func TestRealReport(t *testing.T) {
	t.Parallel()
	fx := realFixture(t)
	fs := parse(t, fx.Report)

	got := map[result.Kind]map[string]int{
		result.KindVulnerability: {}, result.KindSecret: {}, result.KindMisconfiguration: {},
	}
	byID := map[string]Finding{}
	for _, f := range fs {
		got[f.Kind][string(f.Severity)]++
		byID[f.RuleID+"@"+f.Target] = f
	}
	want, _ := rawCounts(t, fx.Report)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("counts differ from a plain decode of the report (-want +got):\n%s", diff)
	}

	// The vulnerabilities of scantest.Advisories against the fixture's
	// go.mod, and of scantest.DebianAdvisories against its Debian system.
	debian := "app (debian " + scantest.DebianVersion + ")"
	type vuln struct {
		sev                    result.Severity
		target, pkg, installed string
		fixed, status, purl    string
	}
	goVuln := func(sev result.Severity, pkg, installed, fixed, status string) vuln {
		return vuln{sev, "go.mod", pkg, installed, fixed, status, "pkg:golang/"}
	}
	debVuln := func(sev result.Severity, fixed, status string) vuln {
		return vuln{sev, debian, scantest.DebianPackage, scantest.DebianInstalled, fixed, status, "pkg:deb/debian/"}
	}
	wantVulns := map[string]vuln{
		"CVE-2023-39325":      goVuln(result.Critical, scantest.NetModule, scantest.NetVersion, "0.17.0", "fixed"),
		"CVE-2022-32149":      goVuln(result.High, scantest.TextModule, scantest.TextVersion, "0.3.8", "fixed"),
		"GHSA-fake-unfx-0001": goVuln(result.High, scantest.FakeModule, scantest.FakeVersion, "", "affected"),
		"CVE-2023-3978":       goVuln(result.Medium, scantest.NetModule, scantest.NetVersion, "0.13.0", "fixed"),
		"GHSA-fake-low0-0002": goVuln(result.Low, scantest.FakeModule, scantest.FakeVersion, "1.3.0", "fixed"),
		"CVE-2024-90001":      debVuln(result.High, "2.0.0-2", "fixed"),
		"CVE-2024-90002":      debVuln(result.High, "", "affected"),
		"CVE-2024-90003":      debVuln(result.High, "", "will_not_fix"),
		"CVE-2024-90004":      debVuln(result.Medium, "", "fix_deferred"),
		"CVE-2024-90005":      debVuln(result.Low, "", "fixed"),
	}
	nv := 0
	for _, f := range fs {
		if f.Kind != result.KindVulnerability {
			continue
		}
		nv++
		w, ok := wantVulns[f.RuleID]
		if !ok {
			t.Errorf("unexpected vulnerability %s", f.RuleID)
			continue
		}
		got := vuln{f.Severity, f.Target, f.Package, f.InstalledVersion, f.FixedVersion, f.Status, w.purl}
		if got != w {
			t.Errorf("%s: got %+v, want %+v", f.RuleID, got, w)
		}
		if f.File != f.Target || f.Tool != "trivy" || f.URL == "" {
			t.Errorf("%s: file %q target %q tool %q url %q", f.RuleID, f.File, f.Target, f.Tool, f.URL)
		}
		if !strings.HasPrefix(f.PURL, w.purl) {
			t.Errorf("%s: purl %q, want %s...", f.RuleID, f.PURL, w.purl)
		}
	}
	if nv != len(wantVulns) {
		t.Errorf("%d vulnerabilities, want %d", nv, len(wantVulns))
	}

	for _, c := range []struct {
		key  string
		kind result.Kind
		sev  result.Severity
		line int
	}{
		{"aws-access-key-id@config/app.env", result.KindSecret, result.Critical, 2},
		{"github-pat@config/app.env", result.KindSecret, result.Critical, 3},
		{"DS-0002@Dockerfile", result.KindMisconfiguration, result.High, 3},
		{"DS-0001@Dockerfile", result.KindMisconfiguration, result.Medium, 1},
		{"KSV-0017@deploy/web.yaml", result.KindMisconfiguration, result.High, 16},
	} {
		f, ok := byID[c.key]
		if !ok {
			t.Errorf("no finding %s", c.key)
			continue
		}
		if f.Kind != c.kind || f.Severity != c.sev || f.Line != c.line || f.File != strings.SplitN(c.key, "@", 2)[1] {
			t.Errorf("%s: got %s %s %s:%d", c.key, f.Kind, f.Severity, f.File, f.Line)
		}
		if f.Title == "" || f.Message == "" {
			t.Errorf("%s: empty title or message", c.key)
		}
	}
}

// TestSecretCanary checks that the canary planted next to the secrets is
// in trivy's own report (so the test can see a leak) but in no finding.
func TestSecretCanary(t *testing.T) {
	t.Parallel()
	fx := realFixture(t)
	if !bytes.Contains(fx.Report, []byte(fx.Secret.Marker)) {
		t.Fatalf("trivy's report does not show the canary marker; the canary checks below would prove nothing")
	}
	fs := parse(t, fx.Report)
	out, err := json.Marshal(fs)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range fx.Secret.All() {
		if bytes.Contains(out, []byte(c)) {
			t.Errorf("findings carry canary %q", c)
		}
	}
	// Trivy masks the match with asterisks; the masked text must not
	// come through either.
	if bytes.Contains(out, []byte("****")) {
		t.Errorf("findings carry trivy's masked match or code lines:\n%s", out)
	}
}

// TestOnlyFailedMisconfigurations scans with --include-non-failures: the
// PASS results must not become findings.
func TestOnlyFailedMisconfigurations(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "src")
	scantest.WriteMisconfigs(t, dir)
	rep := scantest.Scan(t, t.TempDir(), "misconfig", dir, "--include-non-failures")
	want, passed := rawCounts(t, rep)
	if passed == 0 {
		t.Fatal("trivy reported no passed checks with --include-non-failures")
	}
	fs := parse(t, rep)
	n := 0
	for _, c := range want[result.KindMisconfiguration] {
		n += c
	}
	if len(fs) != n || n == 0 {
		t.Errorf("%d findings, want the %d FAIL misconfigurations (and none of the %d passed)", len(fs), n, passed)
	}
}

// TestCommittedReport turns the committed real report into findings and
// compares them with the golden file.
func TestCommittedReport(t *testing.T) {
	if *update {
		fx := scantest.NewFixture(t)
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, fx.Report, "", "  "); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(committedReport, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(committedReport)
	if err != nil {
		t.Fatal(err)
	}
	fs := parse(t, data)
	outcome := Evaluate(fs, Policy{})
	got, err := json.MarshalIndent(outcome.Findings, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := "testdata/trivy-report.findings.json"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("findings differ from %s (-want +got):\n%s", golden, diff)
	}
}

func TestParseReportErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     []string // substrings of the error
	}{
		{"empty", "", []string{`"report.json"`, "empty"}},
		{"blank", " \n\t\n", []string{"empty"}},
		{"syntax error line 3", "{\n  \"SchemaVersion\": 2,\n  \"Results\": [,]\n}", []string{`"report.json"`, "line 3"}},
		{"truncated", "{\n  \"SchemaVersion\": 2,\n  \"Results\": [", []string{"unexpected end"}},
		{"type error line 2", "{\n  \"SchemaVersion\": \"2\"\n}", []string{"line 2", "SchemaVersion"}},
		{"trailing garbage", `{"SchemaVersion": 2} x`, []string{"line 1", "invalid character"}},
		{"array", `[]`, []string{"line 1"}},
		{"null", `null`, []string{"no SchemaVersion"}},
		{"no schema version", `{"Results": []}`, []string{"no SchemaVersion", "not a Trivy JSON report"}},
		{"schema version 1", `{"SchemaVersion": 1}`, []string{"SchemaVersion 1 is not supported (want 2)"}},
		{"schema version 3", `{"SchemaVersion": 3}`, []string{"SchemaVersion 3 is not supported"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseReport(strings.NewReader(tt.in), "report.json")
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestFindingsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     string
	}{
		{"unknown vuln severity", `{"SchemaVersion":2,"Results":[{"Target":"go.mod","Vulnerabilities":[{"VulnerabilityID":"CVE-1","Severity":"SEVERE"}]}]}`,
			`result 1 (target "go.mod"): vulnerability CVE-1: unknown severity "SEVERE"`},
		{"vuln without id", `{"SchemaVersion":2,"Results":[{"Target":"a"},{"Target":"go.mod","Vulnerabilities":[{"PkgName":"x"}]}]}`,
			`result 2 (target "go.mod"): vulnerability in package "x" has no VulnerabilityID`},
		{"secret without rule", `{"SchemaVersion":2,"Results":[{"Target":"a.env","Secrets":[{"StartLine":4}]}]}`,
			`secret at line 4 has no RuleID`},
		{"misconfig without id", `{"SchemaVersion":2,"Results":[{"Target":"Dockerfile","Misconfigurations":[{"Title":"t","Status":"FAIL"}]}]}`,
			`misconfiguration "t" has no ID`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rep, err := ParseReport(strings.NewReader(tt.in), "r.json")
			if err != nil {
				t.Fatal(err)
			}
			_, err = Findings(rep)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestFindingsDefaults(t *testing.T) {
	t.Parallel()
	in := `{"SchemaVersion":2,"Results":[
	 {"Target":"Dockerfile","Misconfigurations":[
	   {"ID":"DS-0001","AVDID":"AVD-DS-0001","Title":"t","Status":"FAIL"},
	   {"ID":"DS-0002","Title":"passed","Status":"PASS","Severity":"HIGH"},
	   {"ID":"DS-0003","Title":"exception","Status":"EXCEPTION","Severity":"HIGH"}]},
	 {"Target":"a.env","Secrets":[{"RuleID":"r","Severity":"","Match":"SECRET-MATCH","Code":{"Lines":[{"Content":"SECRET-CODE"}]}}]}]}`
	fs := parse(t, []byte(in))
	if len(fs) != 2 {
		t.Fatalf("%d findings, want 2: %+v", len(fs), fs)
	}
	if fs[0].Severity != result.Unknown || fs[0].Message != "t" || !cmp.Equal(fs[0].Aliases, []string{"AVD-DS-0001"}) {
		t.Errorf("misconfiguration: %+v", fs[0])
	}
	if fs[1].Severity != result.Unknown || fs[1].Message != "secret matched rule r" {
		t.Errorf("secret: %+v", fs[1])
	}
	out, _ := json.Marshal(fs)
	if bytes.Contains(out, []byte("SECRET-")) {
		t.Errorf("secret match or code leaked: %s", out)
	}
}

// FuzzParseReport feeds arbitrary bytes to the report parser and the
// finding conversion: no panic, and every finding has a rule, a known
// kind and a known severity.
func FuzzParseReport(f *testing.F) {
	if data, err := os.ReadFile(committedReport); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"SchemaVersion":2,"Results":[{"Target":"go.mod","Vulnerabilities":[{"VulnerabilityID":"CVE-1","PkgName":"x","PkgIdentifier":{"PURL":"pkg:golang/x@v1"},"Severity":"HIGH","Status":"fixed"}]}]}`))
	f.Add([]byte(`{"SchemaVersion":2,"Results":[{"Target":"a","Secrets":[{"RuleID":"r","Severity":"LOW","StartLine":-3}]}]}`))
	f.Add([]byte(`{"SchemaVersion":2,"Metadata":{"ImageConfig":{"created":"x"},"Reference":"::"},"Results":null}`))
	f.Add([]byte(`{"SchemaVersion":1}`))
	f.Add([]byte("{\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := ParseReport(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			if !strings.Contains(err.Error(), `"fuzz.json"`) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if rep.SchemaVersion != SchemaVersion {
			t.Fatalf("accepted SchemaVersion %d", rep.SchemaVersion)
		}
		fs, err := Findings(rep)
		if err != nil {
			return
		}
		for _, f := range fs {
			if f.RuleID == "" || f.Severity.Rank() == 0 && f.Severity != result.Unknown {
				t.Fatalf("bad finding %+v", f)
			}
			switch f.Kind {
			case result.KindVulnerability, result.KindSecret, result.KindMisconfiguration:
			default:
				t.Fatalf("bad kind %q", f.Kind)
			}
			if f.Line < 0 || f.EndLine < 0 {
				t.Fatalf("negative line %+v", f)
			}
		}
		o := Evaluate(fs, Policy{})
		if o.Counts.Total() != len(fs) {
			t.Fatalf("counted %d of %d findings", o.Counts.Total(), len(fs))
		}
		u := Evaluate(fs, Policy{IgnoreUnfixed: true})
		if u.Counts.Total()+len(u.Unfixed) != len(fs) || u.UnfixedCounts.Total() != len(u.Unfixed) {
			t.Fatalf("ignore-unfixed: counted %d and %d unfixed (counts %v) of %d findings", u.Counts.Total(), len(u.Unfixed), u.UnfixedCounts, len(fs))
		}
	})
}
