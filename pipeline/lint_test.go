package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/lint"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/toolcmd"
)

// golangciRun runs toolcmd.GolangciLint on a Go module with files.
func golangciRun(t *testing.T, files map[string]string) (run *toolRun, report, dir string) {
	t.Helper()
	bin := testtool.Path(t, "golangci-lint")
	dir = t.TempDir()
	writeFiles(t, dir, files)
	report = filepath.Join(t.TempDir(), "golangci-lint.json")
	argv := toolcmd.GolangciLint(toolcmd.GolangciLintOptions{JSONOut: report})
	// golangci-lint refuses to run next to another one holding its lock in
	// the temporary directory; each test (and each pipeline container)
	// has its own.
	env := append([]string{"GOLANGCI_LINT_CACHE=" + t.TempDir(), "TMPDIR=" + t.TempDir()}, goEnv...)
	return hostRun(t, dir, env, bin, argv, "", report), report, dir
}

const lintModule = "module example.com/lintme\n\ngo 1.22\n"

func TestLintStageGolangciLint(t *testing.T) {
	t.Parallel()
	run, report, dir := golangciRun(t, map[string]string{
		"go.mod": lintModule,
		"main.go": `package main

import "os"

func main() {
	os.Remove("x")
}
`,
	})

	findings, st, err := lintStage(lint.GolangciLint, run, report, dir, result.Low)
	if err != nil {
		t.Fatalf("%v\n%s", err, run.Stderr)
	}
	if st.Status != result.Failed || st.Name != StageLint {
		t.Errorf("stage %+v, want lint failed", st)
	}
	if len(findings) != 1 || findings[0].RuleID != "errcheck" || findings[0].File != "main.go" || findings[0].Line != 6 {
		t.Fatalf("findings %+v, want one errcheck in main.go:6", findings)
	}
	if want := "golangci-lint: 1 finding (1 HIGH), 1 at or above LOW"; st.Summary != want {
		t.Errorf("summary %q, want %q", st.Summary, want)
	}
	if st.Error != "1 of 1 findings at or above LOW" || len(st.Findings) != 1 {
		t.Errorf("stage error %q, findings %d", st.Error, len(st.Findings))
	}

	// The same report passes a gate that fails on CRITICAL only.
	_, st, err = lintStage(lint.GolangciLint, run, report, dir, result.Critical)
	if err != nil || st.Status != result.Passed {
		t.Errorf("fail on CRITICAL: %+v, %v", st, err)
	}
}

func TestLintStageGolangciLintClean(t *testing.T) {
	t.Parallel()
	run, report, dir := golangciRun(t, map[string]string{
		"go.mod":  lintModule,
		"main.go": "package main\n\nfunc main() {}\n",
	})
	findings, st, err := lintStage(lint.GolangciLint, run, report, dir, result.Low)
	if err != nil {
		t.Fatalf("%v\n%s", err, run.Stderr)
	}
	if len(findings) != 0 || st.Status != result.Passed || st.Summary != "golangci-lint: no findings" {
		t.Errorf("findings %v, stage %+v", findings, st)
	}
}

func TestLintStageGolangciLintBadConfig(t *testing.T) {
	t.Parallel()
	run, report, dir := golangciRun(t, map[string]string{
		"go.mod":        lintModule,
		"main.go":       "package main\n\nfunc main() {}\n",
		".golangci.yml": "version: \"2\"\nlinters:\n  enable: [no-such-linter]\n",
	})
	if run.ExitCode == 0 {
		t.Fatalf("golangci-lint accepted an unknown linter:\n%s", run.Stderr)
	}
	_, _, err := lintStage(lint.GolangciLint, run, report, dir, result.Low)
	if exitcode.Code(err) != exitcode.Usage {
		t.Fatalf("err = %v (exit %d), want bad input", err, exitcode.Code(err))
	}
	if !strings.Contains(err.Error(), "golangci-lint failed (exit code") || !strings.Contains(err.Error(), "no-such-linter") {
		t.Errorf("error does not quote golangci-lint: %v", err)
	}
}

// eslintRun runs toolcmd.ESLint through the project's lint script, with
// the ESLint of .tools on PATH.
func eslintRun(t *testing.T, files map[string]string) (run *toolRun, report, dir string) {
	t.Helper()
	eslint := testtool.Path(t, "eslint")
	npm := testtool.LookPath(t, "npm")
	dir = t.TempDir()
	writeFiles(t, dir, files)
	report = filepath.Join(t.TempDir(), "eslint.json")
	argv := toolcmd.ESLint(toolcmd.ESLintOptions{JSONOut: report, UseNpmScript: true})
	env := []string{
		"PATH=" + filepath.Dir(eslint) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"npm_config_update_notifier=false", "npm_config_cache=" + t.TempDir(),
	}
	return hostRun(t, dir, env, npm, argv, "", report), report, dir
}

const eslintPackage = `{"name": "lintme", "version": "1.0.0", "private": true, "scripts": {"lint": "eslint ."}}`

func TestLintStageESLint(t *testing.T) {
	t.Parallel()
	run, report, dir := eslintRun(t, map[string]string{
		"package.json": eslintPackage,
		"eslint.config.cjs": `module.exports = [{
  languageOptions: {sourceType: "commonjs", globals: {module: "readonly"}},
  rules: {"no-unused-vars": "error", "prefer-const": "warn"},
}];
`,
		"src/app.js": "let total = 1;\nconst unused = 2;\nmodule.exports = total;\n",
	})
	findings, st, err := lintStage(lint.ESLint, run, report, dir, result.Low)
	if err != nil {
		t.Fatalf("%v\n%s", err, run.Stderr)
	}
	if run.ExitCode != 1 || st.Status != result.Failed {
		t.Errorf("exit code %d, stage %+v", run.ExitCode, st)
	}
	got := map[string]result.Finding{}
	for _, f := range findings {
		got[f.RuleID] = f
	}
	if f := got["no-unused-vars"]; f.File != "src/app.js" || f.Line != 2 || f.Severity != result.High {
		t.Errorf("no-unused-vars finding %+v", f)
	}
	if f := got["prefer-const"]; f.File != "src/app.js" || f.Line != 1 || f.Severity != result.Medium {
		t.Errorf("prefer-const finding %+v", f)
	}
	if want := "eslint: 2 findings (1 HIGH, 1 MEDIUM), 2 at or above LOW"; st.Summary != want {
		t.Errorf("summary %q, want %q", st.Summary, want)
	}
	// Nothing is CRITICAL: a gate on CRITICAL passes.
	if _, st, _ := lintStage(lint.ESLint, run, report, dir, result.Critical); st.Status != result.Passed {
		t.Errorf("fail on CRITICAL: %+v", st)
	}
}

func TestLintStageESLintBrokenConfig(t *testing.T) {
	t.Parallel()
	run, report, dir := eslintRun(t, map[string]string{
		"package.json":      eslintPackage,
		"eslint.config.cjs": "module.exports = [{rules: {\"no-such-rule-anywhere\": \"error\"}}];\n",
		"app.js":            "module.exports = 1;\n",
	})
	_, _, err := lintStage(lint.ESLint, run, report, dir, result.Low)
	if exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), "eslint failed (exit code") {
		t.Fatalf("err = %v, want eslint failed (exit 2)\nexit code %d\n%s", err, run.ExitCode, run.Stderr)
	}
}

// TestLintStageExitCodes checks the verdict rules on exit codes and
// missing reports: golden's own logic.
func TestLintStageExitCodes(t *testing.T) {
	t.Parallel()
	const report = "/golden/out/report.json"
	for _, tc := range []struct {
		format lint.Format
		code   int
		files  map[string]string
		status result.Status
		errSub string
	}{
		{lint.GolangciLint, 0, nil, result.Passed, ""},
		{lint.GolangciLint, 3, nil, "", "golangci-lint failed (exit code 3):\nconfig is broken"},
		{lint.GolangciLint, 1, nil, "", "golangci-lint failed (exit code 1)"},
		{lint.Ruff, 0, map[string]string{report: "[]"}, result.Passed, ""},
		{lint.Ruff, 2, map[string]string{report: "[]"}, "", "ruff failed (exit code 2)"},
		{lint.ESLint, 1, nil, "", "eslint failed (exit code 1)"},
		{lint.ESLint, 0, map[string]string{report: "  \n"}, result.Passed, ""},
		{lint.ESLint, 0, map[string]string{report: "{not json"}, "", "report.json"},
	} {
		run := &toolRun{ExitCode: tc.code, Stderr: "config is broken\n", Files: tc.files}
		_, st, err := lintStage(tc.format, run, report, "/src", result.Low)
		if tc.errSub == "" {
			if err != nil || st.Status != tc.status {
				t.Errorf("%s exit %d: %+v, %v", tc.format, tc.code, st, err)
			}
			continue
		}
		if err == nil || exitcode.Code(err) != exitcode.Usage {
			t.Errorf("%s exit %d: err %v, want bad input", tc.format, tc.code, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.errSub) {
			t.Errorf("%s exit %d: err %q, want %q", tc.format, tc.code, err, tc.errSub)
		}
	}
}

func TestParseScripts(t *testing.T) {
	t.Parallel()
	s, err := parseScripts([]byte(`{"name": "x", "scripts": {"lint": "eslint .", "test": "node --test"}}`), "package.json")
	if err != nil || s["lint"] != "eslint ." || len(s) != 2 {
		t.Errorf("scripts %v, %v", s, err)
	}
	s, err = parseScripts([]byte(`{"name": "x"}`), "package.json")
	if err != nil || s == nil || s["lint"] != "" {
		t.Errorf("no scripts: %v, %v", s, err)
	}
	_, err = parseScripts([]byte("{\n  \"scripts\": {\"lint\": 3}\n}"), "package.json")
	if exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), "parsing package.json: line 2") {
		t.Errorf("bad scripts: %v", err)
	}
}
