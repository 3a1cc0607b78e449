// Package gotest reads the output of "go test -json" (test2json events,
// interleaved with the build events of "go build -json") into golden's
// result model: one result.TestCase per test, subtest and example, plus a
// case for every package that failed without a failing test (a build
// failure, a panic in TestMain, a test binary that exited early), so that no
// failure is lost.
//
// Lines that are not JSON (the go command prints some, for example when
// stderr is merged into the stream) are kept in Report.Output and are not an
// error; a line that starts like JSON but does not parse is.
package gotest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/result"
)

// PackageCase is the name of the test case that stands for a package which
// failed without a failing test: a build failure, a panic or os.Exit in
// TestMain, a test binary that exited early.
const PackageCase = "(package)"

// Report is what a go test -json stream says.
type Report struct {
	// Cases are the tests, ordered by package and then in the order they
	// started. Subtests are named "TestX/sub" as go test names them.
	Cases []result.TestCase
	// Summary counts the cases.
	Summary Summary
	// Output holds the lines of the stream that were not JSON, in order.
	Output string
}

// Summary counts the outcome of a go test run.
type Summary struct {
	// Packages is the number of packages go test reported on, including
	// packages without test files.
	Packages int `json:"packages"`
	// FailedPackages is the number of packages that failed.
	FailedPackages int `json:"failedPackages"`
	Passed         int `json:"passed"`
	Failed         int `json:"failed"`
	Skipped        int `json:"skipped"`
	// Started is the time of the first timestamped event; zero when the
	// events carry no time (go test omits it for cached results).
	Started time.Time `json:"started,omitzero"`
	// Seconds is the wall-clock time between the first and the last
	// timestamped event; 0 when the events carry no time.
	Seconds float64 `json:"seconds"`
}

// Total is the number of test cases.
func (s Summary) Total() int { return s.Passed + s.Failed + s.Skipped }

// OK reports whether nothing failed.
func (s Summary) OK() bool { return s.Failed == 0 && s.FailedPackages == 0 }

// String renders the summary for people:
// "12 tests: 10 passed, 1 failed, 1 skipped; 3 packages, 1 failed (4.2s)".
func (s Summary) String() string {
	return fmt.Sprintf("%d tests: %d passed, %d failed, %d skipped; %d packages, %d failed (%.1fs)",
		s.Total(), s.Passed, s.Failed, s.Skipped, s.Packages, s.FailedPackages, s.Seconds)
}

// Failed returns the failed cases, in report order.
func (r *Report) Failed() []result.TestCase {
	var failed []result.TestCase
	for _, c := range r.Cases {
		if c.Status == result.Failed {
			failed = append(failed, c)
		}
	}
	return failed
}

// event is one line of go test -json: a test2json TestEvent or a go build
// -json BuildEvent (which has ImportPath instead of Package).
type event struct {
	Time        *time.Time
	Action      string
	Package     string
	Test        string
	Elapsed     *float64
	Output      *string
	FailedBuild string
	ImportPath  string
}

// test is one test being assembled.
type test struct {
	name    string
	status  result.Status // "" until its result arrives
	seconds float64
	output  strings.Builder
}

// pkg is one package being assembled.
type pkg struct {
	name        string
	status      result.Status // "" until its result arrives
	elapsed     float64
	failedBuild string
	output      strings.Builder
	tests       []*test
	byName      map[string]*test
}

func (p *pkg) test(name string) *test {
	if t, ok := p.byName[name]; ok {
		return t
	}
	t := &test{name: name}
	p.byName[name] = t
	p.tests = append(p.tests, t)
	return t
}

// ParseFile reads the go test -json output in the file at path. "-" is not
// special here; callers that read stdin use Parse.
func ParseFile(path string) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, classifyOpen(fmt.Errorf("reading go test -json output: %w", err))
	}
	defer func() { _ = f.Close() }() // a reader: nothing to flush
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, exitcode.Inputf("reading go test -json output: %s is a directory", path)
	}
	return Parse(f, path)
}

// classifyOpen makes a file that is missing, unreadable or a directory bad
// input (exit 2) and anything else an infrastructure error.
func classifyOpen(err error) error {
	var pe *fs.PathError
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || !errors.As(err, &pe) {
		return exitcode.InputError(err)
	}
	return exitcode.InfraError(err)
}

// Parse reads go test -json output from r; name (the file name) is used
// in errors, which are classified as bad input (exit 2). A stream without
// any go test event is an error: a run that reported nothing has not
// passed.
func Parse(r io.Reader, name string) (*Report, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	pkgs := map[string]*pkg{}
	builds := map[string]*strings.Builder{} // build output by ImportPath
	var buildFailed []string                // ImportPaths whose build failed, in order
	var stray strings.Builder
	var first, last time.Time
	events := 0
	getPkg := func(name string) *pkg {
		p, ok := pkgs[name]
		if !ok {
			p = &pkg{name: name, byName: map[string]*test{}}
			pkgs[name] = p
		}
		return p
	}
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, exitcode.InfraError(fmt.Errorf("reading go test -json output %q: %w", name, err))
		}
		if len(line) == 0 && err != nil {
			break
		}
		trimmed := bytes.TrimSpace(line)
		switch {
		case len(trimmed) == 0:
		case trimmed[0] != '{':
			stray.Write(bytes.TrimRight(line, "\r\n"))
			stray.WriteByte('\n')
		default:
			var ev event
			if jerr := json.Unmarshal(trimmed, &ev); jerr != nil {
				return nil, exitcode.Inputf("parsing go test -json output %q: line %d: %v", name, lineNo, jerr)
			}
			if ev.Action == "" {
				return nil, exitcode.Inputf("parsing go test -json output %q: line %d: event has no Action", name, lineNo)
			}
			events++
			if ev.Time != nil && !ev.Time.IsZero() {
				if first.IsZero() || ev.Time.Before(first) {
					first = *ev.Time
				}
				if ev.Time.After(last) {
					last = *ev.Time
				}
			}
			if ev.ImportPath != "" && ev.Package == "" {
				// A build event.
				b, ok := builds[ev.ImportPath]
				if !ok {
					b = &strings.Builder{}
					builds[ev.ImportPath] = b
				}
				switch ev.Action {
				case "build-output":
					if ev.Output != nil {
						b.WriteString(*ev.Output)
					}
				case "build-fail":
					buildFailed = append(buildFailed, ev.ImportPath)
				}
				break
			}
			// A test event. Package is empty in the output of "go tool
			// test2json" run without -p: its tests get an empty suite.
			apply(getPkg(ev.Package), &ev)
		}
		if err != nil {
			break
		}
	}
	if events == 0 {
		msg := fmt.Sprintf("parsing go test -json output %q: no go test -json events", name)
		if s := strings.TrimSpace(stray.String()); s != "" {
			first, _, _ := strings.Cut(s, "\n")
			msg += fmt.Sprintf(" (the output starts with %q)", first)
		}
		return nil, exitcode.InputError(errors.New(msg))
	}
	rep := &Report{Output: stray.String()}
	rep.Cases, rep.Summary = assemble(pkgs, builds, buildFailed)
	if !first.IsZero() {
		rep.Summary.Started = first.UTC()
		rep.Summary.Seconds = last.Sub(first).Seconds()
	}
	return rep, nil
}

// apply records one test event of package p.
func apply(p *pkg, ev *event) {
	if ev.Test == "" {
		switch ev.Action {
		case "output":
			if ev.Output != nil && !isPackageFrame(*ev.Output, p.name) {
				p.output.WriteString(*ev.Output)
			}
		case "pass":
			p.status = result.Passed
		case "fail":
			p.status = result.Failed
			p.failedBuild = ev.FailedBuild
		case "skip":
			p.status = result.Skipped
		}
		if ev.Elapsed != nil {
			p.elapsed = *ev.Elapsed
		}
		return
	}
	t := p.test(ev.Test)
	switch ev.Action {
	case "output":
		if ev.Output != nil && !isTestFrame(*ev.Output, ev.Test) {
			t.output.WriteString(*ev.Output)
		}
	case "pass", "bench":
		t.status = result.Passed
	case "fail":
		t.status = result.Failed
	case "skip":
		t.status = result.Skipped
	}
	if ev.Elapsed != nil && ev.Action != "output" {
		t.seconds = *ev.Elapsed
	}
}

// isTestFrame reports whether out is one of test2json's framing lines for
// test name ("=== RUN   TestX", "--- FAIL: TestX (0.01s)", ...), which the
// status and seconds of the case already say.
func isTestFrame(out, name string) bool {
	line := strings.TrimSpace(out)
	for _, marker := range []string{"=== RUN", "=== PAUSE", "=== CONT", "=== NAME", "--- PASS:", "--- FAIL:", "--- SKIP:", "--- BENCH:"} {
		rest, ok := strings.CutPrefix(line, marker)
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		if rest == name || strings.HasPrefix(rest, name+" (") {
			return true
		}
	}
	return false
}

// isPackageFrame reports whether out is go test's closing line for package
// name ("ok  \tpkg\t0.1s", "FAIL\tpkg [build failed]", "PASS", "FAIL").
func isPackageFrame(out, name string) bool {
	line := strings.TrimRight(out, "\r\n")
	switch line {
	case "PASS", "FAIL":
		return true
	}
	for _, prefix := range []string{"ok  \t", "FAIL\t", "?   \t"} {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			return rest == name || strings.HasPrefix(rest, name+"\t") || strings.HasPrefix(rest, name+" ")
		}
	}
	return false
}

// unfinished is appended to the output of a test that never reported a
// result.
const unfinished = "(golden: no result was reported for this test: the test binary exited or was killed while it ran)\n"

// assemble turns the packages into cases, ordered by package name and then
// by the order the tests started, and counts them.
func assemble(pkgs map[string]*pkg, builds map[string]*strings.Builder, buildFailed []string) ([]result.TestCase, Summary) {
	names := make([]string, 0, len(pkgs))
	for n := range pkgs {
		names = append(names, n)
	}
	sort.Strings(names)
	var cases []result.TestCase
	var sum Summary
	usedBuilds := map[string]bool{}
	for _, n := range names {
		p := pkgs[n]
		sum.Packages++
		anyFailed := false
		for _, t := range p.tests {
			c := result.TestCase{Suite: p.name, Name: t.name, Status: t.status, Seconds: t.seconds}
			out := t.output.String()
			if c.Status == "" {
				c.Status = result.Failed
				out += unfinished
			}
			if c.Status != result.Passed {
				c.Output = out
			}
			if c.Status == result.Failed {
				anyFailed = true
			}
			cases = append(cases, c)
		}
		failed := p.status == result.Failed || p.status == "" || anyFailed
		if failed {
			sum.FailedPackages++
		}
		if !failed || anyFailed {
			continue
		}
		// The package failed, but no test of it did: say why in a case of
		// its own.
		var out strings.Builder
		if p.failedBuild != "" {
			usedBuilds[p.failedBuild] = true
			if b, ok := builds[p.failedBuild]; ok {
				out.WriteString(b.String())
			} else {
				fmt.Fprintf(&out, "build of %s failed\n", p.failedBuild)
			}
		}
		out.WriteString(p.output.String())
		if p.status == "" {
			out.WriteString("(golden: no result was reported for this package: the output is incomplete)\n")
		} else if out.Len() == 0 {
			out.WriteString("(golden: the package failed without a failing test and without output)\n")
		}
		cases = append(cases, result.TestCase{Suite: p.name, Name: PackageCase, Status: result.Failed, Seconds: p.elapsed, Output: out.String()})
	}
	// Build failures that no package event names (a truncated stream, a go
	// command that stopped early, a go older than 1.24 that did not set
	// FailedBuild) still fail the run: their output joins the package's
	// case, or makes one.
	for _, ip := range buildFailed {
		if usedBuilds[ip] {
			continue
		}
		usedBuilds[ip] = true
		suite, _, _ := strings.Cut(ip, " ")
		if i, ok := packageCase(cases, suite); ok {
			cases[i].Output = builds[ip].String() + cases[i].Output
			continue
		}
		if p, ok := pkgs[suite]; !ok || (p.status != result.Failed && p.status != "") {
			sum.FailedPackages++
		}
		cases = append(cases, result.TestCase{Suite: suite, Name: PackageCase, Status: result.Failed, Output: builds[ip].String()})
	}
	sort.SliceStable(cases, func(i, j int) bool { return cases[i].Suite < cases[j].Suite })
	for _, c := range cases {
		switch c.Status {
		case result.Passed:
			sum.Passed++
		case result.Failed:
			sum.Failed++
		case result.Skipped:
			sum.Skipped++
		}
	}
	return cases, sum
}

// packageCase finds the PackageCase case of suite.
func packageCase(cases []result.TestCase, suite string) (int, bool) {
	for i, c := range cases {
		if c.Suite == suite && c.Name == PackageCase {
			return i, true
		}
	}
	return 0, false
}
