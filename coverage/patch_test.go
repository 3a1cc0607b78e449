package coverage

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
)

// gitRepo is a real git repository in a temporary directory.
type gitRepo struct {
	t   *testing.T
	git string
	dir string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	r := &gitRepo{t: t, git: testtool.Path(t, "git"), dir: t.TempDir()}
	r.run("init", "-q", "-b", "main")
	return r
}

func (r *gitRepo) run(args ...string) string {
	r.t.Helper()
	cmd := exec.Command(r.git, args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=golden", "GIT_AUTHOR_EMAIL=golden@example.com",
		"GIT_COMMITTER_NAME=golden", "GIT_COMMITTER_EMAIL=golden@example.com",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *gitRepo) commitAll(msg string) string {
	r.t.Helper()
	r.run("add", "-A")
	r.run("commit", "-q", "-m", msg)
	return r.run("rev-parse", "HEAD")
}

// edit replaces old by new in a file of the repository (old must occur).
func (r *gitRepo) edit(file, old, new string) {
	r.t.Helper()
	p := filepath.Join(r.dir, file)
	data, err := os.ReadFile(p)
	if err != nil {
		r.t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		r.t.Fatalf("%s does not contain %q", file, old)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *gitRepo) write(file, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, file)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

const sumFunc = `
// Sum returns the sum of xs.
func Sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}
`

// calcRepo is a repository holding the calc module in svc/calc, with a
// feature branch on top of main that changes covered and uncovered lines,
// while main moves on by itself.
func calcRepo(t *testing.T) (r *gitRepo, base string) {
	t.Helper()
	r = newGitRepo(t)
	copyDir(t, calcModule(t), filepath.Join(r.dir, "svc", "calc"))
	r.write("README.md", "# calc\n")
	base = r.commitAll("calc")
	r.run("checkout", "-q", "-b", "feature")
	// A covered line changes (calc.go line 22, in Add).
	r.edit("svc/calc/calc.go", "return a + b", "return b + a")
	// An uncovered function is appended to stats.go (lines 40-48).
	data, err := os.ReadFile(filepath.Join(r.dir, "svc/calc/stats/stats.go"))
	if err != nil {
		t.Fatal(err)
	}
	r.write("svc/calc/stats/stats.go", string(data)+sumFunc)
	// Covered and uncovered lines in Div: the new check runs, its body not.
	r.edit("svc/calc/calc.go", "\tif b == 0 {", "\tif a == 0 && b == 0 {\n\t\treturn 0, nil\n\t}\n\tif b == 0 {")
	// Changes that hold no statements: a comment, a doc file, a rename.
	r.edit("svc/calc/parse/parse.go", "// Package parse reads numbers.", "// Package parse reads decimal numbers.")
	r.write("README.md", "# calc\n\nA fixture.\n")
	r.run("mv", "svc/calc/internal/untested/untested.go", "svc/calc/internal/untested/hello.go")
	r.commitAll("feature")
	// main moves on: a change the feature branch does not have, which the
	// merge base keeps out of the patch.
	r.run("checkout", "-q", "main")
	r.edit("svc/calc/stats/stats.go", "if x < m {", "if m > x {")
	r.commitAll("main moves on")
	r.run("checkout", "-q", "feature")
	return r, base
}

// Patch coverage on a real history: the lines changed on the feature
// branch since it left main, against a real go test profile of HEAD.
func TestPatchCoverage(t *testing.T) {
	t.Parallel()
	r, base := calcRepo(t)
	mod := filepath.Join(r.dir, "svc", "calc")
	profile := goTestProfile(t, mod, "-covermode=set", "./...")
	s := analyzeFile(t, profile, r.dir) // the module is a subdirectory of the tree
	if len(s.Warnings) > 0 {
		t.Fatalf("warnings: %v", s.Warnings)
	}
	for _, rev := range []string{"main", base} {
		p, err := PatchCoverage(context.Background(), s, mustSource(t, r.dir), rev)
		if err != nil {
			t.Fatal(err)
		}
		// calc.go: Add's line 22 (covered), Div's new check on lines 32-34:
		// the if (32, covered) and its body (33-34, not run); stats.go:
		// Sum's lines 42-47 hold statements, none ran. The comment, the
		// README and the renamed file hold no changed statements; main's
		// own change to Min is not in the patch.
		want := &Patch{
			Base: rev, BaseCommit: base, HeadCommit: r.run("rev-parse", "HEAD"),
			Lines: 10, Covered: 2, Percent: 20,
			Files: []PatchFile{
				{Path: "svc/calc/calc.go", Lines: 4, Covered: 2, Uncovered: []int{33, 34}},
				{Path: "svc/calc/stats/stats.go", Lines: 6, Covered: 0, Uncovered: []int{42, 43, 44, 45, 46, 47}},
			},
		}
		if diff := cmp.Diff(want, p); diff != "" {
			t.Errorf("patch since %s (-want +got):\n%s", rev, diff)
		}
	}

	// From the module's directory, paths are relative to it.
	sm := analyzeFile(t, profile, mod)
	p, err := PatchCoverage(context.Background(), sm, mustSource(t, mod), "main")
	if err != nil {
		t.Fatal(err)
	}
	if p.Lines != 10 || p.Covered != 2 || len(p.Files) != 2 || p.Files[0].Path != "calc.go" {
		t.Errorf("from the module dir: %+v", p)
	}
}

func mustSource(t *testing.T, dir string) *Source {
	t.Helper()
	src, err := OpenSource(dir)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// A change without statements: patch coverage is n/a, reported as 100%,
// and the gate passes.
func TestPatchCoverageNoStatementsChanged(t *testing.T) {
	t.Parallel()
	r := newGitRepo(t)
	copyDir(t, calcModule(t), r.dir)
	r.commitAll("calc")
	r.edit("parse/parse.go", "// Sign names the sign of n.", "// Sign names the sign of n: negative, zero or positive.")
	r.write("CHANGELOG.md", "- docs\n")
	r.commitAll("docs")
	profile := goTestProfile(t, r.dir, "./...")
	s := analyzeFile(t, profile, r.dir)
	p, err := PatchCoverage(context.Background(), s, mustSource(t, r.dir), "HEAD~1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Lines != 0 || p.Covered != 0 || p.Percent != 100 || len(p.Files) != 0 {
		t.Errorf("patch = %+v, want 0 lines at 100%%", p)
	}
	min := 90.0
	if f := (Gates{PatchMin: &min}).Check(s, p); len(f) != 0 {
		t.Errorf("gate failed: %v", f)
	}
}

func TestPatchCoverageErrors(t *testing.T) {
	t.Parallel()
	r := newGitRepo(t)
	copyDir(t, calcModule(t), r.dir)
	r.commitAll("calc")
	profile := goTestProfile(t, r.dir, "./stats")
	s := analyzeFile(t, profile, r.dir)
	notRepo := t.TempDir()
	tests := []struct {
		name, dir, base, want string
		code                  int
	}{
		{"unknown revision", r.dir, "no-such-branch", `unknown base revision "no-such-branch"`, exitcode.Usage},
		{"empty revision", r.dir, " ", "empty base revision", exitcode.Usage},
		{"not a repository", notRepo, "main", "is not in a git repository", exitcode.Usage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sum := s
			if tt.dir == notRepo {
				sum = &Summary{}
			}
			_, err := PatchCoverage(context.Background(), sum, mustSource(t, tt.dir), tt.base)
			if err == nil || !strings.Contains(err.Error(), tt.want) || exitcode.Code(err) != tt.code {
				t.Errorf("err = %v (code %d), want %q (code %d)", err, exitcode.Code(err), tt.want, tt.code)
			}
		})
	}
	// A profile none of whose files is in the tree cannot give patch
	// coverage: that is a wrong --source, not 100%.
	t.Run("profile of another tree", func(t *testing.T) {
		t.Parallel()
		other := analyzeFile(t, profile, t.TempDir())
		_, err := PatchCoverage(context.Background(), other, mustSource(t, r.dir), "HEAD")
		if err == nil || !strings.Contains(err.Error(), "none of the profile's") || exitcode.Code(err) != exitcode.Usage {
			t.Errorf("err = %v", err)
		}
	})
}
