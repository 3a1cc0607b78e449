package gotest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/netfail"
	"github.com/goldenci/golden/result"
)

// realRun reads the go test -json output of a netfailtest scenario, as
// package netfail keeps it (go test ./netfail -run TestRealOutputs -update
// runs the real go test again).
func realRun(t testing.TB, scenario string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "netfail", "testdata", "real", scenario, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// dependencies are the modules the scenarios could not download.
var dependencies = []string{"example.invalid/dep", "github.com/google/go-cmp"}

// checkPackageCases checks that no case is named after a dependency and
// that each package's (package) case tells its own failure: the build
// output headed by the package, not another package's.
func checkPackageCases(t *testing.T, cases []result.TestCase) {
	t.Helper()
	for _, c := range cases {
		for _, dep := range dependencies {
			if strings.HasPrefix(c.Suite, dep) {
				t.Errorf("the dependency %s shows up as a test: %+v", dep, c)
			}
		}
		if c.Name != PackageCase {
			continue
		}
		header, _, _ := strings.Cut(c.Output, "\n")
		if (header != "# "+c.Suite && !strings.HasPrefix(header, "# "+c.Suite+" [")) || strings.Contains(c.Output, "\n# ") {
			t.Errorf("the case of %s does not tell its own failure alone:\n%s", c.Suite, c.Output)
		}
	}
}

// TestParseRealNetworkFailures reads the real output of go test when the
// module proxy (or the checksum database) cannot be reached: every package
// that needs the module failed to set up, under the dependency's import
// path. Report.Network says why; the cases are the packages, each with its
// own output, and the package that needs nothing passes.
func TestParseRealNetworkFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		scenario string
		host     string
		packages []string // the packages whose setup failed
	}{
		{"go-test-refused", "127.0.0.1:1", []string{"example.com/app", "example.com/app/sub", "example.com/app/tonly"}},
		{"go-test-nxdomain", "proxy.invalid", []string{"example.com/app", "example.com/app/sub", "example.com/app/tonly"}},
		{"go-test-list-refused", "127.0.0.1:1", []string{"example.com/app", "example.com/app/sub", "example.com/app/tonly"}},
		{"go-test-sumdb-refused", "127.0.0.1:1", []string{"example.com/app"}},
		{"go-test-proxy-503", "127.0.0.1:", []string{"example.com/app", "example.com/app/sub", "example.com/app/tonly"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			rep, err := Parse(bytes.NewReader(realRun(t, tc.scenario)), "go-test.json")
			if err != nil {
				t.Fatal(err)
			}
			if rep.Network == nil || !strings.HasPrefix(rep.Network.Host, tc.host) {
				t.Fatalf("Network = %+v, want a failure reaching %s", rep.Network, tc.host)
			}
			checkPackageCases(t, rep.Cases)
			var failed []string
			for _, c := range rep.Failed() {
				if c.Name != PackageCase {
					t.Errorf("failed test %s.%s: only packages failed to set up", c.Suite, c.Name)
				}
				failed = append(failed, c.Suite)
			}
			if strings.Join(failed, ",") != strings.Join(tc.packages, ",") {
				t.Errorf("failed packages %v, want %v", failed, tc.packages)
			}
			if rep.Summary.Packages == len(tc.packages)+1 && rep.Summary.Passed != 1 {
				t.Errorf("summary %s: the package that needs no module must pass", rep.Summary)
			}
		})
	}
}

// TestParseRealNoNetworkFailure reads real runs that failed for other
// reasons, some of them quoting a network error: a proxy that answers
// 404 (the module does not exist), a compile error quoting a string
// constant, a test that fails dialing. None is a network failure.
func TestParseRealNoNetworkFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		scenario string
		failed   []string // Suite.Name
	}{
		{"go-test-proxy-404", []string{"example.com/app.(package)", "example.com/app/sub.(package)", "example.com/app/tonly.(package)"}},
		{"go-test-quoted-compile-error", []string{"example.com/quoted.(package)"}},
		{"go-test-test-output", []string{"example.com/dialer.TestDial"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			rep, err := Parse(bytes.NewReader(realRun(t, tc.scenario)), "go-test.json")
			if err != nil {
				t.Fatal(err)
			}
			if rep.Network != nil {
				t.Errorf("Network = %+v, want none", rep.Network)
			}
			checkPackageCases(t, rep.Cases)
			var failed []string
			for _, c := range rep.Failed() {
				failed = append(failed, c.Suite+"."+c.Name)
			}
			if strings.Join(failed, ",") != strings.Join(tc.failed, ",") {
				t.Errorf("failed %v, want %v", failed, tc.failed)
			}
		})
	}
}

// TestParseTruncatedNetworkFailure cuts the package events out of a real
// run, as a stream that ends early or a go older than 1.24 leaves the
// build failures without a package naming them: each still makes the
// case of the package its header names, not of the dependency, and the
// network failure is still found.
func TestParseTruncatedNetworkFailure(t *testing.T) {
	t.Parallel()
	var kept bytes.Buffer
	for _, line := range bytes.SplitAfter(realRun(t, "go-test-refused"), []byte("\n")) {
		if bytes.Contains(line, []byte(`"FailedBuild"`)) || bytes.Contains(line, []byte("[setup failed]")) {
			continue
		}
		kept.Write(line)
	}
	rep, err := Parse(&kept, "go-test.json")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Network == nil || rep.Network.Host != "127.0.0.1:1" {
		t.Errorf("Network = %+v", rep.Network)
	}
	checkPackageCases(t, rep.Cases)
	var failed []string
	for _, c := range rep.Failed() {
		failed = append(failed, c.Suite+"."+c.Name)
	}
	if want := "example.com/app.(package),example.com/app/sub.(package),example.com/app/tonly.(package)"; strings.Join(failed, ",") != want {
		t.Errorf("failed %v, want %s", failed, want)
	}
}

// TestParseRealNetworkFailureWithoutEvents reads the real output of go test
// on a module whose module graph needs a go.mod it cannot download (go
// 1.16: not pruned), with its standard error merged in as "go test -json
// 2>&1" does: no events, and the go command's own line says why. That is
// a network failure (exit 3), not a malformed file.
func TestParseRealNetworkFailureWithoutEvents(t *testing.T) {
	t.Parallel()
	stderr, err := os.ReadFile(filepath.Join("..", "netfail", "testdata", "real", "go-test-graph-refused", "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	merged := append(stderr, realRun(t, "go-test-graph-refused")...)
	_, err = Parse(bytes.NewReader(merged), "go-test.json")
	if exitcode.Code(err) != exitcode.Infra || !errors.Is(err, netfail.ErrNetwork) || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("err %v (exit %d), want a network failure reaching 127.0.0.1:1", err, exitcode.Code(err))
	}
	// Without the go command's line, it is what it was: no events.
	_, err = Parse(bytes.NewReader(realRun(t, "go-test-graph-refused")), "go-test.json")
	if exitcode.Code(err) != exitcode.Usage {
		t.Errorf("err %v (exit %d), want bad input", err, exitcode.Code(err))
	}
}
