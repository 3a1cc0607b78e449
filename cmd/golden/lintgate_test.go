package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/sariftest"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/repopath"
	"github.com/goldenci/golden/result"
)

// gateRunStdin runs the CLI in-process like golden, with stdin.
func gateRunStdin(t *testing.T, stdin []byte, args ...string) invocation {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &Env{
		Stdin:  bytes.NewReader(stdin),
		Stdout: &stdout,
		Stderr: &stderr,
		Getenv: func(string) string { return "" },
		Now:    func() time.Time { return time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC) },
	})
	return invocation{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// golangciReport is the real golangci-lint report of the lint package's
// fixture module (lint/testdata/golangci), kept current by the lint tests.
func golangciReport() string {
	return filepath.Join(testtool.Root(), "lint", "testdata", "golangci-lint.json")
}

const golangciText = "fixture.go:12:11: errcheck: Error return value of `os.Remove` is not checked [HIGH]\n" +
	"fixture.go:27:28: govet: printf: fmt.Sprintf format %s has arg n of wrong type int [HIGH]\n" +
	"sub/sleep.go:10:13: staticcheck: SA1004: sleeping for 10 nanoseconds is probably a bug; be explicit if it isn't [HIGH]\n" +
	"fixture.go:20:2: ineffassign: ineffectual assignment to total [MEDIUM]\n" +
	"fixture.go:16:6: unused: func unusedHelper is unused [LOW]\n"

func TestLintGate(t *testing.T) {
	t.Parallel()
	report := golangciReport()
	// The report's paths are relative to the directory golangci-lint ran
	// in, which is not in git here: they are shown as they are.
	nogit := t.TempDir()
	ruff := filepath.Join(testtool.Root(), "lint", "testdata", "ruff.json")
	clean := filepath.Join(t.TempDir(), "clean.json")
	// ruff's output when it finds nothing (ruff cannot be installed here;
	// see lint.TestRuffDocumented).
	if err := os.WriteFile(clean, []byte("[]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // exact, when not empty
		stderr string // exact
	}{
		{name: "any finding fails", args: []string{"--report", report, "--format", "golangci-lint", "--source", nogit}, code: exitcode.Failed,
			stdout: golangciText + "golangci-lint: 5 findings (3 HIGH, 1 MEDIUM, 1 LOW), 5 at or above LOW\n",
			stderr: "golden lint-gate: 5 of 5 findings at or above LOW\n"},
		{name: "fail on MEDIUM", args: []string{"-report", report, "-format", "golangci-lint", "-fail-on", "medium", "--source", nogit}, code: exitcode.Failed,
			stdout: golangciText + "golangci-lint: 5 findings (3 HIGH, 1 MEDIUM, 1 LOW), 4 at or above MEDIUM\n",
			stderr: "golden lint-gate: 4 of 5 findings at or above MEDIUM\n"},
		{name: "fail on CRITICAL passes", args: []string{"--report", report, "--format", "golangci-lint", "--fail-on", "CRITICAL", "--source", nogit}, code: exitcode.Passed,
			stdout: golangciText + "golangci-lint: 5 findings (3 HIGH, 1 MEDIUM, 1 LOW), 0 at or above CRITICAL\n"},
		{name: "ruff with a source root", args: []string{"--report", ruff, "--format", "ruff", "--source", "/src/project"}, code: exitcode.Failed,
			stdout: "app/broken.py:3:12: syntax-error: SyntaxError: Expected ')', found newline [HIGH]\n" +
				"app/main.py:1:8: F401: `sys` imported but unused [HIGH]\n" +
				"app/main.py:12:89: E501: Line too long (120 > 88) [HIGH]\n" +
				"notebooks/explore.ipynb:4:5: F841: Local variable `total` is assigned to but never used (cell 2) [HIGH]\n" +
				"ruff: 4 findings (4 HIGH), 4 at or above LOW\n",
			stderr: "golden lint-gate: 4 of 4 findings at or above LOW\n"},
		{name: "clean report passes", args: []string{"--report", clean, "--format", "ruff"}, code: exitcode.Passed,
			stdout: "ruff: no findings\n"},
		{name: "no report", args: []string{"--format", "ruff"}, code: exitcode.Usage,
			stderr: "golden lint-gate: --report is required (see 'golden lint-gate --help')\n"},
		{name: "no format", args: []string{"--report", report}, code: exitcode.Usage,
			stderr: "golden lint-gate: --format is required: golangci-lint, ruff or eslint\n"},
		{name: "bad format", args: []string{"--report", report, "--format", "pylint"}, code: exitcode.Usage,
			stderr: "golden lint-gate: --format: unknown lint report format \"pylint\" (want golangci-lint, ruff or eslint)\n"},
		{name: "bad severity", args: []string{"--report", report, "--format", "ruff", "--fail-on", "severe"}, code: exitcode.Usage,
			stderr: "golden lint-gate: --fail-on: unknown severity \"severe\" (want one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN)\n"},
		{name: "stray argument", args: []string{"--report", report, "--format", "ruff", "extra"}, code: exitcode.Usage,
			stderr: "golden lint-gate: unexpected argument \"extra\" (see 'golden lint-gate --help')\n"},
		{name: "wrong format for the report", args: []string{"--report", report, "--format", "eslint"}, code: exitcode.Usage,
			stderr: "golden lint-gate: parsing eslint report \"" + report + "\": line 1, column 2: json: cannot unmarshal object into Go value of type []lint.eslintFile\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := golden(t, nil, append([]string{"lint-gate"}, tt.args...)...)
			if got.code != tt.code {
				t.Errorf("exit code = %d, want %d (stderr %q)", got.code, tt.code, got.stderr)
			}
			if tt.stdout != "" && got.stdout != tt.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", got.stdout, tt.stdout)
			}
			if got.stderr != tt.stderr {
				t.Errorf("stderr = %q, want %q", got.stderr, tt.stderr)
			}
		})
	}
}

func TestLintGateMissingAndMalformedReports(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.json")
	data, err := os.ReadFile(golangciReport())
	if err != nil {
		t.Fatal(err)
	}
	// The real report, cut in the middle of its second line.
	if err := os.WriteFile(broken, append([]byte("\n"), data[:300]...), 0o644); err != nil {
		t.Fatal(err)
	}
	res := filepath.Join(dir, "result.json")
	got := golden(t, nil, "lint-gate", "--report", broken, "--format", "golangci-lint", "--result", res)
	want := "golden lint-gate: parsing golangci-lint report \"" + broken + "\": line 2, column 300: unexpected end of JSON input\n"
	if got.code != exitcode.Usage || got.stderr != want || got.stdout != "" {
		t.Errorf("malformed: code %d, stdout %q, stderr %q; want %d, %q", got.code, got.stdout, got.stderr, exitcode.Usage, want)
	}
	run, err := result.Load(res)
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := run.Stage("lint"); !ok || st.Status != result.Errored || !strings.Contains(st.Error, "line 2") {
		t.Errorf("recorded stage = %+v, want an errored lint stage", st)
	}

	missing := filepath.Join(dir, "nope.json")
	got = golden(t, nil, "lint-gate", "--report", missing, "--format", "ruff")
	if got.code != exitcode.Usage || !strings.Contains(got.stderr, missing) {
		t.Errorf("missing: code %d, stderr %q", got.code, got.stderr)
	}
}

func TestLintGateJSONSARIFAndResult(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sarifPath := filepath.Join(dir, "reports", "golangci-lint.sarif")
	res := filepath.Join(dir, "result.json")
	got := golden(t, map[string]string{"GOLDEN_RESULT": res}, "lint-gate", "--report", golangciReport(), "--format", "golangci-lint",
		"--source", t.TempDir(), "--json", "--sarif", sarifPath, "--fail-on", "HIGH", "--stage", "lint-go")
	if got.code != exitcode.Failed || got.stderr != "golden lint-gate: 3 of 5 findings at or above HIGH\n" {
		t.Fatalf("code %d, stderr %q", got.code, got.stderr)
	}
	var v lintVerdict
	if err := json.Unmarshal([]byte(got.stdout), &v); err != nil {
		t.Fatalf("--json output: %v\n%s", err, got.stdout)
	}
	if v.Tool != "golangci-lint" || v.Passed || v.Total != 5 || v.Failing != 3 || v.FailOn != result.High ||
		v.Counts[result.High] != 3 || v.Counts[result.Medium] != 1 || v.Counts[result.Low] != 1 || len(v.Findings) != 5 {
		t.Errorf("verdict = %+v", v)
	}
	if f := v.Findings[0]; f.File != "fixture.go" || f.Line != 12 || f.RuleID != "errcheck" || f.Kind != result.KindLint {
		t.Errorf("first finding = %+v", f)
	}

	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name string `json:"name"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	data, err := os.ReadFile(sarifPath)
	if err != nil {
		t.Fatalf("--sarif: %v", err)
	}
	sariftest.Validate(t, data)
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("SARIF: %v", err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "golangci-lint" || len(log.Runs[0].Results) != 5 {
		t.Fatalf("SARIF log = %+v", log)
	}
	if r := log.Runs[0].Results[2]; r.RuleID != "staticcheck" || r.Level != "error" || r.Locations[0].PhysicalLocation.ArtifactLocation.URI != "sub/sleep.go" {
		t.Errorf("SARIF result 3 = %+v", r)
	}

	run, err := result.Load(res)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := run.Stage("lint-go")
	if !ok {
		t.Fatalf("no lint-go stage in %+v", run.Stages)
	}
	if st.Status != result.Failed || len(st.Findings) != 5 || st.Error != "3 of 5 findings at or above HIGH" ||
		st.Summary != "golangci-lint: 5 findings (3 HIGH, 1 MEDIUM, 1 LOW), 3 at or above HIGH" || !st.StartedAt.Equal(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("stage = %+v", st)
	}
}

func TestLintGateStdin(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(golangciReport())
	if err != nil {
		t.Fatal(err)
	}
	got := gateRunStdin(t, data, "lint-gate", "--report", "-", "--format", "golangci-lint", "--source", t.TempDir(), "--fail-on", "critical")
	if got.code != exitcode.Passed || got.stdout != golangciText+"golangci-lint: 5 findings (3 HIGH, 1 MEDIUM, 1 LOW), 0 at or above CRITICAL\n" {
		t.Errorf("code %d, stdout %q, stderr %q", got.code, got.stdout, got.stderr)
	}
	got = gateRunStdin(t, []byte("{"), "lint-gate", "--report", "-", "--format", "golangci-lint")
	if got.code != exitcode.Usage || got.stderr != "golden lint-gate: parsing golangci-lint report \"stdin\": line 1, column 1: unexpected end of JSON input\n" {
		t.Errorf("code %d, stderr %q", got.code, got.stderr)
	}
}

// TestLintGateRealESLint runs the real ESLint on the lint package's
// fixture project and gates its report: ESLint writes absolute paths,
// which come out relative to the root of the repository holding --source.
func TestLintGateRealESLint(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(testtool.Root(), ".tools", "node_modules", ".bin", "eslint")
	if _, err := os.Stat(bin); err != nil {
		if testtool.Required() {
			t.Fatal("eslint is not installed: .ci/run installs it into .tools/node_modules")
		}
		t.Skip("eslint is not installed; run: npm install --prefix .tools eslint@9")
	}
	project := filepath.Join(testtool.Root(), "lint", "testdata", "eslint")
	report := filepath.Join(t.TempDir(), "eslint.json")
	cmd := exec.CommandContext(context.Background(), bin, "--format", "json", "--output-file", report, ".")
	cmd.Dir = project
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && (!errors.As(err, &exit) || exit.ExitCode() != 1) {
		t.Fatalf("eslint: %v\n%s", err, out)
	}
	got := golden(t, nil, "lint-gate", "--report", report, "--format", "eslint", "--source", project, "--fail-on", "high")
	// The project's place in golden's repository ("lint/testdata/eslint/"
	// in a checkout; nothing where golden's source has no .git, as in its
	// own pipeline's test stage).
	prefix, err := repopath.Prefix(project)
	if err != nil {
		t.Fatal(err)
	}
	if prefix != "" {
		prefix += "/"
	}
	want := prefix + "src/app.js:2:7: no-unused-vars: 'unused' is assigned a value but never used. [HIGH]\n" +
		prefix + "src/app.js:6:12: no-undef: 'missing' is not defined. [HIGH]\n" +
		prefix + "src/broken.js:2:1: fatal: Parsing error: Unexpected token [HIGH]\n" +
		prefix + "src/app.js:5:9: eqeqeq: Expected '===' and instead saw '=='. [MEDIUM]\n" +
		prefix + "src/app.js:8:3: eslint: Unused eslint-disable directive (no problems were reported from 'no-undef'). [MEDIUM]\n" +
		prefix + "src/sub/log.js:2:3: no-console: Unexpected console statement. [MEDIUM]\n" +
		"eslint: 6 findings (3 HIGH, 3 MEDIUM), 3 at or above HIGH\n"
	if got.code != exitcode.Failed || got.stdout != want || got.stderr != "golden lint-gate: 3 of 6 findings at or above HIGH\n" {
		t.Errorf("code %d\nstdout:\n%s\nwant:\n%s\nstderr %q", got.code, got.stdout, want, got.stderr)
	}
}
