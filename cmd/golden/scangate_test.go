package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/scantest"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/result"
)

// scanGateNow is the clock of every scan-gate run in these tests; ignore
// entries expire relative to it.
var scanGateNow = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

// scanGateRun runs golden in-process with a fixed clock and no
// environment.
func scanGateRun(t *testing.T, args ...string) invocation {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &Env{
		Stdin:  strings.NewReader(""),
		Stdout: &stdout,
		Stderr: &stderr,
		Getenv: func(string) string { return "" },
		Now:    func() time.Time { return scanGateNow },
	})
	return invocation{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// The real trivy report of scantest's fixture tree, made once per test
// binary (three scanners take a few seconds).
var (
	scanFixtureMu sync.Mutex
	scanFixtureOK bool
	scanFixture   scantest.Fixture
)

// scanGateFixture returns the shared fixture, scanning it on first use.
func scanGateFixture(t *testing.T) scantest.Fixture {
	t.Helper()
	scanFixtureMu.Lock()
	defer scanFixtureMu.Unlock()
	if !scanFixtureOK {
		scanFixture = scantest.NewFixture(t)
		scanFixtureOK = true
	}
	return scanFixture
}

// scanGateReport writes the fixture's real trivy report into a fresh
// directory and returns the directory and the report's path.
func scanGateReport(t *testing.T) (dir, report string, fx scantest.Fixture) {
	t.Helper()
	fx = scanGateFixture(t)
	dir = t.TempDir()
	report = filepath.Join(dir, "trivy.json")
	if err := os.WriteFile(report, fx.Report, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, report, fx
}

func scanGateWrite(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestScanGateExitCodes(t *testing.T) {
	t.Parallel()
	dir, report, _ := scanGateReport(t)
	// Ignores the three CRITICAL findings (the two secrets and
	// CVE-2023-39325) until after scanGateNow; the expired entry for
	// CVE-2022-32149 no longer applies.
	ignoreCritical := scanGateWrite(t, dir, "critical.trivyignore",
		"# reviewed\nCVE-2023-39325 exp:2026-12-31\naws-access-key-id\ngithub-pat exp:2027-01-01\nCVE-2022-32149 exp:2026-01-01\n")
	ignoreExpired := scanGateWrite(t, dir, "expired.trivyignore",
		"CVE-2023-39325 exp:2026-06-15\naws-access-key-id\ngithub-pat\n")
	yamlIgnore := scanGateWrite(t, dir, "ignore.yaml",
		"vulnerabilities:\n  - id: CVE-2023-39325\n    purls: [\"pkg:golang/golang.org/x/net\"]\nsecrets:\n  - id: aws-access-key-id\n    paths: [\"config/*\"]\n  - id: github-pat\n    expired_at: 2027-01-01\n")
	badDate := scanGateWrite(t, dir, "bad.trivyignore", "CVE-1\n\nCVE-2 exp:2026-02-30\n")
	badYAML := scanGateWrite(t, dir, "bad.yaml", "secrets:\n  - id: x\n    paths: [\"a/[\"]\n")
	malformed := scanGateWrite(t, dir, "malformed.json", "{\n  \"SchemaVersion\": 2,\n  \"Results\": [,]\n}\n")
	schema1 := scanGateWrite(t, dir, "v1.json", `{"SchemaVersion": 1, "Results": []}`)
	badSeverity := scanGateWrite(t, dir, "sev.json", `{"SchemaVersion":2,"Results":[{"Target":"go.mod","Vulnerabilities":[{"VulnerabilityID":"CVE-1","Severity":"SEVERE"}]}]}`)
	empty := scanGateWrite(t, dir, "empty.json", `{"SchemaVersion":2}`)
	notADir := scanGateWrite(t, dir, "file", "x")

	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{name: "default gate fails", args: []string{"--report", report}, code: exitcode.Failed,
			stdout: []string{"FAILED: 13 finding(s) at CRITICAL,HIGH", "CVE-2023-39325", "aws-access-key-id", "config/app.env:2"},
			stderr: []string{"golden scan-gate: 13 finding(s) at CRITICAL,HIGH fail the gate"}},
		{name: "UNKNOWN passes", args: []string{"--report", report, "--severity", "unknown"}, code: exitcode.Passed,
			stdout: []string{"PASSED: no finding at UNKNOWN", "TOTAL"}},
		{name: "CRITICAL fails", args: []string{"--report", report, "-severity=CRITICAL"}, code: exitcode.Failed,
			stdout: []string{"FAILED: 3 finding(s) at CRITICAL"}},
		{name: "ignorefile passes", args: []string{"--report", report, "--severity", "CRITICAL", "--ignorefile", ignoreCritical}, code: exitcode.Passed,
			stdout: []string{"PASSED", "Ignored by " + ignoreCritical + ": 3"},
			stderr: []string{ignoreCritical + ":5: ignore entry CVE-2022-32149 expired on 2026-01-01"}},
		{name: "entry expiring today no longer applies", args: []string{"--report", report, "--severity", "CRITICAL", "--ignorefile", ignoreExpired}, code: exitcode.Failed,
			stdout: []string{"FAILED: 1 finding(s) at CRITICAL", "CVE-2023-39325"}},
		{name: "yaml ignorefile", args: []string{"--report", report, "--severity", "CRITICAL", "--ignorefile", yamlIgnore}, code: exitcode.Passed,
			stdout: []string{"Ignored by " + yamlIgnore + ": 3"}},
		{name: "ignore-unfixed leaves out the unfixed HIGHs, listed apart", args: []string{"--report", report, "--ignore-unfixed"}, code: exitcode.Failed,
			stdout: []string{"29 findings", "FAILED: 10 finding(s)", "Unfixed vulnerabilities left out by --ignore-unfixed (status not fixed): 4",
				"CVE-2024-90002       affected      app (debian 12.5)", "CVE-2024-90003       will_not_fix  app (debian 12.5)"}},
		{name: "empty report passes", args: []string{"--report", empty}, code: exitcode.Passed, stdout: []string{"0 findings"}},
		{name: "no report", args: nil, code: exitcode.Usage, stderr: []string{"--report is required"}},
		{name: "missing report", args: []string{"--report", filepath.Join(dir, "nope.json")}, code: exitcode.Usage, stderr: []string{"nope.json", "no such file"}},
		{name: "malformed report", args: []string{"--report", malformed}, code: exitcode.Usage, stderr: []string{`"` + malformed + `"`, "line 3"}},
		{name: "schema version 1", args: []string{"--report", schema1}, code: exitcode.Usage, stderr: []string{"SchemaVersion 1 is not supported"}},
		{name: "unknown severity in report", args: []string{"--report", badSeverity}, code: exitcode.Usage, stderr: []string{"sev.json", `unknown severity "SEVERE"`}},
		{name: "bad --severity", args: []string{"--report", report, "--severity", "HIGH,SEVERE"}, code: exitcode.Usage, stderr: []string{"--severity", `"SEVERE"`}},
		{name: "empty --severity", args: []string{"--report", report, "--severity", ""}, code: exitcode.Usage, stderr: []string{"--severity"}},
		{name: "bad ignore date", args: []string{"--report", report, "--ignorefile", badDate}, code: exitcode.Usage,
			stderr: []string{`"` + badDate + `": line 3: bad expiry "exp:2026-02-30"`}},
		{name: "bad yaml ignorefile", args: []string{"--report", report, "--ignorefile", badYAML}, code: exitcode.Usage,
			stderr: []string{`"` + badYAML + `": line 3`, "bad path pattern"}},
		{name: "missing explicit ignorefile", args: []string{"--report", report, "--ignorefile", filepath.Join(dir, "none")}, code: exitcode.Usage,
			stderr: []string{"none", "no such file"}},
		{name: "stray argument", args: []string{"--report", report, "extra"}, code: exitcode.Usage, stderr: []string{`unexpected argument "extra"`}},
		{name: "unwritable sarif", args: []string{"--report", report, "--sarif", filepath.Join(notADir, "out.sarif")}, code: exitcode.Infra,
			stderr: []string{"SARIF"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := scanGateRun(t, append([]string{"scan-gate"}, tt.args...)...)
			if got.code != tt.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", got.code, tt.code, got.stdout, got.stderr)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(got.stdout, w) {
					t.Errorf("stdout does not contain %q:\n%s", w, got.stdout)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(got.stderr, w) {
					t.Errorf("stderr does not contain %q:\n%s", w, got.stderr)
				}
			}
		})
	}
}

func TestScanGateJSON(t *testing.T) {
	t.Parallel()
	_, report, _ := scanGateReport(t)
	got := scanGateRun(t, "scan-gate", "--report", report, "--json", "--severity", "CRITICAL,HIGH", "--ignore-unfixed")
	if got.code != exitcode.Failed {
		t.Fatalf("exit code %d, want 1; stderr %s", got.code, got.stderr)
	}
	var doc struct {
		Counts       map[string]int            `json:"counts"`
		CountsByKind map[string]map[string]int `json:"countsByKind"`
		Total        int                       `json:"total"`
		Failed       []map[string]any          `json:"failed"`
		Passed       *bool                     `json:"passed"`
		Unfixed      int                       `json:"unfixed"`
		UnfixedVulns []map[string]any          `json:"unfixedVulnerabilities"`
		Ignored      *int                      `json:"ignored"`
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(got.stdout), &raw); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, got.stdout)
	}
	if err := json.Unmarshal([]byte(got.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	// counts lists the five severities in order, most severe first.
	if !strings.Contains(string(raw["counts"]), `"CRITICAL": 3,`) ||
		strings.Index(string(raw["counts"]), "CRITICAL") > strings.Index(string(raw["counts"]), "UNKNOWN") {
		t.Errorf("counts = %s", raw["counts"])
	}
	if len(doc.Counts) != 5 || doc.Counts["CRITICAL"] != 3 || doc.Passed == nil || *doc.Passed || doc.Ignored == nil {
		t.Errorf("counts %v passed %v ignored %v", doc.Counts, doc.Passed, doc.Ignored)
	}
	if doc.CountsByKind["vulnerability"]["HIGH"] != 2 || doc.CountsByKind["secret"]["CRITICAL"] != 2 {
		t.Errorf("countsByKind %v", doc.CountsByKind)
	}
	sum := 0
	for _, n := range doc.Counts {
		sum += n
	}
	if sum != doc.Total {
		t.Errorf("total %d, counts add up to %d", doc.Total, sum)
	}
	if doc.Unfixed != 4 || len(doc.UnfixedVulns) != 4 || len(doc.Failed) != 10 {
		t.Errorf("unfixed %d (%d listed), %d failed; want 4 and 10", doc.Unfixed, len(doc.UnfixedVulns), len(doc.Failed))
	}
	for _, f := range doc.UnfixedVulns {
		if f["status"] == "fixed" || f["status"] == nil || f["kind"] != "vulnerability" {
			t.Errorf("unfixed vulnerability %v", f)
		}
	}
	var sawVuln, sawSecret bool
	for _, f := range doc.Failed {
		for _, k := range []string{"id", "severity", "kind", "target"} {
			if s, _ := f[k].(string); s == "" {
				t.Errorf("failed finding without %s: %v", k, f)
			}
		}
		switch f["kind"] {
		case "vulnerability":
			sawVuln = true
			if f["package"] == nil || f["installedVersion"] == nil || f["title"] == nil {
				t.Errorf("vulnerability without package, version or title: %v", f)
			}
			if f["status"] != "fixed" {
				t.Errorf("an unfixed vulnerability failed despite --ignore-unfixed: %v", f)
			}
		case "secret":
			sawSecret = true
			if f["line"] == nil {
				t.Errorf("secret without line: %v", f)
			}
		}
	}
	if !sawVuln || !sawSecret {
		t.Errorf("failed lacks a vulnerability or a secret: %v", doc.Failed)
	}

	pass := scanGateRun(t, "scan-gate", "--report", report, "--json", "--severity", "UNKNOWN")
	if pass.code != exitcode.Passed || !strings.Contains(pass.stdout, `"passed": true`) || !strings.Contains(pass.stdout, `"failed": []`) {
		t.Errorf("passing --json: code %d\n%s", pass.code, pass.stdout)
	}
}

// TestScanGateCountsMatchTrivy runs scan-gate --json on the real report
// of scantest's fixture, with and without --ignore-unfixed, and compares
// its counts with the real trivy's own report of the tree with the same
// flag: they must be equal, by kind and severity, and what
// --ignore-unfixed leaves out must be what trivy leaves out.
func TestScanGateCountsMatchTrivy(t *testing.T) {
	t.Parallel()
	fx := scantest.NewFixture(t) // its own: the tree and cache live as long as this test
	dir := t.TempDir()
	report := scanGateWrite(t, dir, "trivy.json", string(fx.Report))
	for _, flags := range [][]string{nil, {"--ignore-unfixed"}} {
		theirs := fx.Report
		if flags != nil {
			theirs = scantest.Scan(t, fx.Cache, "vuln,secret,misconfig", fx.Dir, flags...)
		}
		want, vulns := trivyCounts(t, theirs)
		got := scanGateRun(t, append([]string{"scan-gate", "--report", report, "--json", "--ignorefile", ""}, flags...)...)
		if got.code != exitcode.Failed {
			t.Fatalf("%v: exit code %d, want 1; stderr %s", flags, got.code, got.stderr)
		}
		var doc struct {
			CountsByKind           map[string]map[string]int `json:"countsByKind"`
			UnfixedVulnerabilities []struct{ ID, Status string }
		}
		if err := json.Unmarshal([]byte(got.stdout), &doc); err != nil {
			t.Fatal(err)
		}
		for kind, counts := range doc.CountsByKind {
			for sev, n := range counts {
				if n == 0 {
					delete(counts, sev)
				}
			}
			if len(counts) == 0 {
				delete(doc.CountsByKind, kind)
			}
		}
		if diff := cmp.Diff(want, doc.CountsByKind); diff != "" {
			t.Errorf("scan-gate %v counts differ from trivy's (-trivy +golden):\n%s", flags, diff)
		}
		if flags == nil {
			continue
		}
		_, all := trivyCounts(t, fx.Report)
		statuses := map[string]bool{}
		for _, u := range doc.UnfixedVulnerabilities {
			statuses[u.Status] = true
			if vulns[u.ID] || !all[u.ID] {
				t.Errorf("%s (%s) left out, but trivy --ignore-unfixed keeps it or trivy never found it", u.ID, u.Status)
			}
			delete(all, u.ID)
		}
		for id := range all {
			if !vulns[id] {
				t.Errorf("%s: trivy --ignore-unfixed leaves it out, scan-gate does not list it", id)
			}
		}
		if !statuses["affected"] || !statuses["will_not_fix"] {
			t.Errorf("unfixed statuses %v: want affected and will_not_fix", statuses)
		}
	}
}

// trivyCounts decodes a trivy report on its own: the vulnerabilities,
// secrets and FAIL misconfigurations by kind and severity, and the IDs
// of the vulnerabilities.
func trivyCounts(t *testing.T, data []byte) (map[string]map[string]int, map[string]bool) {
	t.Helper()
	var doc struct {
		Results []struct {
			Vulnerabilities   []struct{ VulnerabilityID, Severity string }
			Secrets           []struct{ Severity string }
			Misconfigurations []struct{ Severity, Status string }
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	counts := map[string]map[string]int{}
	add := func(kind, sev string) {
		if counts[kind] == nil {
			counts[kind] = map[string]int{}
		}
		counts[kind][sev]++
	}
	vulns := map[string]bool{}
	for _, r := range doc.Results {
		for _, v := range r.Vulnerabilities {
			add("vulnerability", v.Severity)
			vulns[v.VulnerabilityID] = true
		}
		for _, s := range r.Secrets {
			add("secret", s.Severity)
		}
		for _, m := range r.Misconfigurations {
			if m.Status == "FAIL" {
				add("misconfiguration", m.Severity)
			}
		}
	}
	return counts, vulns
}

// TestScanGateSARIFResultAndCanary writes SARIF and the result file from
// the real report and checks that the secret canary is nowhere.
func TestScanGateSARIFResultAndCanary(t *testing.T) {
	t.Parallel()
	dir, report, fx := scanGateReport(t)
	if !bytes.Contains(fx.Report, []byte(fx.Secret.Marker)) {
		t.Fatal("trivy's report does not show the canary marker; the leak check would prove nothing")
	}
	sarifPath := filepath.Join(dir, "out", "trivy.sarif")
	resultPath := filepath.Join(dir, "golden-result.json")

	var outputs []string
	for _, extra := range [][]string{nil, {"--json"}} {
		args := append([]string{"scan-gate", "--report", report, "--sarif", sarifPath, "--result", resultPath}, extra...)
		got := scanGateRun(t, args...)
		if got.code != exitcode.Failed {
			t.Fatalf("exit code %d, want 1; stderr %s", got.code, got.stderr)
		}
		outputs = append(outputs, got.stdout, got.stderr)
	}

	sarifData, err := os.ReadFile(sarifPath)
	if err != nil {
		t.Fatal(err)
	}
	scanGateValidateSARIF(t, sarifData)
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Name, Version string
				}
			}
			Results []struct {
				RuleID string
				Level  string
			}
		}
	}
	if err := json.Unmarshal(sarifData, &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "trivy" || len(log.Runs[0].Results) != 33 {
		t.Errorf("SARIF: %d runs; want one trivy run with the 33 findings", len(log.Runs))
	}

	run, err := result.Load(resultPath)
	if err != nil {
		t.Fatal(err)
	}
	stage, ok := run.Stage("scan")
	if !ok {
		t.Fatal("no scan stage recorded")
	}
	if stage.Status != result.Failed || len(stage.Findings) != 33 || !strings.Contains(stage.Summary, "33 findings") ||
		!strings.Contains(stage.Error, "fail the gate") {
		t.Errorf("stage %+v", stage)
	}
	kinds := map[result.Kind]int{}
	for _, f := range stage.Findings {
		kinds[f.Kind]++
		if f.Tool != "trivy" || f.RuleID == "" || f.File == "" {
			t.Errorf("recorded finding %+v", f)
		}
		if f.Kind == result.KindSecret && (f.Line == 0 || f.Title == "") {
			t.Errorf("secret finding without line or title: %+v", f)
		}
		if f.Kind == result.KindVulnerability && (f.Package == "" || f.InstalledVersion == "" || f.URL == "") {
			t.Errorf("vulnerability finding without package, version or URL: %+v", f)
		}
	}
	if kinds[result.KindVulnerability] != 10 || kinds[result.KindSecret] != 2 || kinds[result.KindMisconfiguration] != 21 {
		t.Errorf("recorded kinds %v", kinds)
	}

	// --ignore-unfixed: the four unfixed vulnerabilities are in neither
	// the SARIF log nor the stage's findings; the summary counts them.
	unfixedSARIF := filepath.Join(dir, "out", "unfixed.sarif")
	unfixedResult := filepath.Join(dir, "unfixed-result.json")
	if got := scanGateRun(t, "scan-gate", "--report", report, "--ignore-unfixed", "--sarif", unfixedSARIF, "--result", unfixedResult); got.code != exitcode.Failed {
		t.Fatalf("--ignore-unfixed: exit code %d, want 1; stderr %s", got.code, got.stderr)
	}
	if data, err := os.ReadFile(unfixedSARIF); err != nil || strings.Count(string(data), `"ruleId"`) != 29 || strings.Contains(string(data), "CVE-2024-90003") {
		t.Errorf("--ignore-unfixed SARIF: %v; want the 29 findings without the unfixed ones", err)
	}
	if r, err := result.Load(unfixedResult); err != nil {
		t.Fatal(err)
	} else if st, _ := r.Stage("scan"); len(st.Findings) != 29 || !strings.Contains(st.Summary, "; 4 unfixed vulnerabilities left out (3 HIGH, 1 MEDIUM)") {
		t.Errorf("--ignore-unfixed stage: %d findings, summary %q", len(st.Findings), st.Summary)
	}
	resultData, err := os.ReadFile(resultPath)
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range fx.Secret.All() {
		for i, out := range outputs {
			if strings.Contains(out, c) {
				t.Errorf("output %d carries canary %q", i, c)
			}
		}
		for name, data := range map[string][]byte{"SARIF": sarifData, "result": resultData} {
			if bytes.Contains(data, []byte(c)) {
				t.Errorf("%s carries canary %q", name, c)
			}
		}
	}
	for name, data := range map[string]string{"SARIF": string(sarifData), "result": string(resultData), "stdout": outputs[0] + outputs[2]} {
		if strings.Contains(data, "****") {
			t.Errorf("%s carries trivy's masked secret", name)
		}
	}

	// A passing run replaces the stage.
	if got := scanGateRun(t, "scan-gate", "--report", report, "--severity", "UNKNOWN", "--result", resultPath); got.code != exitcode.Passed {
		t.Fatalf("exit code %d", got.code)
	}
	run, err = result.Load(resultPath)
	if err != nil {
		t.Fatal(err)
	}
	if stage, _ := run.Stage("scan"); stage.Status != result.Passed || stage.Error != "" || len(run.Stages) != 1 {
		t.Errorf("after a passing run: %+v", run.Stages)
	}

	// Bad input records an errored stage.
	if got := scanGateRun(t, "scan-gate", "--report", filepath.Join(dir, "missing.json"), "--result", resultPath); got.code != exitcode.Usage {
		t.Fatalf("exit code %d", got.code)
	}
	run, err = result.Load(resultPath)
	if err != nil {
		t.Fatal(err)
	}
	if stage, _ := run.Stage("scan"); stage.Status != result.Errored || !strings.Contains(stage.Error, "missing.json") {
		t.Errorf("after bad input: %+v", stage)
	}
}

// TestScanGateDefaultIgnoreFile runs in a directory holding .trivyignore:
// it is read without --ignorefile. Not parallel: it changes directory.
func TestScanGateDefaultIgnoreFile(t *testing.T) {
	_, report, _ := scanGateReport(t)
	work := t.TempDir()
	t.Chdir(work)
	got := scanGateRun(t, "scan-gate", "--report", report, "--severity", "CRITICAL")
	if got.code != exitcode.Failed {
		t.Fatalf("without .trivyignore: exit code %d", got.code)
	}
	scanGateWrite(t, work, ".trivyignore", "CVE-2023-39325\naws-access-key-id\ngithub-pat\n")
	got = scanGateRun(t, "scan-gate", "--report", report, "--severity", "CRITICAL")
	if got.code != exitcode.Passed || !strings.Contains(got.stdout, "Ignored by .trivyignore: 3") {
		t.Errorf("with .trivyignore: exit code %d\n%s%s", got.code, got.stdout, got.stderr)
	}
	got = scanGateRun(t, "scan-gate", "--report", report, "--severity", "CRITICAL", "--ignorefile", "")
	if got.code != exitcode.Failed {
		t.Errorf("--ignorefile '' must disable the default: exit code %d", got.code)
	}
}

func TestScanGateHelp(t *testing.T) {
	t.Parallel()
	got := scanGateRun(t, "scan-gate", "--help")
	if got.code != exitcode.Passed {
		t.Fatalf("exit code %d", got.code)
	}
	for _, w := range []string{"golden scan-gate --report FILE", "Example:", "-ignore-unfixed", "-ignorefile", "-sarif", "-severity", "exp:YYYY-MM-DD"} {
		if !strings.Contains(got.stdout, w) {
			t.Errorf("help lacks %q:\n%s", w, got.stdout)
		}
	}
}

// scanGateValidateSARIF validates against the official SARIF 2.1.0
// schema kept in sarif/testdata.
func scanGateValidateSARIF(t *testing.T, data []byte) {
	t.Helper()
	f, err := os.Open(filepath.Join(testtool.Root(), "sarif", "testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const id = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("SARIF does not validate: %v", err)
	}
}
