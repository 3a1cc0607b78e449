package coverage

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// realTool finds a tool that produces Cobertura or LCOV from real runs.
// These are Debian packages (gcc, gcovr, lcov) or the machine's node,
// not tools pinned in .tools, so a missing one skips the live test even
// in CI; the committed outputs of the same tools are tested regardless.
func realTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (apt-get install gcovr lcov; node comes with the machine): testing the committed output only", name)
	}
	return p
}

func run(t *testing.T, dir, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.Bytes()
}

func copyDir(t *testing.T, from, to string) {
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

// buildC compiles and runs the C fixture with gcov instrumentation in a
// temporary copy and returns its directory.
func buildC(t *testing.T) string {
	t.Helper()
	gcc := realTool(t, "gcc")
	realTool(t, "gcov")
	dir := t.TempDir()
	copyDir(t, filepath.Join("testdata", "c", "calc"), dir)
	run(t, dir, gcc, "--coverage", "-O0", "-o", "prog", "main.c", "src/calc.c")
	run(t, dir, filepath.Join(dir, "prog"))
	return dir
}

func writeOrUpdate(t *testing.T, committed string, data []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(committed, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// coberturaTotals reads the totals a Cobertura producer wrote: the root's
// lines-covered and lines-valid, and each package's line-rate.
func coberturaTotals(t *testing.T, data []byte) (covered, valid int, rates map[string]float64) {
	t.Helper()
	var doc struct {
		Covered  int `xml:"lines-covered,attr"`
		Valid    int `xml:"lines-valid,attr"`
		Packages []struct {
			Name string  `xml:"name,attr"`
			Rate float64 `xml:"line-rate,attr"`
		} `xml:"packages>package"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	rates = map[string]float64{}
	for _, p := range doc.Packages {
		name := p.Name
		if name == "" {
			name = "."
		}
		rates[name] = p.Rate
	}
	return doc.Covered, doc.Valid, rates
}

// checkCobertura compares golden's reading of a gcovr report with the
// numbers gcovr wrote into it.
func checkCobertura(t *testing.T, report []byte, source string) {
	t.Helper()
	p, err := Parse(bytes.NewReader(report), "gcovr.xml", FormatAuto)
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
	covered, valid, rates := coberturaTotals(t, report)
	if s.Covered != covered || s.Statements != valid {
		t.Errorf("total %d/%d lines, gcovr says %d/%d", s.Covered, s.Statements, covered, valid)
	}
	if len(s.Packages) != len(rates) {
		t.Errorf("packages %+v, gcovr has %v", s.Packages, rates)
	}
	for _, pkg := range s.Packages {
		if got, want := pkg.Percent/100, rates[pkg.Package]; got-want > 1e-9 || want-got > 1e-9 {
			t.Errorf("package %s: rate %v, gcovr says %v", pkg.Package, got, want)
		}
	}
	var paths []string
	for _, f := range s.Files {
		if !f.Present {
			t.Errorf("%s not found in %s", f.Path, source)
		}
		paths = append(paths, f.Path)
	}
	if got := strings.Join(paths, " "); got != "main.c src/calc.c" {
		t.Errorf("files = %s", got)
	}
}

func TestCoberturaFromGcovr(t *testing.T) {
	t.Parallel()
	committed := filepath.Join("testdata", "cobertura", "gcovr.xml")
	t.Run("committed", func(t *testing.T) {
		t.Parallel()
		data, err := os.ReadFile(committed)
		if err != nil {
			t.Fatal(err)
		}
		checkCobertura(t, data, filepath.Join("testdata", "c", "calc"))
	})
	t.Run("live", func(t *testing.T) {
		t.Parallel()
		dir := buildC(t)
		gcovr := realTool(t, "gcovr")
		run(t, dir, gcovr, "-r", ".", "--xml-pretty", "-o", "gcovr.xml")
		data, err := os.ReadFile(filepath.Join(dir, "gcovr.xml"))
		if err != nil {
			t.Fatal(err)
		}
		checkCobertura(t, data, dir)
		writeOrUpdate(t, committed, data)
	})
}

var lcovSummary = regexp.MustCompile(`lines\.+: [0-9.]+% \((\d+) of (\d+) lines\)`)

// lcovTotals asks lcov itself for a tracefile's line totals when it is
// installed, and sums the LH/LF lines otherwise; ok is false when neither
// is possible.
func lcovTotals(t *testing.T, file string) (hit, found int, ok bool) {
	t.Helper()
	if lcov, err := exec.LookPath("lcov"); err == nil {
		out, _ := exec.Command(lcov, "--summary", file).CombinedOutput()
		m := lcovSummary.FindSubmatch(out)
		if m == nil {
			t.Fatalf("lcov --summary %s:\n%s", file, out)
		}
		hit, _ = strconv.Atoi(string(m[1]))
		found, _ = strconv.Atoi(string(m[2]))
		return hit, found, true
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "LH:"); ok {
			n, _ := strconv.Atoi(v)
			hit += n
		}
		if v, ok := strings.CutPrefix(l, "LF:"); ok {
			n, _ := strconv.Atoi(v)
			found += n
		}
	}
	return hit, found, found > 0
}

// checkLCOV compares golden's reading of a tracefile with lcov's.
func checkLCOV(t *testing.T, file, source string, wantPaths string) *Summary {
	t.Helper()
	p, err := ParseFile(file, FormatAuto)
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
	if hit, found, ok := lcovTotals(t, file); ok && (s.Covered != hit || s.Statements != found) {
		t.Errorf("total %d/%d lines, lcov says %d/%d", s.Covered, s.Statements, hit, found)
	}
	var paths []string
	for _, f := range s.Files {
		if !f.Present {
			t.Errorf("%s (%s) not found in %s", f.Path, f.Name, source)
		}
		paths = append(paths, f.Path)
	}
	if got := strings.Join(paths, " "); got != wantPaths {
		t.Errorf("files = %s, want %s", got, wantPaths)
	}
	return s
}

// geninfo writes absolute paths of the machine it ran on: the committed
// file names /tmp/golden-c-fixture, found here by their longest suffix.
func TestLCOVFromGeninfo(t *testing.T) {
	t.Parallel()
	committed := filepath.Join("testdata", "lcov", "geninfo.info")
	t.Run("committed", func(t *testing.T) {
		t.Parallel()
		s := checkLCOV(t, committed, filepath.Join("testdata", "c", "calc"), "main.c src/calc.c")
		// lcov --summary: "lines......: 66.7% (10 of 15 lines)".
		if s.Statements != 15 || s.Covered != 10 {
			t.Errorf("%d/%d lines, want 10/15", s.Covered, s.Statements)
		}
	})
	t.Run("live", func(t *testing.T) {
		t.Parallel()
		dir := buildC(t)
		lcov := realTool(t, "lcov")
		run(t, dir, lcov, "-q", "-c", "-d", ".", "-o", "geninfo.info")
		checkLCOV(t, filepath.Join(dir, "geninfo.info"), dir, "main.c src/calc.c")
	})
}

// node --test writes relative paths.
func TestLCOVFromNode(t *testing.T) {
	t.Parallel()
	committed := filepath.Join("testdata", "lcov", "node.info")
	t.Run("committed", func(t *testing.T) {
		t.Parallel()
		s := checkLCOV(t, committed, filepath.Join("testdata", "node"), "math.js math.test.js")
		// lcov --summary: "lines......: 96.2% (25 of 26 lines)"; LH/LF agree.
		if s.Statements != 26 || s.Covered != 25 {
			t.Errorf("%d/%d lines, want 25/26", s.Covered, s.Statements)
		}
	})
	t.Run("live", func(t *testing.T) {
		t.Parallel()
		node := realTool(t, "node")
		dir := t.TempDir()
		copyDir(t, filepath.Join("testdata", "node"), dir)
		run(t, dir, node, "--test", "--experimental-test-coverage", "--test-reporter=lcov",
			"--test-reporter-destination=node.info", "math.test.js")
		out := filepath.Join(dir, "node.info")
		checkLCOV(t, out, dir, "math.js math.test.js")
		if *update {
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			writeOrUpdate(t, committed, data)
		}
	})
}

// Merging LCOV with Go: a polyglot repository reports one total over
// statements and lines.
func TestMergeAcrossFormats(t *testing.T) {
	t.Parallel()
	goP, err := Parse(strings.NewReader("mode: set\nexample.com/m/a.go:3.10,5.2 2 1\n"), "go.out", FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	lcovP, err := ParseFile(filepath.Join("testdata", "lcov", "node.info"), FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Merge(goP, lcovP)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Analyze(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Statements != 28 || s.Covered != 27 || len(s.Files) != 3 {
		t.Errorf("merged: %d/%d in %d files, want 27/28 in 3", s.Covered, s.Statements, len(s.Files))
	}
}
