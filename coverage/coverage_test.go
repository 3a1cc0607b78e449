package coverage

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/exitcode"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// calcModule is the fixture Go module the tests run go test on.
func calcModule(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "modules", "calc"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// goEnv builds fixture modules offline with the local toolchain.
func goEnv() []string {
	return append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
}

// goCmd runs the go command in dir and returns its standard output.
func goCmd(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = goEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go %s (in %s): %v\n%s%s", strings.Join(args, " "), dir, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// goTestProfile runs go test -coverprofile in dir with the extra args and
// returns the profile's path.
func goTestProfile(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "cover.out")
	goCmd(t, dir, append([]string{"test", "-count=1", "-coverprofile=" + out}, args...)...)
	return out
}

// coverFuncTotal runs go tool cover -func on a profile and returns the
// percentage of its "total:" line, e.g. "42.5%".
func coverFuncTotal(t testing.TB, dir, profile string) string {
	t.Helper()
	out := goCmd(t, dir, "tool", "cover", "-func="+profile)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := strings.Fields(lines[len(lines)-1])
	if len(last) != 3 || last[0] != "total:" {
		t.Fatalf("go tool cover -func printed no total line:\n%s", out)
	}
	return last[2]
}

// withoutExtraModeLines returns a copy of a concatenated profile with only
// its first mode line, the form go tool cover -func accepts.
func withoutExtraModeLines(t testing.TB, profile string) string {
	t.Helper()
	data, err := os.ReadFile(profile)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, l := range strings.Split(string(data), "\n") {
		if i > 0 && strings.HasPrefix(l, "mode:") {
			continue
		}
		out = append(out, l)
	}
	p := filepath.Join(t.TempDir(), "single-mode.out")
	if err := os.WriteFile(p, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// packageProfile writes the part of a (single-mode) profile that is about
// one package's files.
func packageProfile(t testing.TB, profile, pkg string) string {
	t.Helper()
	data, err := os.ReadFile(profile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	out := []string{lines[0]}
	for _, l := range lines[1:] {
		if file, _, ok := strings.Cut(l, ":"); ok && path.Dir(file) == pkg {
			out = append(out, l)
		}
	}
	p := filepath.Join(t.TempDir(), strings.ReplaceAll(pkg, "/", "_")+".out")
	if err := os.WriteFile(p, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func concat(t testing.TB, files ...string) string {
	t.Helper()
	var all []byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, data...)
	}
	p := filepath.Join(t.TempDir(), "merged.out")
	if err := os.WriteFile(p, all, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func analyzeFile(t testing.TB, profile, source string) *Summary {
	t.Helper()
	p, err := ParseFile(profile, FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	src, err := OpenSource(source)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Analyze(p, src)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The total and every package's coverage equal what go tool cover -func
// prints for the same real profiles: each mode, -coverpkg=./... (every
// block repeated by each test binary), and profiles of two runs
// concatenated with their mode lines.
func TestGoProfilesMatchGoToolCover(t *testing.T) {
	t.Parallel()
	mod := calcModule(t)
	tests := []struct {
		name    string
		profile func(t *testing.T) string
	}{
		{"set", func(t *testing.T) string { return goTestProfile(t, mod, "-covermode=set", "./...") }},
		{"count", func(t *testing.T) string { return goTestProfile(t, mod, "-covermode=count", "./...") }},
		{"atomic", func(t *testing.T) string { return goTestProfile(t, mod, "-covermode=atomic", "./...") }},
		{"coverpkg", func(t *testing.T) string {
			return goTestProfile(t, mod, "-covermode=count", "-coverpkg=./...", "./...")
		}},
		{"two runs concatenated", func(t *testing.T) string {
			a := goTestProfile(t, mod, "-covermode=set", "-coverpkg=./...", "./stats")
			b := goTestProfile(t, mod, "-covermode=set", "-run=TestAdd|TestInt", "./...")
			return concat(t, a, b)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			profile := tt.profile(t)
			s := analyzeFile(t, profile, mod)
			if len(s.Warnings) > 0 {
				t.Errorf("warnings: %v", s.Warnings)
			}
			single := withoutExtraModeLines(t, profile)
			if got, want := FormatPercent(s.Percent), coverFuncTotal(t, mod, single); got != want {
				t.Errorf("total = %s (%d/%d), go tool cover -func says %s", got, s.Covered, s.Statements, want)
			}
			if len(s.Packages) != 4 {
				t.Errorf("packages = %+v, want 4", s.Packages)
			}
			for _, p := range s.Packages {
				want := coverFuncTotal(t, mod, packageProfile(t, single, p.Package))
				if got := FormatPercent(p.Percent); got != want {
					t.Errorf("package %s = %s, go tool cover -func says %s", p.Package, got, want)
				}
			}
		})
	}
}

// go tool cover -func counts only blocks inside function declarations:
// the package-level function literal calc.Double is instrumented by go
// test but not in the total. Without the source, every block counts (as
// go test -cover does) and a warning says so.
func TestTotalLeavesOutPackageLevelFuncLiterals(t *testing.T) {
	t.Parallel()
	mod := calcModule(t)
	profile := goTestProfile(t, mod, "-covermode=set", "./...")
	s := analyzeFile(t, profile, mod)
	if s.Statements != 40 || s.Covered != 17 {
		t.Errorf("with source: %d/%d statements, want 17/40", s.Covered, s.Statements)
	}
	p, err := ParseFile(profile, FormatGo)
	if err != nil {
		t.Fatal(err)
	}
	noSource, err := Analyze(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if noSource.Statements != 41 || noSource.Covered != 17 {
		t.Errorf("without source: %d/%d statements, want 17/41 (Double's block counted)", noSource.Covered, noSource.Statements)
	}
	// A source tree without the module: every block counts, with a warning.
	elsewhere, err := OpenSource(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Analyze(p, elsewhere)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Statements != 41 || len(s2.Warnings) != 1 || !strings.Contains(s2.Warnings[0], "4 Go file(s)") {
		t.Errorf("module not in tree: %d statements, warnings %q", s2.Statements, s2.Warnings)
	}
}

// summaryJSON is the golden form of a summary.
func summaryJSON(t testing.TB, s *Summary) []byte {
	t.Helper()
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(data, '\n')
}

func checkGolden(t testing.TB, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update rewrites it):\n%s", file, diff)
	}
}

// The whole summary of a real -coverpkg profile, line hits included, is
// pinned by a golden file.
func TestSummaryGolden(t *testing.T) {
	t.Parallel()
	mod := calcModule(t)
	profile := goTestProfile(t, mod, "-covermode=count", "-coverpkg=./...", "./...")
	checkGolden(t, "calc-coverpkg-count.json", summaryJSON(t, analyzeFile(t, profile, mod)))
}

// Merging: a block counts once however many times it appears; in count
// mode the counts add up, in set mode they are or-ed; Merge of two parsed
// profiles equals parsing them concatenated.
func TestMergeRealProfiles(t *testing.T) {
	t.Parallel()
	mod := calcModule(t)
	for _, mode := range []string{"set", "count"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			one := goTestProfile(t, mod, "-covermode="+mode, "./...")
			p1, err := ParseFile(one, FormatAuto)
			if err != nil {
				t.Fatal(err)
			}
			twice, err := ParseFile(concat(t, one, one), FormatAuto)
			if err != nil {
				t.Fatal(err)
			}
			merged, err := Merge(p1, p1)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(twice.Files, merged.Files); diff != "" {
				t.Errorf("Merge differs from parsing the concatenation (-concat +merge):\n%s", diff)
			}
			if merged.Mode != mode || len(twice.Files) != len(p1.Files) {
				t.Fatalf("mode %q, %d files, want %q and %d", merged.Mode, len(twice.Files), mode, len(p1.Files))
			}
			for i, f := range p1.Files {
				if len(twice.Files[i].Blocks) != len(f.Blocks) {
					t.Fatalf("%s: %d blocks after merging, want %d", f.Name, len(twice.Files[i].Blocks), len(f.Blocks))
				}
				for j, b := range f.Blocks {
					want := b.Count * 2
					if mode == "set" {
						want = b.Count
					}
					if got := twice.Files[i].Blocks[j].Count; got != want {
						t.Errorf("%s block %d: count %d, want %d", f.Name, j, got, want)
					}
				}
			}
		})
	}
}

// A block seen with two statement counts is of two versions of the
// source: an input error naming the file and line, or both profiles.
func TestInconsistentNumStmt(t *testing.T) {
	t.Parallel()
	mod := calcModule(t)
	profile := goTestProfile(t, mod, "-covermode=set", "./stats")
	data, err := os.ReadFile(profile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	// Change the statement count of the first block.
	fields := strings.Fields(lines[1])
	fields[1] = "7"
	changed := strings.Join(append([]string{"mode: set"}, strings.Join(fields, " ")), "\n") + "\n"
	_, err = Parse(strings.NewReader(string(data)+changed), "two.out", FormatAuto)
	want := fmt.Sprintf(`parsing coverprofile "two.out": line %d: inconsistent NumStmt for %s: changed from 2 to 7`, len(lines)+2, strings.Fields(lines[1])[0])
	if err == nil || err.Error() != want || exitcode.Code(err) != exitcode.Usage {
		t.Errorf("err = %v (code %d)\nwant %s", err, exitcode.Code(err), want)
	}
	a, err := Parse(strings.NewReader(string(data)), "a.out", FormatGo)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(strings.NewReader(changed), "b.out", FormatGo)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Merge(a, b)
	if err == nil || !strings.Contains(err.Error(), `"b.out"`) || !strings.Contains(err.Error(), "a.out") || exitcode.Code(err) != exitcode.Usage {
		t.Errorf("Merge err = %v", err)
	}
}
