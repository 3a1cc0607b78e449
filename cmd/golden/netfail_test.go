package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/result"
)

// realNetfail is a file of a real run of package netfailtest's scenarios,
// as package netfail keeps it under testdata/real (go test ./netfail -run
// TestRealOutputs -update runs the tools again).
func realNetfail(scenario, file string) string {
	return filepath.Join(testtool.Root(), "netfail", "testdata", "real", scenario, file)
}

// TestTestGateNetworkFailure feeds test-gate the real go test -json output
// of a module whose dependency cannot be downloaded (the module proxy
// refuses connections, does not resolve, answers 503; the checksum
// database refuses): exit 3, saying why, and the stage errored. The
// packages are shown under their own names, never the dependency's. A
// proxy that answers 404 (the module does not exist) and a compile error
// that quotes a network error stay failed tests (exit 1).
func TestTestGateNetworkFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		scenario string
		code     int
		host     string
	}{
		{"go-test-refused", exitcode.Infra, "127.0.0.1:1"},
		{"go-test-nxdomain", exitcode.Infra, "proxy.invalid"},
		{"go-test-sumdb-refused", exitcode.Infra, "127.0.0.1:1"},
		{"go-test-proxy-503", exitcode.Infra, "127.0.0.1:"},
		{"go-test-proxy-404", exitcode.Failed, ""},
		{"go-test-quoted-compile-error", exitcode.Failed, ""},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			res := filepath.Join(t.TempDir(), "result.json")
			got := golden(t, nil, "test-gate", "--go-test-json", realNetfail(tc.scenario, "stdout"), "--result", res)
			if got.code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", got.code, tc.code, got.stdout, got.stderr)
			}
			if strings.Contains(got.stdout, "example.invalid/dep (package)") || strings.Contains(got.stdout, "go-cmp/cmp (package)") {
				t.Errorf("a dependency shows up as a failed package:\n%s", got.stdout)
			}
			run, err := result.Load(res)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := run.Stage("test")
			if tc.code != exitcode.Infra {
				if strings.Contains(got.stdout+got.stderr, "network failure") || st.Status != result.Failed {
					t.Errorf("stage %+v, output:\n%s%s", st, got.stdout, got.stderr)
				}
				return
			}
			if !strings.HasPrefix(got.stderr, "golden test-gate: go test could not download modules: network failure: ") || !strings.Contains(got.stderr, tc.host) {
				t.Errorf("stderr does not say it is a network failure reaching %s: %q", tc.host, got.stderr)
			}
			if !strings.Contains(got.stdout, "network failure: ") || !strings.Contains(got.stdout, "--- FAIL: example.com/app (package)") {
				t.Errorf("stdout:\n%s", got.stdout)
			}
			if st.Status != result.Errored || !strings.Contains(st.Error, "network failure") {
				t.Errorf("stage %+v, want errored with the network failure", st)
			}
		})
	}
}

// TestTestGateNetworkFailureJSON: --json says the run did not pass and why.
func TestTestGateNetworkFailureJSON(t *testing.T) {
	t.Parallel()
	got := golden(t, nil, "test-gate", "--go-test-json", realNetfail("go-test-refused", "stdout"), "--json")
	var v testVerdict
	if err := json.Unmarshal([]byte(got.stdout), &v); err != nil {
		t.Fatalf("--json output: %v\n%s", err, got.stdout)
	}
	if got.code != exitcode.Infra || v.Passed || !strings.Contains(v.Network, "could not reach 127.0.0.1:1 (connection refused)") {
		t.Errorf("code %d, verdict %+v", got.code, v)
	}
}

// TestTestGateNetworkFailureStdin: go test's own error merged into the
// stream (go test -json 2>&1), when it could not list any package.
func TestTestGateNetworkFailureStdin(t *testing.T) {
	t.Parallel()
	stderr, err := os.ReadFile(realNetfail("go-test-graph-refused", "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	got := gateRunStdin(t, stderr, "test-gate", "--go-test-json", "-")
	if got.code != exitcode.Infra || !strings.Contains(got.stderr, "network failure: could not reach 127.0.0.1:1 (connection refused)") {
		t.Errorf("code %d, stderr %q", got.code, got.stderr)
	}
}

// TestLintGateNetworkFailure feeds lint-gate the real golangci-lint reports
// of a module whose dependency cannot be downloaded: exit 3, not a
// typecheck finding. A compile error that quotes a network error stays a
// finding (exit 1).
func TestLintGateNetworkFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		scenario string
		code     int
		host     string
	}{
		{"golangci-lint-refused", exitcode.Infra, "127.0.0.1:1"},
		{"golangci-lint-nxdomain", exitcode.Infra, "proxy.invalid"},
		{"golangci-lint-quoted-compile-error", exitcode.Failed, ""},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			res := filepath.Join(t.TempDir(), "result.json")
			got := golden(t, nil, "lint-gate", "--format", "golangci-lint", "--report", realNetfail(tc.scenario, "report.json"), "--result", res)
			if got.code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", got.code, tc.code, got.stdout, got.stderr)
			}
			run, err := result.Load(res)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := run.Stage("lint")
			if tc.code != exitcode.Infra {
				if len(st.Findings) != 1 || st.Findings[0].RuleID != "typecheck" {
					t.Errorf("stage %+v, want the compile error as a finding", st)
				}
				return
			}
			if !strings.Contains(got.stderr, "golangci-lint could not load the packages") || !strings.Contains(got.stderr, "network failure: ") || !strings.Contains(got.stderr, tc.host) {
				t.Errorf("stderr %q", got.stderr)
			}
			if st.Status != result.Errored || len(st.Findings) != 0 {
				t.Errorf("stage %+v, want errored without findings", st)
			}
		})
	}
}
