package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/repopath"
	"github.com/goldenci/golden/result"
)

// calcFixture is the Go module of the coverage package's tests.
func calcFixture() string {
	return filepath.Join(testtool.Root(), "coverage", "testdata", "modules", "calc")
}

func runGo(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// calcProfiles writes real profiles of the fixture: all.out (set mode,
// all packages: 17 of 40 statements, 42.5%) and, when stats is set,
// avg.out (only calc's TestAverage, with -coverpkg=./..., which covers
// stats.Mean too).
func calcProfiles(t *testing.T, withStats bool) (all, stats string) {
	t.Helper()
	dir := t.TempDir()
	all, stats = filepath.Join(dir, "all.out"), filepath.Join(dir, "avg.out")
	runGo(t, calcFixture(), "test", "-count=1", "-covermode=set", "-coverprofile="+all, "./...")
	if withStats {
		runGo(t, calcFixture(), "test", "-count=1", "-covermode=set", "-coverpkg=./...", "-run=TestAverage", "-coverprofile="+stats, ".")
	}
	return all, stats
}

func TestCoverageCommand(t *testing.T) {
	t.Parallel()
	all, stats := calcProfiles(t, true)
	src := calcFixture()
	bad := filepath.Join(t.TempDir(), "bad.out")
	if err := os.WriteFile(bad, []byte("mode: set\nexample.com/calc/calc.go:21.24,23.2 1 1\nexample.com/calc/calc.go:26.24 1 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr []string
	}{
		{"report", []string{"--profile", all, "--source", src}, exitcode.Passed,
			[]string{"PACKAGE", "example.com/calc/parse", "54.5%", "total", "42.5%", "no gates set"}, nil},
		{"gates pass", []string{"--profile", all, "--source", src, "--min", "42.5", "--min-package=0%"}, exitcode.Passed,
			[]string{"PASS  total coverage 42.5% >= 42.5%", "PASS  every package's coverage >= 0% (4 packages)"}, nil},
		{"total gate fails", []string{"--profile", all, "--source", src, "--min", "50"}, exitcode.Failed,
			[]string{"FAIL  total coverage 42.5% < 50%"}, []string{"golden coverage: 1 coverage gate(s) failed: total coverage 42.5% < 50%"}},
		{"package gate fails", []string{"--profile", all, "--source", src, "-min-package", "40"}, exitcode.Failed,
			[]string{"FAIL  package example.com/calc/internal/untested coverage 0.0% < 40%", "FAIL  package example.com/calc/stats coverage 33.3% < 40%"},
			[]string{"2 coverage gate(s) failed"}},
		{"merged profiles", []string{"--profile", all, "--profile", stats, "--source", src}, exitcode.Passed,
			[]string{"example.com/calc/stats", "55.6%", "total", "52.5%"}, nil},
		{"malformed profile", []string{"--profile", bad, "--source", src}, exitcode.Usage,
			nil, []string{`golden coverage: parsing coverprofile "` + bad + `": line 3: bad block`}},
		{"missing profile file", []string{"--profile", bad + ".nope", "--source", src}, exitcode.Usage, nil, []string{"bad.out.nope"}},
		{"no profile", []string{"--source", src}, exitcode.Usage, nil, []string{"--profile is required"}},
		{"patch-min without base", []string{"--profile", all, "--patch-min", "80"}, exitcode.Usage, nil, []string{"--patch-min needs --patch-base"}},
		{"bad percentage", []string{"--profile", all, "--min", "120"}, exitcode.Usage, nil, []string{`want a percentage from 0 to 100, got "120"`}},
		{"bad format", []string{"--profile", all, "--format", "yaml"}, exitcode.Usage, nil, []string{`unknown coverage format "yaml"`}},
		{"wrong format", []string{"--profile", all, "--format", "lcov"}, exitcode.Usage, nil, []string{`parsing LCOV file "` + all + `": line 2: want KEY:VALUE`}},
		{"missing source", []string{"--profile", all, "--source", filepath.Join(src, "nope")}, exitcode.Usage, nil, []string{"does not exist"}},
		{"not a repository", []string{"--profile", all, "--source", t.TempDir(), "--patch-base", "main"}, exitcode.Usage, nil, []string{"is not in a git repository"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := golden(t, nil, append([]string{"coverage"}, tt.args...)...)
			if got.code != tt.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", got.code, tt.code, got.stdout, got.stderr)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(got.stdout, want) {
					t.Errorf("stdout does not contain %q:\n%s", want, got.stdout)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(got.stderr, want) {
					t.Errorf("stderr does not contain %q:\n%s", want, got.stderr)
				}
			}
		})
	}
}

func TestCoverageJSON(t *testing.T) {
	t.Parallel()
	all, _ := calcProfiles(t, false)
	got := golden(t, nil, "coverage", "--profile", all, "--source", calcFixture(), "--json", "--min", "40", "--min-package", "30")
	if got.code != exitcode.Failed {
		t.Fatalf("exit code %d, stderr %s", got.code, got.stderr)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(got.stdout), &out); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, got.stdout)
	}
	for _, key := range []string{"formats", "total", "statements", "covered", "packages", "patch", "gates", "failures", "warnings", "passed"} {
		if _, ok := out[key]; !ok {
			t.Errorf("JSON has no %q: %s", key, got.stdout)
		}
	}
	if out["total"] != 42.5 || out["statements"] != 40.0 || out["covered"] != 17.0 || out["passed"] != false || out["patch"] != nil {
		t.Errorf("total %v, statements %v, covered %v, passed %v, patch %v", out["total"], out["statements"], out["covered"], out["passed"], out["patch"])
	}
	pkgs, _ := out["packages"].([]any)
	if len(pkgs) != 4 {
		t.Fatalf("packages: %v", out["packages"])
	}
	first, _ := pkgs[0].(map[string]any)
	if first["package"] != "example.com/calc" || first["percent"] != 62.5 || first["statements"] != 8.0 || first["covered"] != 5.0 {
		t.Errorf("first package: %v", first)
	}
	failures, _ := out["failures"].([]any)
	if len(failures) != 1 {
		t.Fatalf("failures: %v", out["failures"])
	}
	f, _ := failures[0].(map[string]any)
	if f["gate"] != "min-package" || f["subject"] != "example.com/calc/internal/untested" || f["min"] != 30.0 ||
		f["message"] != "package example.com/calc/internal/untested coverage 0.0% < 30%" {
		t.Errorf("failure: %v", f)
	}
	gates, _ := out["gates"].(map[string]any)
	if gates["min"] != 40.0 || gates["minPackage"] != 30.0 || gates["patchMin"] != nil {
		t.Errorf("gates: %v", gates)
	}
}

// --result records the stage, the coverage with line hits, and the
// output; a failed run records why.
func TestCoverageRecordsResult(t *testing.T) {
	t.Parallel()
	all, _ := calcProfiles(t, false)
	resultFile := filepath.Join(t.TempDir(), "run.json")
	env := map[string]string{"GOLDEN_RESULT": resultFile}
	if got := golden(t, env, "coverage", "--profile", all, "--source", calcFixture(), "--min", "40"); got.code != exitcode.Passed {
		t.Fatalf("exit code %d: %s", got.code, got.stderr)
	}
	r, err := result.Load(resultFile)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := r.Stage("coverage")
	if !ok || st.Status != result.Passed || st.Summary != "coverage 42.5%: gates passed" {
		t.Errorf("stage: %+v", st)
	}
	c := r.Coverage
	if c == nil || c.Percent != 42.5 || c.Statements != 40 || c.Covered != 17 || len(c.Packages) != 4 || c.Patch != nil {
		t.Fatalf("coverage: %+v", c)
	}
	if r.Outputs["coverage"] != "42.5" {
		t.Errorf("outputs: %v", r.Outputs)
	}
	// Files are named from the root of the repository holding --source:
	// "coverage/testdata/modules/calc/calc.go" in golden's checkout,
	// "calc.go" where golden's source has no .git.
	prefix, err := repopath.Prefix(calcFixture())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Files) != 4 || c.Files[0].Path != path.Join(prefix, "calc.go") || c.Files[0].Package != "example.com/calc" || len(c.Files[0].Lines) == 0 {
		t.Errorf("files: %+v", c.Files)
	}
	var add result.LineHit
	for _, l := range c.Files[0].Lines {
		if l.Line == 22 { // return a + b, covered by TestAdd
			add = l
		}
	}
	if add.Hits != 1 {
		t.Errorf("calc.go:22 hits = %+v", add)
	}

	// A gate failure and then an input error are recorded too.
	if got := golden(t, env, "coverage", "--profile", all, "--source", calcFixture(), "--min", "90", "--result", resultFile); got.code != exitcode.Failed {
		t.Fatalf("exit code %d", got.code)
	}
	if r, err = result.Load(resultFile); err != nil {
		t.Fatal(err)
	}
	if st, _ := r.Stage("coverage"); st.Status != result.Failed || !strings.Contains(st.Error, "total coverage 42.5% < 90%") ||
		st.Summary != "coverage 42.5%: 1 gate(s) failed" || r.Coverage == nil {
		t.Errorf("failed stage: %+v", st)
	}
	if got := golden(t, env, "coverage", "--profile", all+".missing", "--source", calcFixture()); got.code != exitcode.Usage {
		t.Fatalf("exit code %d", got.code)
	}
	if r, err = result.Load(resultFile); err != nil {
		t.Fatal(err)
	}
	if st, _ := r.Stage("coverage"); st.Status != result.Errored || !strings.Contains(st.Error, "all.out.missing") || r.Coverage != nil || r.Outputs["coverage"] != "" {
		t.Errorf("errored stage: %+v, coverage %+v, outputs %v", st, r.Coverage, r.Outputs)
	}
}

// Patch coverage end to end on a real git history: one covered and one
// uncovered changed line.
func TestCoveragePatch(t *testing.T) {
	t.Parallel()
	git := testtool.Path(t, "git")
	repo := t.TempDir()
	gitRun := func(args ...string) {
		t.Helper()
		cmd := exec.Command(git, args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=g", "GIT_AUTHOR_EMAIL=g@example.com",
			"GIT_COMMITTER_NAME=g", "GIT_COMMITTER_EMAIL=g@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	copyTree(t, calcFixture(), repo)
	gitRun("init", "-q", "-b", "main")
	gitRun("add", "-A")
	gitRun("commit", "-q", "-m", "base")
	calc := filepath.Join(repo, "calc.go")
	data, err := os.ReadFile(calc)
	if err != nil {
		t.Fatal(err)
	}
	// Line 22 (Add, covered) and line 27 (Sub, not covered) change.
	changed := strings.Replace(strings.Replace(string(data), "return a + b", "return b + a", 1), "return a - b", "return -(b - a)", 1)
	if err := os.WriteFile(calc, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	gitRun("commit", "-q", "-am", "change")
	profile := filepath.Join(t.TempDir(), "cover.out")
	runGo(t, repo, "test", "-count=1", "-coverprofile="+profile, "./...")

	got := golden(t, nil, "coverage", "--profile", profile, "--source", repo, "--patch-base", "main~1", "--patch-min", "60")
	if got.code != exitcode.Failed {
		t.Fatalf("exit code %d\n%s%s", got.code, got.stdout, got.stderr)
	}
	for _, want := range []string{"patch coverage since main~1", "1 of 2 changed lines covered: 50.0%", "calc.go: not covered: line 27", "FAIL  patch coverage 50.0% < 60%"} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("stdout does not contain %q:\n%s", want, got.stdout)
		}
	}

	resultFile := filepath.Join(t.TempDir(), "run.json")
	got = golden(t, nil, "coverage", "--profile", profile, "--source", repo, "--patch-base", "main~1", "--patch-min", "50", "--json", "--result", resultFile)
	if got.code != exitcode.Passed {
		t.Fatalf("exit code %d\n%s", got.code, got.stderr)
	}
	var out struct {
		Patch struct {
			Base, BaseCommit, HeadCommit string
			Percent                      float64
			Lines, Covered               int
			Applicable                   bool
			Files                        []struct {
				Path      string
				Uncovered []int
			}
		}
		Passed bool
	}
	if err := json.Unmarshal([]byte(got.stdout), &out); err != nil {
		t.Fatal(err)
	}
	p := out.Patch
	if !out.Passed || p.Base != "main~1" || len(p.BaseCommit) != 40 || p.Lines != 2 || p.Covered != 1 || p.Percent != 50 || !p.Applicable ||
		len(p.Files) != 1 || p.Files[0].Path != "calc.go" || len(p.Files[0].Uncovered) != 1 || p.Files[0].Uncovered[0] != 27 {
		t.Errorf("patch JSON: %+v", out)
	}
	r, err := result.Load(resultFile)
	if err != nil {
		t.Fatal(err)
	}
	if r.Coverage.Patch == nil || r.Coverage.Patch.Lines != 2 || r.Coverage.Patch.Percent != 50 || r.Outputs["coverage_patch"] != "50.0" {
		t.Errorf("recorded patch: %+v, outputs %v", r.Coverage.Patch, r.Outputs)
	}

	// Nothing changed since HEAD: n/a, and the gate passes. The run
	// records no coverage_patch output (nor keeps the earlier one): the
	// summary says n/a, and a number would read as measured.
	got = golden(t, nil, "coverage", "--profile", profile, "--source", repo, "--patch-base", "HEAD", "--patch-min", "100", "--result", resultFile)
	if got.code != exitcode.Passed || !strings.Contains(got.stdout, "n/a, no changed line holds statements") ||
		!strings.Contains(got.stdout, "PASS  patch coverage n/a") {
		t.Errorf("no changes: exit %d\n%s%s", got.code, got.stdout, got.stderr)
	}
	if r, err = result.Load(resultFile); err != nil {
		t.Fatal(err)
	}
	st, ok := r.Stage("coverage")
	if !ok || !strings.Contains(st.Summary, "patch n/a") || r.Coverage.Patch == nil || r.Coverage.Patch.Lines != 0 {
		t.Errorf("no changes: recorded stage %+v, patch %+v", st, r.Coverage.Patch)
	}
	if v, ok := r.Outputs["coverage_patch"]; ok || r.Outputs["coverage"] == "" {
		t.Errorf("no changes: outputs %v, want coverage and no coverage_patch (have %q)", r.Outputs, v)
	}
	// An unknown revision is bad input.
	got = golden(t, nil, "coverage", "--profile", profile, "--source", repo, "--patch-base", "nope")
	if got.code != exitcode.Usage || !strings.Contains(got.stderr, `unknown base revision "nope"`) {
		t.Errorf("unknown revision: exit %d, %s", got.code, got.stderr)
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLineRanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []int
		want string
	}{
		{nil, ""},
		{[]int{7}, "7"},
		{[]int{3, 4, 5, 9, 12, 13}, "3-5, 9, 12-13"},
	}
	for _, tt := range tests {
		if got := lineRanges(tt.in); got != tt.want {
			t.Errorf("lineRanges(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPercentFlag(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]float64{"80": 80, "72.5%": 72.5, " 0 ": 0, "100": 100} {
		var p percentFlag
		if err := p.Set(in); err != nil || *p.v != want {
			t.Errorf("Set(%q) = %v, %v", in, p.v, err)
		}
	}
	for _, in := range []string{"", "-1", "100.1", "NaN", "eighty", "80%%"} {
		var p percentFlag
		if err := p.Set(in); err == nil {
			t.Errorf("Set(%q) accepted %v", in, *p.v)
		}
	}
}
