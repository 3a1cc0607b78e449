package gotest

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/netfail"
	"github.com/goldenci/golden/result"
)

var update = flag.Bool("update", false, "rewrite testdata/*.json with the output of a fresh go test -json run")

// goTestJSON really runs "go test -json" with args in the fixture module
// dir and returns its standard output. go test exits 1 when tests fail,
// which the fixtures do on purpose.
func goTestJSON(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is not on PATH: %v", err)
	}
	cmd := exec.CommandContext(context.Background(), goBin, append([]string{"test", "-json", "-count=1"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && (!errors.As(err, &exit) || exit.ExitCode() != 1) {
		t.Fatalf("go test -json %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.Bytes()
}

// normalize drops what changes from run to run: durations, and panic
// stack traces (goroutine numbers, addresses).
func normalize(cases []result.TestCase) []result.TestCase {
	out := make([]result.TestCase, len(cases))
	for i, c := range cases {
		c.Seconds = 0
		if before, _, ok := strings.Cut(c.Output, "\ngoroutine "); ok {
			c.Output = before + "\n[stack]\n"
		}
		out[i] = c
	}
	return out
}

const (
	fixture      = "example.com/gotestfixture"
	buildFailure = "# example.com/gotestfixture/broken [example.com/gotestfixture/broken.test]\n" +
		"broken/broken.go:5:28: cannot use \"not an int\" (untyped string constant) as int value in return statement\n"
)

// wantFixture is what the fixture module under testdata/mod reports.
var wantFixture = []result.TestCase{
	{Suite: fixture + "/broken", Name: PackageCase, Status: result.Failed, Output: buildFailure},
	{Suite: fixture + "/fail", Name: "TestFails", Status: result.Failed,
		Output: "    fail_test.go:6: about to fail\n    fail_test.go:7: got 1, want 2\n"},
	{Suite: fixture + "/fail", Name: "TestPasses", Status: result.Passed},
	{Suite: fixture + "/fail", Name: "TestSubFails", Status: result.Failed},
	{Suite: fixture + "/fail", Name: "TestSubFails/ok", Status: result.Passed},
	{Suite: fixture + "/fail", Name: "TestSubFails/bad_case", Status: result.Failed, Output: "    fail_test.go:15: sub failed\n"},
	{Suite: fixture + "/fail", Name: "TestPanics", Status: result.Failed,
		Output: "panic: assignment to entry in nil map [recovered, repanicked]\n\n[stack]\n"},
	{Suite: fixture + "/mainexit", Name: PackageCase, Status: result.Failed, Output: "setup failed: no database\n"},
	{Suite: fixture + "/pass", Name: "TestAdd", Status: result.Passed},
	{Suite: fixture + "/pass", Name: "TestTable", Status: result.Passed},
	{Suite: fixture + "/pass", Name: "TestTable/one", Status: result.Passed},
	{Suite: fixture + "/pass", Name: "TestTable/two", Status: result.Skipped, Output: "    pass_test.go:15: two is skipped on purpose\n"},
	{Suite: fixture + "/pass", Name: "TestSkipped", Status: result.Skipped, Output: "    pass_test.go:22: not today\n"},
}

var wantFixtureSummary = Summary{Packages: 5, FailedPackages: 3, Passed: 5, Failed: 6, Skipped: 2}

// checkFixture asserts the report of the fixture module.
func checkFixture(t *testing.T, rep *Report) {
	t.Helper()
	if diff := cmp.Diff(wantFixture, normalize(rep.Cases)); diff != "" {
		t.Errorf("cases (-want +got):\n%s", diff)
	}
	sum := rep.Summary
	sum.Seconds, sum.Started = 0, time.Time{}
	if sum != wantFixtureSummary {
		t.Errorf("summary = %+v, want %+v", sum, wantFixtureSummary)
	}
	if rep.Summary.OK() {
		t.Error("Summary.OK() = true for a failing run")
	}
	if rep.Output != "" {
		t.Errorf("Output = %q, want none (go test -json wrote only JSON)", rep.Output)
	}
}

// TestParseRealGoTest runs the real go test on a fixture module with
// passing, failing, skipped and panicking tests, subtests, a package that
// does not compile, a TestMain that exits without a failing test and a
// package without tests. testdata/mod.json is that output, kept for the
// CLI tests and as a fuzz seed; -update rewrites it.
func TestParseRealGoTest(t *testing.T) {
	t.Parallel()
	out := goTestJSON(t, filepath.Join("testdata", "mod"), "./...")
	rep, err := Parse(bytes.NewReader(out), "go test -json")
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, out)
	}
	checkFixture(t, rep)
	if rep.Summary.Seconds <= 0 || rep.Summary.Started.IsZero() {
		t.Errorf("Summary.Started, Seconds = %v, %v; want the run's start and wall-clock time", rep.Summary.Started, rep.Summary.Seconds)
	}
	golden := filepath.Join("testdata", "mod.json")
	if *update {
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := ParseFile(golden)
	if err != nil {
		t.Fatalf("ParseFile: %v", err)
	}
	t.Run("committed copy", func(t *testing.T) { checkFixture(t, committed) })
}

// TestParseRealTimeout runs a real go test whose test hangs past
// -timeout: the hanging test never reports a result, so it must come out
// failed, with the panic in its output.
func TestParseRealTimeout(t *testing.T) {
	t.Parallel()
	out := goTestJSON(t, filepath.Join("testdata", "timeout"), "-timeout=2s", ".")
	golden := filepath.Join("testdata", "timeout.json")
	if *update {
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range map[string][]byte{"fresh": out, "committed": mustRead(t, golden)} {
		t.Run(name, func(t *testing.T) {
			rep, err := Parse(bytes.NewReader(data), name)
			if err != nil {
				t.Fatal(err)
			}
			want := []result.TestCase{
				{Suite: "example.com/gotesttimeout", Name: "TestQuick", Status: result.Passed},
				{Suite: "example.com/gotesttimeout", Name: "TestHang", Status: result.Failed,
					Output: "    hang_test.go:13: waiting forever\npanic: test timed out after 2s\n\trunning tests:\n\t\tTestHang (2s)\n\n[stack]\n"},
			}
			got := normalize(rep.Cases)
			if len(got) == 2 {
				// The stack is cut by normalize; the note follows it.
				if !strings.HasSuffix(rep.Cases[1].Output, unfinished) {
					t.Errorf("TestHang output does not end with the unfinished note: %q", rep.Cases[1].Output)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("cases (-want +got):\n%s", diff)
			}
			if s := rep.Summary; s.Failed != 1 || s.Passed != 1 || s.FailedPackages != 1 || s.OK() {
				t.Errorf("summary = %+v", s)
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// lines returns the committed real output of the fixture as lines.
func fixtureLines(t *testing.T) []string {
	t.Helper()
	return strings.SplitAfter(strings.TrimSuffix(string(mustRead(t, filepath.Join("testdata", "mod.json"))), "\n"), "\n")
}

// TestParseEdgeCases feeds variations of the real fixture output: streams
// cut short, with non-JSON lines, with broken lines.
func TestParseEdgeCases(t *testing.T) {
	t.Parallel()
	all := fixtureLines(t)
	find := func(substr string) int {
		for i, l := range all {
			if strings.Contains(l, substr) {
				return i
			}
		}
		t.Fatalf("no line of testdata/mod.json contains %q", substr)
		return -1
	}
	join := func(parts ...[]string) string {
		var b strings.Builder
		for _, p := range parts {
			for _, l := range p {
				b.WriteString(l)
				if !strings.HasSuffix(l, "\n") {
					b.WriteString("\n")
				}
			}
		}
		return b.String()
	}

	t.Run("non-JSON lines are kept", func(t *testing.T) {
		t.Parallel()
		in := join([]string{"go: downloading example.com/dep v1.0.0"}, all, []string{"FAIL"})
		rep, err := Parse(strings.NewReader(in), "merged.json")
		if err != nil {
			t.Fatal(err)
		}
		checkFixtureCasesOnly(t, rep)
		if rep.Output != "go: downloading example.com/dep v1.0.0\nFAIL\n" {
			t.Errorf("Output = %q", rep.Output)
		}
	})

	t.Run("CRLF line ends", func(t *testing.T) {
		t.Parallel()
		rep, err := Parse(strings.NewReader(strings.ReplaceAll(join(all), "\n", "\r\n")), "crlf.json")
		if err != nil {
			t.Fatal(err)
		}
		checkFixtureCasesOnly(t, rep)
	})

	t.Run("cut while a test runs", func(t *testing.T) {
		t.Parallel()
		// Up to and including TestFails' log line, before its result.
		cut := find(`"Output":"    fail_test.go:7: got 1, want 2\n"`)
		rep, err := Parse(strings.NewReader(join(all[:cut+1])), "cut.json")
		if err != nil {
			t.Fatal(err)
		}
		var got *result.TestCase
		for i := range rep.Cases {
			if rep.Cases[i].Name == "TestFails" {
				got = &rep.Cases[i]
			}
		}
		if got == nil || got.Status != result.Failed || !strings.HasSuffix(got.Output, "got 1, want 2\n"+unfinished) {
			t.Errorf("TestFails = %+v, want failed and marked unfinished", got)
		}
		if rep.Summary.OK() {
			t.Error("a cut stream passed")
		}
	})

	t.Run("cut before a package result", func(t *testing.T) {
		t.Parallel()
		// The pass package's tests all finished, but not the package.
		cut := find(`"Output":"ok  \texample.com/gotestfixture/pass`)
		rep, err := Parse(strings.NewReader(join(all[:cut])), "cut.json")
		if err != nil {
			t.Fatal(err)
		}
		i, ok := packageCase(rep.Cases, fixture+"/pass")
		if !ok || !strings.Contains(rep.Cases[i].Output, "no result was reported for this package") {
			t.Errorf("no failed (package) case for the cut package: %+v", rep.Cases)
		}
	})

	t.Run("build failure without package events", func(t *testing.T) {
		t.Parallel()
		var build []string
		for _, l := range all {
			if strings.Contains(l, `"ImportPath"`) {
				build = append(build, l)
			}
		}
		rep, err := Parse(strings.NewReader(join(build)), "build.json")
		if err != nil {
			t.Fatal(err)
		}
		want := []result.TestCase{{Suite: fixture + "/broken", Name: PackageCase, Status: result.Failed, Output: buildFailure}}
		if diff := cmp.Diff(want, rep.Cases); diff != "" {
			t.Errorf("cases (-want +got):\n%s", diff)
		}
		if rep.Summary.FailedPackages != 1 || rep.Summary.OK() {
			t.Errorf("summary = %+v", rep.Summary)
		}
	})

	t.Run("only passing packages", func(t *testing.T) {
		t.Parallel()
		var pass []string
		for _, l := range all {
			if strings.Contains(l, `"Package":"example.com/gotestfixture/pass"`) || strings.Contains(l, `/notests"`) {
				pass = append(pass, l)
			}
		}
		rep, err := Parse(strings.NewReader(join(pass)), "pass.json")
		if err != nil {
			t.Fatal(err)
		}
		if s := rep.Summary; !s.OK() || s.Packages != 2 || s.Passed != 3 || s.Skipped != 2 || s.Failed != 0 {
			t.Errorf("summary = %+v", s)
		}
		if len(rep.Failed()) != 0 {
			t.Errorf("Failed() = %+v", rep.Failed())
		}
	})
}

// checkFixtureCasesOnly asserts the cases of the fixture, and nothing of
// the output.
func checkFixtureCasesOnly(t *testing.T, rep *Report) {
	t.Helper()
	if diff := cmp.Diff(wantFixture, normalize(rep.Cases)); diff != "" {
		t.Errorf("cases (-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	all := fixtureLines(t)
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "empty", in: "", want: `parsing go test -json output "in.json": no go test -json events`},
		{name: "only text", in: "go: cannot find main module\n\nmore\n",
			want: `parsing go test -json output "in.json": no go test -json events (the output starts with "go: cannot find main module")`},
		{name: "broken line", in: all[0] + all[1] + "{\"Action\":\"output\",\"Package\":\n" + all[2],
			want: `parsing go test -json output "in.json": line 3: unexpected end of JSON input`},
		{name: "wrong type", in: all[0] + `{"Action":"pass","Package":"p","Elapsed":"soon"}` + "\n",
			want: `parsing go test -json output "in.json": line 2: json: cannot unmarshal string into Go struct field event.Elapsed of type float64`},
		{name: "no action", in: `{"Package":"p"}` + "\n", want: `parsing go test -json output "in.json": line 1: event has no Action`},
		{name: "bad time", in: `{"Time":"yesterday","Action":"start","Package":"p"}`,
			want: `parsing go test -json output "in.json": line 1: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(strings.NewReader(tt.in), "in.json")
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v\nwant  %s", err, tt.want)
			}
			if code := exitcode.Code(err); code != exitcode.Usage {
				t.Errorf("exit code = %d, want %d", code, exitcode.Usage)
			}
		})
	}
}

func TestParseFileMissing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, path := range []string{filepath.Join(dir, "nope.json"), dir} {
		_, err := ParseFile(path)
		if err == nil || !strings.Contains(err.Error(), path) || exitcode.Code(err) != exitcode.Usage {
			t.Errorf("%s: err = %v (code %d), want a bad-input error naming the file", path, err, exitcode.Code(err))
		}
	}
}

func TestSummaryString(t *testing.T) {
	t.Parallel()
	s := Summary{Packages: 3, FailedPackages: 1, Passed: 10, Failed: 1, Skipped: 1, Seconds: 4.24}
	if got, want := s.String(), "12 tests: 10 passed, 1 failed, 1 skipped; 3 packages, 1 failed (4.2s)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"mod.json", "timeout.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	// Real setup failures: the module proxy refused, answered 404.
	for _, scenario := range []string{"go-test-refused", "go-test-proxy-404"} {
		f.Add(realRun(f, scenario))
	}
	f.Add([]byte("not json\n{\"Action\":\"run\",\"Package\":\"p\",\"Test\":\"T\"}\n"))
	f.Add([]byte(`{"ImportPath":"p [p.test]","Action":"build-fail"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := Parse(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			// No events, and the go command said it could not reach
			// the network: infrastructure.
			network := errors.Is(err, netfail.ErrNetwork) && exitcode.Code(err) == exitcode.Infra
			if exitcode.Code(err) != exitcode.Usage && !network {
				t.Fatalf("error %v has exit code %d, want %d", err, exitcode.Code(err), exitcode.Usage)
			}
			if !strings.Contains(err.Error(), `"fuzz.json"`) {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		s := rep.Summary
		if s.Total() != len(rep.Cases) || s.Passed < 0 || s.Failed < 0 || s.Skipped < 0 || s.FailedPackages > s.Packages+len(rep.Cases) {
			t.Fatalf("summary %+v does not count %d cases", s, len(rep.Cases))
		}
		if s.OK() != (len(rep.Failed()) == 0 && s.FailedPackages == 0) {
			t.Fatalf("OK() = %v with %d failed cases", s.OK(), len(rep.Failed()))
		}
		for _, c := range rep.Cases {
			switch c.Status {
			case result.Passed:
				if c.Output != "" {
					t.Fatalf("passed case %q has output", c.Name)
				}
			case result.Failed, result.Skipped:
			default:
				t.Fatalf("case %q has status %q", c.Name, c.Status)
			}
			if c.Name == "" {
				t.Fatalf("case without a name: %+v", c)
			}
		}
		if n := rep.Network; n != nil && (n.Cause == "" || n.Line == "") {
			t.Fatalf("network failure without a cause or a line: %+v", n)
		}
	})
}
