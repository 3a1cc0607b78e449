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
//
// A package whose setup failed because the go command could not download or
// verify a module (an unreachable GOPROXY, a name that does not resolve, a
// checksum database that does not answer) is reported as what it is: the
// package's own (package) case says so, and Report.Network names the
// network failure, which callers treat as infrastructure (exit 3) rather
// than as failed tests. The go command reports such a failure under the
// import path of the dependency it could not get; no case is ever named
// after that dependency.
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
	"github.com/goldenci/golden/netfail"
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
	// Network is set when the go command could not reach the network
	// (package netfail): the setup of a package failed because a module
	// could not be downloaded or verified, or the go command said so in a
	// line of its own ("go: m@v1: Get ...: dial tcp ..."). The failed
	// packages then say nothing about the tests. Only what the go command
	// itself printed is read, never a test's output.
	Network *netfail.Failure
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
	setupFailed bool   // go test said "FAIL\tpkg [setup failed]"
	build       *build // the failed build that tells why, once assembled
	output      strings.Builder
	tests       []*test
	byName      map[string]*test
}

// build is the output of one build action: the build-output events of an
// ImportPath up to its build-fail. The go command reports the setup failure
// of every package that needs a module it could not get under the
// ImportPath of that module's package, one build after the other, each
// headed "# PACKAGE"; a compile failure is headed by the package compiled.
type build struct {
	importPath string
	output     strings.Builder
	failed     bool
	claimed    bool // a package's case tells it
	orphan     bool // no package's fail event names it
}

// header is the package the build's first line names ("# example.com/app"
// or "# example.com/app [example.com/app.test]"), or "".
func (b *build) header() string {
	first, _, _ := strings.Cut(b.output.String(), "\n")
	name, ok := strings.CutPrefix(first, "# ")
	if !ok {
		return ""
	}
	name, _, _ = strings.Cut(strings.TrimSpace(name), " ")
	return name
}

// setup reports whether the build is a package's setup failure: its
// header names another package than its ImportPath (the dependency).
func (b *build) setup() bool {
	h := b.header()
	ip, _, _ := strings.Cut(b.importPath, " ")
	return h != "" && h != ip
}

// builds are the build actions of a stream, by ImportPath in order.
type builds struct {
	byPath map[string][]*build
	failed []*build // in the order of their build-fail events
}

// current returns the build of ip that events go to, starting a new one
// after a build-fail.
func (bs *builds) current(ip string) *build {
	list := bs.byPath[ip]
	if len(list) == 0 || list[len(list)-1].failed {
		list = append(list, &build{importPath: ip})
		bs.byPath[ip] = list
	}
	return list[len(list)-1]
}

// claim returns the failed build of ip that tells why package name
// failed: with byHeader, the first unclaimed build headed by the package;
// otherwise the first unclaimed build, else (a build several packages
// depend on) the last one. It returns nil when there is none.
func (bs *builds) claim(ip, name string, byHeader bool) *build {
	var last *build
	for _, b := range bs.byPath[ip] {
		if !b.failed {
			continue
		}
		last = b
		if b.claimed || (byHeader && b.header() != name) {
			continue
		}
		b.claimed = true
		return b
	}
	if byHeader {
		return nil
	}
	return last
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
// passed; when the go command's own lines in it ("go: ...", merged in from
// its standard error) say it could not reach the network, the error is an
// infrastructure failure (exit 3, wrapping netfail.ErrNetwork).
func Parse(r io.Reader, name string) (*Report, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	pkgs := map[string]*pkg{}
	bs := &builds{byPath: map[string][]*build{}}
	var stray strings.Builder
	var span timeSpan
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
				return nil, exitcode.Inputf("parsing go test -json output %q: line %d: %w", name, lineNo, jerr)
			}
			if ev.Action == "" {
				return nil, exitcode.Inputf("parsing go test -json output %q: line %d: event has no Action", name, lineNo)
			}
			events++
			span.add(ev.Time)
			if ev.ImportPath != "" && ev.Package == "" {
				bs.event(&ev)
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
		return nil, noEvents(name, bs, stray.String())
	}
	rep := &Report{Output: stray.String()}
	rep.Cases, rep.Summary = assemble(pkgs, bs)
	rep.Network = network(pkgs, bs, rep.Output)
	if !span.first.IsZero() {
		rep.Summary.Started = span.first.UTC()
		rep.Summary.Seconds = span.last.Sub(span.first).Seconds()
	}
	return rep, nil
}

// timeSpan is the first and last time of the events.
type timeSpan struct{ first, last time.Time }

func (s *timeSpan) add(t *time.Time) {
	if t == nil || t.IsZero() {
		return
	}
	if s.first.IsZero() || t.Before(s.first) {
		s.first = *t
	}
	if t.After(s.last) {
		s.last = *t
	}
}

// event records a build event (go 1.24+: ImportPath without Package).
func (bs *builds) event(ev *event) {
	b := bs.current(ev.ImportPath)
	switch ev.Action {
	case "build-output":
		if ev.Output != nil {
			b.output.WriteString(*ev.Output)
		}
	case "build-fail":
		b.failed = true
		bs.failed = append(bs.failed, b)
	}
}

// noEvents is the error of an output without a single event: the go
// command could not reach the network to load the packages (exit 3), or
// the output is not go test -json's (exit 2).
func noEvents(name string, bs *builds, stray string) error {
	if f := network(nil, bs, stray); f != nil {
		// The go command's own error, merged in from stderr: it could
		// not download what it needs to list the packages.
		return netfail.Error(fmt.Sprintf("go test -json output %q: no events: go could not load the packages", name), *f, "")
	}
	msg := fmt.Sprintf("parsing go test -json output %q: no go test -json events", name)
	if s := strings.TrimSpace(stray); s != "" {
		first, _, _ := strings.Cut(s, "\n")
		msg += fmt.Sprintf(" (the output starts with %q)", first)
	}
	return exitcode.InputError(errors.New(msg))
}

// apply records one test event of package p.
func apply(p *pkg, ev *event) {
	if ev.Test == "" {
		switch ev.Action {
		case "output":
			if ev.Output == nil {
				break
			}
			if isSetupFailed(*ev.Output, p.name) {
				p.setupFailed = true
			}
			if !isPackageFrame(*ev.Output, p.name) {
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

// isSetupFailed reports whether out is go test's line for a package whose
// setup failed ("FAIL\tpkg [setup failed]"): it could not be loaded, for
// example because a module it needs could not be downloaded.
func isSetupFailed(out, name string) bool {
	return strings.TrimRight(out, "\r\n") == "FAIL\t"+name+" [setup failed]"
}

// network looks for a network failure in what the go command printed
// about its own work: the builds that tell why a package's setup failed
// (or, no package naming them, are headed by another package than their
// ImportPath, as setup failures are), and its own "go: " lines among those
// that were not JSON. Compile errors and the tests' output are not read:
// they may quote network errors of the user's. It runs after assemble.
func network(pkgs map[string]*pkg, bs *builds, stray string) *netfail.Failure {
	var text strings.Builder
	setup := map[*build]bool{}
	for _, p := range pkgs {
		if p.setupFailed && p.build != nil {
			setup[p.build] = true
		}
	}
	for _, b := range bs.failed {
		if setup[b] || (b.orphan && b.setup()) {
			text.WriteString(b.output.String())
			text.WriteByte('\n')
		}
	}
	for _, line := range strings.Split(stray, "\n") {
		if strings.HasPrefix(line, "go: ") {
			text.WriteString(line)
			text.WriteByte('\n')
		}
	}
	if f, ok := netfail.Find(text.String()); ok {
		return &f
	}
	return nil
}

// unfinished is appended to the output of a test that never reported a
// result.
const unfinished = "(golden: no result was reported for this test: the test binary exited or was killed while it ran)\n"

// assemble turns the packages into cases, ordered by package name and then
// by the order the tests started, and counts them.
func assemble(pkgs map[string]*pkg, bs *builds) ([]result.TestCase, Summary) {
	names := make([]string, 0, len(pkgs))
	for n := range pkgs {
		names = append(names, n)
	}
	sort.Strings(names)
	// Each package that failed to build takes the build that names it,
	// then the others take the builds left (or share one).
	for _, byHeader := range []bool{true, false} {
		for _, n := range names {
			p := pkgs[n]
			if p.failedBuild == "" || p.build != nil {
				continue
			}
			p.build = bs.claim(p.failedBuild, n, byHeader)
		}
	}
	var cases []result.TestCase
	var sum Summary
	for _, n := range names {
		p := pkgs[n]
		sum.Packages++
		pc, failed := packageCases(p)
		cases = append(cases, pc...)
		if failed {
			sum.FailedPackages++
		}
	}
	cases, sum.FailedPackages = orphanBuilds(cases, pkgs, bs, sum.FailedPackages)
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

// packageCases are the test cases of one package, and whether it failed:
// its tests (a test that did not finish failed), and when the package
// failed without a failing test, a (package) case saying why.
func packageCases(p *pkg) ([]result.TestCase, bool) {
	var cases []result.TestCase
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
	if !failed || anyFailed {
		return cases, failed
	}
	var out strings.Builder
	if p.failedBuild != "" {
		if p.build != nil {
			out.WriteString(p.build.output.String())
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
	return append(cases, result.TestCase{Suite: p.name, Name: PackageCase, Status: result.Failed, Seconds: p.elapsed, Output: out.String()}), true
}

// orphanBuilds adds the build failures that no package event names (a
// truncated stream, a go command that stopped early, a go older than 1.24
// that did not set FailedBuild): they still fail the run, their output
// joining the case of the package they name, or making one. The package
// is the one the build's header names: a setup failure's ImportPath is
// the dependency's. It returns the cases and the failed packages' count.
func orphanBuilds(cases []result.TestCase, pkgs map[string]*pkg, bs *builds, failedPackages int) ([]result.TestCase, int) {
	for _, b := range bs.failed {
		if b.claimed {
			continue
		}
		b.claimed, b.orphan = true, true
		suite := b.header()
		if suite == "" {
			suite, _, _ = strings.Cut(b.importPath, " ")
		}
		if i, ok := packageCase(cases, suite); ok {
			cases[i].Output = b.output.String() + cases[i].Output
			continue
		}
		if p, ok := pkgs[suite]; !ok || (p.status != result.Failed && p.status != "") {
			failedPackages++
		}
		cases = append(cases, result.TestCase{Suite: suite, Name: PackageCase, Status: result.Failed, Output: b.output.String()})
	}
	return cases, failedPackages
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
