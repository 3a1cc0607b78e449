package pipeline

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/coverage"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/toolcmd"
)

func pct(v float64) *float64 { return &v }

// calcModule is a Go module whose tests cover Add and not Sub: 50% of the
// statements.
var calcModule = map[string]string{
	"go.mod": "module example.com/calc\n\ngo 1.22\n",
	"calc.go": `package calc

// Add adds.
func Add(a, b int) int {
	return a + b
}

// Sub subtracts.
func Sub(a, b int) int {
	return a - b
}
`,
	"calc_test.go": `package calc

import "testing"

func TestAdd(t *testing.T) {
	if Add(1, 2) != 3 {
		t.Fatal("1+2 != 3")
	}
}
`,
}

// goTestRun runs toolcmd.GoTest with coverage in dir, the events to a
// file as RedirectStdout does in the container.
func goTestRun(t *testing.T, dir string, race bool) (run *toolRun, events, profile string) {
	t.Helper()
	goBin := testtool.LookPath(t, "go")
	out := t.TempDir()
	events, profile = filepath.Join(out, "go-test.json"), filepath.Join(out, "cover.out")
	argv := toolcmd.GoTest(toolcmd.GoTestOptions{Race: race, CoverProfile: profile})
	env := goEnv
	if race {
		env = append(env, "CGO_ENABLED=1")
	}
	return hostRun(t, dir, env, goBin, argv, events, events, profile), events, profile
}

func TestGoTestStageAndCoverage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, calcModule)
	run, events, profile := goTestRun(t, dir, true)

	cases, st, err := goTestStage(run, events)
	if err != nil {
		t.Fatalf("%v\n%s", err, run.Stderr)
	}
	if st.Status != result.Passed || st.Name != StageTest || len(cases) != 1 || cases[0].Name != "TestAdd" || cases[0].Suite != "example.com/calc" {
		t.Fatalf("stage %+v, cases %+v", st, cases)
	}
	if !strings.HasPrefix(st.Summary, "1 tests: 1 passed, 0 failed, 0 skipped; 1 packages, 0 failed") {
		t.Errorf("summary %q", st.Summary)
	}

	data, ok := run.file(profile)
	if !ok {
		t.Fatal("no coverage profile")
	}
	for _, tc := range []struct {
		name    string
		cfg     config.CoverageConfig
		status  result.Status
		summary string
		errText string
	}{
		{"no gates", config.CoverageConfig{}, result.Passed, "coverage 50.0%", ""},
		{"gates pass", config.CoverageConfig{Min: pct(50), MinPackage: pct(40)}, result.Passed, "coverage 50.0%: gates passed", ""},
		{"total below", config.CoverageConfig{Min: pct(80)}, result.Failed, "coverage 50.0%: 1 gate(s) failed", "coverage 50.0% < 80%"},
	} {
		cov, cst, warnings, err := coverageStage(context.Background(), data, "cover.out", coverage.FormatGo, dir, tc.cfg, false)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(warnings) > 0 {
			t.Errorf("%s: warnings %v", tc.name, warnings)
		}
		if cst.Status != tc.status || cst.Summary != tc.summary || !strings.Contains(cst.Error, tc.errText) || cst.Name != StageCoverage {
			t.Errorf("%s: stage %+v", tc.name, cst)
		}
		if cov.Percent != 50 || cov.Statements != 2 || cov.Covered != 1 {
			t.Errorf("%s: coverage %+v", tc.name, cov)
		}
		if len(cov.Files) != 1 || cov.Files[0].Path != "calc.go" || len(cov.Packages) != 1 || cov.Packages[0].Package != "example.com/calc" {
			t.Errorf("%s: files %+v packages %+v", tc.name, cov.Files, cov.Packages)
		}
	}

	// A patch base without the git history warns and gates nothing; a
	// patch minimum that cannot be checked is an error.
	_, cst, warnings, err := coverageStage(context.Background(), data, "cover.out", coverage.FormatGo, dir,
		config.CoverageConfig{PatchBase: "origin/main"}, false)
	if err != nil || cst.Status != result.Passed || len(warnings) != 1 || !strings.Contains(warnings[0], "patch coverage since origin/main not computed") {
		t.Errorf("patch without git: %+v, %v, %v", cst, warnings, err)
	}
	_, _, _, err = coverageStage(context.Background(), data, "cover.out", coverage.FormatGo, dir,
		config.CoverageConfig{PatchBase: "origin/main", PatchMin: pct(90)}, false)
	if exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), "coverage.patchMin is set") {
		t.Errorf("patch minimum without git: %v", err)
	}
}

func TestGoTestStageFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		files   map[string]string
		errText string
		cases   []string
	}{{
		name: "failing test",
		files: map[string]string{
			"calc_test.go": calcModule["calc_test.go"] + `
func TestSub(t *testing.T) {
	if Sub(3, 1) != 1 {
		t.Fatal("3-1 is not 1")
	}
}
`,
		},
		errText: "1 test failed: example.com/calc.TestSub",
		cases:   []string{"TestAdd=passed", "TestSub=failed"},
	}, {
		name:    "package that does not build",
		files:   map[string]string{"calc.go": "package calc\n\nfunc Add(a, b int) int { return a + }\n"},
		errText: "1 test failed: example.com/calc.(package)",
		cases:   []string{"(package)=failed"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFiles(t, dir, calcModule)
			writeFiles(t, dir, tc.files)
			run, events, _ := goTestRun(t, dir, false)
			if run.ExitCode != 1 {
				t.Fatalf("go test exited %d\n%s", run.ExitCode, run.Stderr)
			}
			cases, st, err := goTestStage(run, events)
			if err != nil {
				t.Fatalf("%v\n%s", err, run.Stderr)
			}
			if st.Status != result.Failed || st.Error != tc.errText {
				t.Errorf("stage %+v, want failed with %q", st, tc.errText)
			}
			var got []string
			for _, c := range cases {
				got = append(got, c.Name+"="+string(c.Status))
			}
			if strings.Join(got, ",") != strings.Join(tc.cases, ",") {
				t.Errorf("cases %v, want %v", got, tc.cases)
			}
		})
	}
}

func TestGoTestStageNoEvents(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, calcModule)
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/calc\n\ngo 1.22\nrequire (\n")
	run, events, _ := goTestRun(t, dir, false)
	_, _, err := goTestStage(run, events)
	if exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), "go test failed (exit code 1):") || !strings.Contains(err.Error(), "go.mod") {
		t.Fatalf("err = %v, want go test failed quoting go.mod's error", err)
	}
}

func TestPatchCoverage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, calcModule)
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "base")
	base := git(t, dir, "rev-parse", "HEAD")
	writeFile(t, filepath.Join(dir, "mul.go"), "package calc\n\n// Mul multiplies.\nfunc Mul(a, b int) int {\n\treturn a * b\n}\n")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "add Mul, untested")

	run, _, profile := goTestRun(t, dir, false)
	data, _ := run.file(profile)
	cov, st, _, err := coverageStage(context.Background(), data, "cover.out", coverage.FormatGo, dir,
		config.CoverageConfig{PatchBase: base, PatchMin: pct(50)}, true)
	if err != nil {
		t.Fatal(err)
	}
	// Mul's block spans its three lines, all of them new.
	if cov.Patch == nil || cov.Patch.Lines != 3 || cov.Patch.Covered != 0 || cov.Patch.Base != base {
		t.Fatalf("patch %+v", cov.Patch)
	}
	if st.Status != result.Failed || st.Summary != "coverage 33.3%, patch 0.0% of 3 lines: 1 gate(s) failed" || !strings.Contains(st.Error, "patch") {
		t.Errorf("stage %+v", st)
	}
}

func TestJUnitTestStagePytest(t *testing.T) {
	t.Parallel()
	py := testtool.PytestPython(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"pyproject.toml":   "[project]\nname = \"calc\"\nversion = \"0.1.0\"\n\n[tool.pytest.ini_options]\npythonpath = [\".\"]\n\n[tool.coverage.run]\nsource = [\"calc\"]\n",
		"calc/__init__.py": "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n",
		"tests/test_calc.py": `from calc import add, sub


def test_add():
    assert add(1, 2) == 3


def test_sub():
    assert sub(3, 1) == 1
`,
	})
	out := t.TempDir()
	junitOut, covOut := filepath.Join(out, "junit.xml"), filepath.Join(out, "coverage.xml")
	argv := toolcmd.Pytest(toolcmd.PytestOptions{JUnitOut: junitOut, CoverageXML: covOut, Python: py})
	run := hostRun(t, dir, []string{"PYTHONDONTWRITEBYTECODE=1"}, py, argv, "", junitOut, covOut)

	cases, st, err := junitTestStage(run, junitOut, "pytest")
	if err != nil {
		t.Fatalf("%v\n%s", err, run.Stderr)
	}
	if run.ExitCode != 1 || st.Status != result.Failed || len(cases) != 2 {
		t.Fatalf("exit %d, stage %+v, cases %+v", run.ExitCode, st, cases)
	}
	if st.Summary != "pytest: 2 tests: 1 passed, 1 failed, 0 skipped" || !strings.HasPrefix(st.Error, "1 test failed: ") || !strings.Contains(st.Error, "test_sub") {
		t.Errorf("stage %+v", st)
	}

	data, ok := run.file(covOut)
	if !ok {
		t.Fatalf("no coverage.xml\n%s", run.Stderr)
	}
	cov, cst, _, err := coverageStage(context.Background(), data, "coverage.xml", coverage.FormatCobertura, dir, config.CoverageConfig{Min: pct(100)}, false)
	if err != nil {
		t.Fatal(err)
	}
	if cov.Percent != 100 || len(cov.Files) != 1 || cov.Files[0].Path != "calc/__init__.py" || cst.Status != result.Passed {
		t.Errorf("coverage %+v files %+v, stage %+v", cov, cov.Files, cst)
	}
}

func TestJUnitTestStageNpmTest(t *testing.T) {
	t.Parallel()
	npm := testtool.LookPath(t, "npm")
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"package.json": `{"name": "calc", "version": "1.0.0", "private": true, "type": "commonjs", "scripts": {"test": "node --test"}}`,
		"src/calc.js":  "exports.add = (a, b) => a + b;\nexports.sub = (a, b) => {\n  return a - b;\n};\n",
		"test/calc.test.js": `const test = require("node:test");
const assert = require("node:assert");
const { add } = require("../src/calc");

test("adds", () => {
  assert.strictEqual(add(1, 2), 3);
});

test("skipped", { skip: "not yet" }, () => {});
`,
	})
	out := t.TempDir()
	junitOut, lcovOut := filepath.Join(out, "junit.xml"), filepath.Join(out, "lcov.info")
	argv := toolcmd.NpmTest(toolcmd.NpmTestOptions{JUnitOut: junitOut, LCOVOut: lcovOut})
	run := hostRun(t, dir, []string{"npm_config_update_notifier=false", "npm_config_cache=" + t.TempDir()}, npm, argv, "", junitOut, lcovOut)

	cases, st, err := junitTestStage(run, junitOut, "npm test")
	if err != nil {
		t.Fatalf("%v\n%s", err, run.Stderr)
	}
	if run.ExitCode != 0 || st.Status != result.Passed || len(cases) != 2 {
		t.Fatalf("exit %d, stage %+v, cases %+v\n%s", run.ExitCode, st, cases, run.Stderr)
	}
	if st.Summary != "npm test: 2 tests: 1 passed, 0 failed, 1 skipped" {
		t.Errorf("summary %q", st.Summary)
	}
	data, ok := run.file(lcovOut)
	if !ok {
		t.Fatal("no lcov.info")
	}
	cov, cst, _, err := coverageStage(context.Background(), data, "lcov.info", coverage.FormatLCOV, dir, config.CoverageConfig{}, false)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range cov.Files {
		paths = append(paths, f.Path)
	}
	if cov.Percent <= 0 || cov.Percent >= 100 || !strings.Contains(strings.Join(paths, ","), "src/calc.js") || cst.Status != result.Passed {
		t.Errorf("coverage %.1f%% of %v, stage %+v", cov.Percent, paths, cst)
	}
}

// TestJUnitTestStageExitCodes checks the verdict rules on exit codes and
// missing reports: golden's own logic.
func TestJUnitTestStageExitCodes(t *testing.T) {
	t.Parallel()
	const report = "/golden/out/junit.xml"
	for _, tc := range []struct {
		tool   string
		code   int
		files  map[string]string
		status result.Status
		errSub string
	}{
		{"pytest", 5, nil, result.Passed, ""},
		{"pytest", 0, nil, result.Passed, ""},
		{"pytest", 4, nil, "", "pytest failed (exit code 4):\nERROR: usage"},
		{"npm test", 1, nil, "", "npm test failed (exit code 1)"},
		{"npm test", 0, map[string]string{report: "<testsuites></testsuites>"}, result.Passed, ""},
		{"npm test", 1, map[string]string{report: "<testsuites></testsuites>"}, result.Failed, ""},
	} {
		run := &toolRun{ExitCode: tc.code, Stderr: "ERROR: usage\n", Files: tc.files}
		_, st, err := junitTestStage(run, report, tc.tool)
		if tc.errSub == "" {
			if err != nil || st.Status != tc.status {
				t.Errorf("%s exit %d: %+v, %v", tc.tool, tc.code, st, err)
			}
			continue
		}
		if exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), tc.errSub) {
			t.Errorf("%s exit %d: err %v, want %q", tc.tool, tc.code, err, tc.errSub)
		}
	}
}

func TestFailedTests(t *testing.T) {
	t.Parallel()
	var cases []result.TestCase
	for _, n := range []string{"A", "B", "C", "D", "E", "F", "G"} {
		cases = append(cases, result.TestCase{Suite: "pkg", Name: "Test" + n, Status: result.Failed})
	}
	if got, want := failedTests(cases[:1]), "1 test failed: pkg.TestA"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := failedTests(cases), "7 tests failed: pkg.TestA, pkg.TestB, pkg.TestC, pkg.TestD, pkg.TestE, and 2 more"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
