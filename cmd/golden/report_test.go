package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/report"
	"github.com/goldenci/golden/result"
)

// reportCanary is a secret value that must appear in no output but the
// ::add-mask:: line.
const reportCanary = "REPORT-CANARY-5d1f0b7e"

// reportRun saves a run whose worst stage has the given status, with a
// finding, a failed test, coverage, an image and outputs that all carry
// the canary, and returns its path.
func reportRun(t *testing.T, worst result.Status) string {
	t.Helper()
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	run := result.New(now)
	run.SetStage(result.Stage{Name: "lint", Status: result.Passed, Seconds: 1.5, Summary: "no findings above LOW",
		Findings: []result.Finding{{Tool: "golangci-lint", Kind: result.KindLint, RuleID: "unused", Severity: result.Low,
			Message: "func helper is unused (token " + reportCanary + ")", File: "a/a.go", Line: 3, Column: 6}}})
	run.SetStage(result.Stage{Name: "test", Status: result.Passed, Seconds: 4,
		Tests: []result.TestCase{{Suite: "example.com/m/a", Name: "TestA", Status: result.Passed}}})
	switch worst {
	case result.Failed:
		run.SetStage(result.Stage{Name: "scan", Status: result.Failed, Summary: "1 CRITICAL",
			Findings: []result.Finding{{Tool: "trivy", Kind: result.KindVulnerability, RuleID: "CVE-2024-1", Severity: result.Critical,
				Message: "bad", File: "go.mod", Package: "example.com/dep", InstalledVersion: "v1.0.0"}}})
		run.SetStage(result.Stage{Name: "unit", Status: result.Failed,
			Tests: []result.TestCase{{Suite: "example.com/m/b", Name: "TestB", Status: result.Failed, Output: "want 1, got " + reportCanary}}})
	case result.Errored:
		run.SetStage(result.Stage{Name: "scan", Status: result.Failed, Summary: "1 CRITICAL"})
		run.SetStage(result.Stage{Name: "publish", Status: result.Errored, Error: "registry unreachable"})
	}
	run.Coverage = &result.Coverage{Percent: 82.14, Statements: 1000, Covered: 821,
		Files: []result.FileCoverage{{Path: "example.com/m/a/a.go", Lines: []result.LineHit{{Line: 3, Hits: 1}, {Line: 4}}}}}
	run.Image = &result.Image{Name: "registry.example/app", Digest: "sha256:abc", Tags: []string{"v1"}}
	run.SetOutput("version", "1.2.3")
	run.SetOutput("token-echo", reportCanary)
	path := filepath.Join(t.TempDir(), "result.json")
	if err := run.Save(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func reportReadFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReportGitHub(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary.md"),
		"GOLDEN_RESULT":       reportRun(t, result.Failed),
		"REGISTRY_TOKEN":      reportCanary,
		"GOLDEN_MASK_ENV":     " REGISTRY_TOKEN , ",
	}
	got := golden(t, env, "report")
	if got.code != exitcode.Passed {
		t.Fatalf("exit %d, stderr %q: report exits 0 whatever the run's status", got.code, got.stderr)
	}
	lines := strings.Split(got.stdout, "\n")
	if lines[0] != "::add-mask::"+reportCanary {
		t.Errorf("first stdout line %q, want the ::add-mask:: command", lines[0])
	}
	rest := strings.Join(lines[1:], "\n")
	for name, out := range map[string]string{
		"stdout":              rest,
		"stderr":              got.stderr,
		"GITHUB_OUTPUT":       reportReadFile(t, env["GITHUB_OUTPUT"]),
		"GITHUB_STEP_SUMMARY": reportReadFile(t, env["GITHUB_STEP_SUMMARY"]),
	} {
		if strings.Contains(out, reportCanary) {
			t.Errorf("%s leaks the masked value:\n%s", name, out)
		}
	}
	for _, want := range []string{
		"::error file=go.mod,title=trivy/CVE-2024-1 (CRITICAL)::bad (example.com/dep v1.0.0)",
		"::error title=test TestB failed::test example.com/m/b TestB failed%0Awant 1, got ***",
		"::notice col=6,file=a/a.go,line=3,title=golangci-lint/unused (LOW)::func helper is unused (token ***)",
	} {
		if !strings.Contains(rest, want) {
			t.Errorf("stdout lacks %q:\n%s", want, rest)
		}
	}
	outputs := reportReadFile(t, env["GITHUB_OUTPUT"])
	for _, want := range []string{"coverage<<", "\n82.1\n", "digest<<", "\nsha256:abc\n", "status<<", "\nfailed\n", "version<<", "\n1.2.3\n", "token-echo<<", "\n***\n"} {
		if !strings.Contains(outputs, want) {
			t.Errorf("GITHUB_OUTPUT lacks %q:\n%s", want, outputs)
		}
	}
	if summary := reportReadFile(t, env["GITHUB_STEP_SUMMARY"]); !strings.Contains(summary, "## ❌ golden: failed") {
		t.Errorf("summary:\n%s", summary)
	}

	// --max-annotations 0 writes none; --mask-env works as a flag too.
	delete(env, "GOLDEN_MASK_ENV")
	got = golden(t, env, "report", "--max-annotations", "0", "--mask-env", "REGISTRY_TOKEN", "-mask-env", "UNSET_VAR")
	if got.code != exitcode.Passed || got.stdout != "::add-mask::"+reportCanary+"\n" {
		t.Errorf("exit %d, stdout %q", got.code, got.stdout)
	}
	if !strings.Contains(got.stderr, "mask variable UNSET_VAR is not set") {
		t.Errorf("stderr %q", got.stderr)
	}
}

func TestReportGitLab(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "reports")
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("// a module\nmodule \"example.com/m\" // the module\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"GITLAB_CI":      "true",
		"CI_PROJECT_DIR": src,
		"GOLDEN_RESULT":  reportRun(t, result.Errored),
		"TOKEN":          reportCanary,
	}
	got := golden(t, env, "report", "--out", out, "--mask-env", "TOKEN")
	if got.code != exitcode.Passed {
		t.Fatalf("exit %d, stderr %q", got.code, got.stderr)
	}
	want := "Coverage: 82.14%\n"
	for _, f := range []string{report.JUnitFile, report.CoberturaFile, report.CodeQualityFile, report.DotenvFile} {
		want += "Wrote " + filepath.Join(out, f) + "\n"
		if body := reportReadFile(t, filepath.Join(out, f)); strings.Contains(body, reportCanary) {
			t.Errorf("%s leaks the masked value:\n%s", f, body)
		}
	}
	if got.stdout != want {
		t.Errorf("stdout %q, want %q", got.stdout, want)
	}
	cobertura := reportReadFile(t, filepath.Join(out, report.CoberturaFile))
	for _, want := range []string{"<source>" + src + "</source>", `filename="a/a.go"`, `line-rate="0.5"`} {
		if !strings.Contains(cobertura, want) {
			t.Errorf("cobertura.xml lacks %q (module path from go.mod, source from CI_PROJECT_DIR):\n%s", want, cobertura)
		}
	}
	dotenv := reportReadFile(t, filepath.Join(out, report.DotenvFile))
	for _, want := range []string{"GOLDEN_COVERAGE=82.1\n", "GOLDEN_DIGEST=sha256:abc\n", "GOLDEN_STATUS=error\n", "GOLDEN_TOKEN_ECHO=***\n"} {
		if !strings.Contains(dotenv, want) {
			t.Errorf("golden.env lacks %q:\n%s", want, dotenv)
		}
	}
}

func TestReportLocalAndPlatformFlag(t *testing.T) {
	t.Parallel()
	path := reportRun(t, result.Passed)
	got := golden(t, map[string]string{"GOLDEN_RESULT": path}, "report")
	if got.code != exitcode.Passed || !strings.HasPrefix(got.stdout, "golden: PASSED\n") || got.stderr != "" {
		t.Errorf("local: exit %d, stdout %q, stderr %q", got.code, got.stdout, got.stderr)
	}
	// --platform wins over the environment.
	got = golden(t, map[string]string{"GITHUB_ACTIONS": "true"}, "report", "--platform", "local", "--result", path)
	if got.code != exitcode.Passed || !strings.HasPrefix(got.stdout, "golden: PASSED\n") {
		t.Errorf("--platform local on GitHub: exit %d, stdout %q", got.code, got.stdout)
	}
	// On GitHub without the file command variables, annotations still
	// appear and the missing files are warnings.
	got = golden(t, map[string]string{"GITHUB_ACTIONS": "true"}, "report", "--result", path)
	if got.code != exitcode.Passed || !strings.Contains(got.stdout, "::notice ") ||
		!strings.Contains(got.stderr, "GITHUB_OUTPUT is not set") || !strings.Contains(got.stderr, "GITHUB_STEP_SUMMARY is not set") {
		t.Errorf("github without files: exit %d, stdout %q, stderr %q", got.code, got.stdout, got.stderr)
	}
}

func TestReportExitStatus(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		worst  result.Status
		code   int
		stderr string
	}{
		{result.Passed, exitcode.Passed, ""},
		{result.Failed, exitcode.Failed, `golden report: run failed: stages "scan", "unit" failed`},
		{result.Errored, exitcode.Infra, `golden report: run errored: stage "publish" errored`},
	} {
		path := reportRun(t, tt.worst)
		got := golden(t, nil, "report", "--result", path, "--exit-status")
		if got.code != tt.code || !strings.Contains(got.stderr, tt.stderr) {
			t.Errorf("%s: exit %d, stderr %q; want %d, %q", tt.worst, got.code, got.stderr, tt.code, tt.stderr)
		}
		if !strings.HasPrefix(got.stdout, "golden: ") {
			t.Errorf("%s: the report is rendered before the exit status: stdout %q", tt.worst, got.stdout)
		}
		// Without --exit-status the report passes.
		if got := golden(t, nil, "report", "--result", path); got.code != exitcode.Passed {
			t.Errorf("%s without --exit-status: exit %d", tt.worst, got.code)
		}
	}
}

func TestReportUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	malformed := filepath.Join(dir, "malformed.json")
	if err := os.WriteFile(malformed, []byte("{\n  \"schemaVersion\": 1,\n  \"stages\": [,]\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wrongType := filepath.Join(dir, "type.json")
	if err := os.WriteFile(wrongType, []byte("{\"schemaVersion\": 1,\n\"stages\": \"lint\"}"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := reportRun(t, result.Passed)
	missing := filepath.Join(dir, "missing.json")
	for _, tt := range []struct {
		name   string
		env    map[string]string
		args   []string
		stderr []string
	}{
		{"no result", nil, nil, []string{"no result file", "GOLDEN_RESULT"}},
		{"missing file", nil, []string{"--result", missing}, []string{missing}},
		{"malformed", nil, []string{"--result", malformed}, []string{malformed, "line 3"}},
		{"wrong type", map[string]string{"GOLDEN_RESULT": wrongType}, nil, []string{wrongType, "line 2"}},
		{"bad platform", nil, []string{"--result", good, "--platform", "jenkins"}, []string{`unknown platform "jenkins"`}},
		{"negative annotations", nil, []string{"--result", good, "--max-annotations", "-1"}, []string{"--max-annotations -1"}},
		{"zero items", nil, []string{"--result", good, "--max-items", "0"}, []string{"--max-items 0"}},
		{"stray argument", nil, []string{"--result", good, "extra"}, []string{`unexpected argument "extra"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := golden(t, tt.env, append([]string{"report"}, tt.args...)...)
			if got.code != exitcode.Usage {
				t.Errorf("exit %d, want %d (stderr %q)", got.code, exitcode.Usage, got.stderr)
			}
			for _, want := range tt.stderr {
				if !strings.Contains(got.stderr, want) {
					t.Errorf("stderr %q lacks %q", got.stderr, want)
				}
			}
			if got.stdout != "" {
				t.Errorf("stdout %q, want none", got.stdout)
			}
		})
	}
}

// An output directory that cannot be created is an infrastructure error.
func TestReportGitLabUnwritable(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	got := golden(t, nil, "report", "--platform", "gitlab", "--result", reportRun(t, result.Passed), "--out", filepath.Join(file, "sub"))
	if got.code != exitcode.Infra || !strings.Contains(got.stderr, "creating report directory") {
		t.Errorf("exit %d, stderr %q", got.code, got.stderr)
	}
}

func TestReportModulePath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tt := range []struct{ content, want string }{
		{"module example.com/m\n", "example.com/m"},
		{"// comment\nmodule   example.com/x // trailing\ngo 1.26\n", "example.com/x"},
		{"module \"example.com/q\"\n", "example.com/q"},
		{"modulex foo\n", ""},
		{"go 1.26\n", ""},
	} {
		p := filepath.Join(dir, "go.mod")
		if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := reportModulePath(p); got != tt.want {
			t.Errorf("reportModulePath(%q) = %q, want %q", tt.content, got, tt.want)
		}
	}
	if got := reportModulePath(filepath.Join(dir, "none")); got != "" {
		t.Errorf("no go.mod: %q", got)
	}
}
