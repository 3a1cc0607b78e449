package pipeline

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/scantest"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/internal/text"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/scan"
	"github.com/goldenci/golden/toolcmd"
)

// TestScanStage scans a service with a vulnerable go.mod, a secret and a
// misconfigured Dockerfile with the exact trivy fs command line of Scan
// (offline: a vulnerability DB built by scantest, the embedded checks),
// gates the real report with the service's .trivyignore, and converts it
// to SARIF with the ignore file as trivy convert applies it in the
// pipeline.
func TestScanStage(t *testing.T) {
	t.Parallel()
	trivy := testtool.Path(t, "trivy")
	dir := filepath.Join(t.TempDir(), "svc")
	cache := t.TempDir()
	sec := scantest.NewSecret(t.Name())
	scantest.WriteGoModule(t, dir)
	scantest.WriteSecrets(t, dir, sec)
	scantest.WriteMisconfigs(t, dir)
	if err := scantest.WriteDB(cache, time.Now(), scantest.Advisories); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, ".trivyignore"), "# fixed next sprint\nCVE-2022-32149\n")
	out := t.TempDir()
	empty := filepath.Join(out, "empty.trivyignore")
	writeFile(t, empty, "")
	jsonOut, sarifOut := filepath.Join(out, "trivy.json"), filepath.Join(out, "trivy.sarif")

	cfg := config.Default(config.Go)
	o := toolcmd.TrivyOptions{
		Scanners: cfg.Scan.Scanners, CacheDir: cache, Output: jsonOut, Format: "json",
		IgnoreFile: empty, SkipDBUpdate: true,
	}
	run := hostRun(t, dir, nil, trivy, toolcmd.TrivyFS(o, "."), "", jsonOut)

	ignore, err := scan.ParseIgnore([]byte("# fixed next sprint\nCVE-2022-32149\n"), ".trivyignore")
	if err != nil {
		t.Fatal(err)
	}
	sevs, err := scanSeverities(cfg.Scan)
	if err != nil {
		t.Fatal(err)
	}
	findings, st, err := scanStage(StageScan, run, jsonOut, scan.Policy{Severities: sevs, Ignore: ignore, Now: time.Now()})
	if err != nil {
		t.Fatalf("%v\n%s", err, run.Stderr)
	}
	if st.Status != result.Failed || st.Name != StageScan || !strings.Contains(st.Summary, "; 1 ignored") {
		t.Errorf("stage %+v", st)
	}
	kinds := map[result.Kind]int{}
	ids := map[string]bool{}
	for _, f := range findings {
		kinds[f.Kind]++
		ids[f.RuleID] = true
	}
	if kinds[result.KindVulnerability] == 0 || kinds[result.KindSecret] == 0 || kinds[result.KindMisconfiguration] == 0 {
		t.Errorf("findings by kind %v, want every kind", kinds)
	}
	if ids["CVE-2022-32149"] || !ids["CVE-2023-39325"] {
		t.Errorf("ignored CVE-2022-32149 kept or CVE-2023-39325 missing: %v", ids)
	}
	if !strings.Contains(st.Error, "at CRITICAL,HIGH fail the gate") {
		t.Errorf("stage error %q", st.Error)
	}
	// The secret never reaches the result.
	doc, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sec.All() {
		if strings.Contains(string(doc), s) {
			t.Errorf("the stage carries secret material %q", s)
		}
	}

	// An ignore-unfixed policy that fails on CRITICAL only still fails:
	// CVE-2023-39325 is CRITICAL with a fix.
	_, st, err = scanStage(StageScanImage, run, jsonOut, scan.Policy{Severities: []result.Severity{result.Critical}, IgnoreUnfixed: true, Ignore: ignore, Now: time.Now()})
	if err != nil || st.Status != result.Failed || st.Name != StageScanImage {
		t.Errorf("critical only: %+v, %v", st, err)
	}

	// trivy convert, run like Scan runs it: the ignore file through
	// TRIVY_IGNOREFILE.
	conv := hostRun(t, dir, []string{"TRIVY_IGNOREFILE=.trivyignore"}, trivy, toolcmd.TrivyConvert(jsonOut, "sarif", sarifOut), "", sarifOut)
	if conv.ExitCode != 0 {
		t.Fatalf("trivy convert exited %d\n%s", conv.ExitCode, conv.Stderr)
	}
	sarif, _ := conv.file(sarifOut)
	if !strings.Contains(sarif, "CVE-2023-39325") || strings.Contains(sarif, "CVE-2022-32149") {
		t.Errorf("SARIF does not apply the ignore file:\n%.2000s", sarif)
	}
}

// TestScanStageTrivyFails runs trivy in a way it refuses (no DB in the
// cache and no download allowed): a Trivy failure is infrastructure.
func TestScanStageTrivyFails(t *testing.T) {
	t.Parallel()
	trivy := testtool.Path(t, "trivy")
	dir := t.TempDir()
	scantest.WriteGoModule(t, dir)
	out := t.TempDir()
	jsonOut := filepath.Join(out, "trivy.json")
	o := toolcmd.TrivyOptions{Scanners: []string{"vuln"}, CacheDir: t.TempDir(), Output: jsonOut, SkipDBUpdate: true}
	run := hostRun(t, dir, nil, trivy, toolcmd.TrivyFS(o, "."), "", jsonOut)
	if run.ExitCode == 0 {
		t.Skip("trivy scanned without a DB")
	}
	_, _, err := scanStage(StageScan, run, jsonOut, scan.Policy{})
	if exitcode.Code(err) != exitcode.Infra || !strings.Contains(err.Error(), "trivy failed (exit code") {
		t.Fatalf("err = %v, want trivy failed (exit 3)", err)
	}
}

func TestScanStageBadReport(t *testing.T) {
	t.Parallel()
	run := &toolRun{Files: map[string]string{"/golden/out/trivy.json": `{"SchemaVersion": 1}`}}
	_, _, err := scanStage(StageScan, run, "/golden/out/trivy.json", scan.Policy{})
	if exitcode.Code(err) != exitcode.Usage {
		t.Fatalf("err = %v, want bad input", err)
	}
}

func TestScanSeverities(t *testing.T) {
	t.Parallel()
	if s, err := scanSeverities(config.ScanConfig{}); err != nil || s != nil {
		t.Errorf("default: %v, %v", s, err)
	}
	if s, err := scanSeverities(config.ScanConfig{Severity: []string{"critical", "MEDIUM"}}); err != nil || len(s) != 2 || s[0] != result.Critical {
		t.Errorf("list: %v, %v", s, err)
	}
	if _, err := scanSeverities(config.ScanConfig{Severity: []string{"SEVERE"}}); exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), "scan.severity") {
		t.Errorf("bad: %v", err)
	}
}

func TestTail(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 30 {
		b.WriteString("line " + string(rune('a'+i%26)) + "\n\n")
	}
	got := strings.Split(text.LastLines(b.String(), 3), "\n")
	if len(got) != 3 || got[2] != "line d" {
		t.Errorf("tail = %q", got)
	}
	if text.LastLines("", 3) != "" || text.LastLines("one\r\n", 3) != "one" {
		t.Error("tail of short input")
	}
}
