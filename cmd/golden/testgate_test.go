package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/result"
)

// goTestOutput is real go test -json output kept by the gotest tests:
// mod.json, of a module with failing, skipped and panicking tests, a
// build failure and a failing TestMain; timeout.json, of a test that hung
// past -timeout.
func goTestOutput(name string) string {
	return filepath.Join(testtool.Root(), "gotest", "testdata", name)
}

// passingOutput derives a passing run from the real output: the events of
// the fixture's passing package and of its package without tests.
func passingOutput(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(goTestOutput("mod.json"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if strings.Contains(l, `"Package":"example.com/gotestfixture/pass"`) || strings.Contains(l, `"Package":"example.com/gotestfixture/notests"`) {
			b.WriteString(l)
		}
	}
	path := filepath.Join(t.TempDir(), "pass.json")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTestGateFailing(t *testing.T) {
	t.Parallel()
	got := golden(t, nil, "test-gate", "--go-test-json", goTestOutput("mod.json"))
	if got.code != exitcode.Failed {
		t.Errorf("exit code = %d, want %d", got.code, exitcode.Failed)
	}
	if got.stderr != "golden test-gate: 6 of 13 tests failed, in 3 of 5 packages\n" {
		t.Errorf("stderr = %q", got.stderr)
	}
	for _, want := range []string{
		"--- FAIL: example.com/gotestfixture/broken (package) (0.00s)\n" +
			"    # example.com/gotestfixture/broken [example.com/gotestfixture/broken.test]\n" +
			"    broken/broken.go:5:28: cannot use \"not an int\" (untyped string constant) as int value in return statement\n",
		"--- FAIL: example.com/gotestfixture/fail TestFails (0.00s)\n        fail_test.go:6: about to fail\n        fail_test.go:7: got 1, want 2\n",
		"--- FAIL: example.com/gotestfixture/fail TestSubFails (0.00s)\n--- FAIL: example.com/gotestfixture/fail TestSubFails/bad_case (0.00s)\n        fail_test.go:15: sub failed\n",
		"--- FAIL: example.com/gotestfixture/fail TestPanics (0.00s)\n    panic: assignment to entry in nil map",
		"    setup failed: no database\n",
		"\n13 tests: 5 passed, 6 failed, 2 skipped; 5 packages, 3 failed (",
	} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("stdout does not contain %q:\n%s", want, got.stdout)
		}
	}
	if strings.Contains(got.stdout, "TestPasses") || strings.Contains(got.stdout, "TestSkipped") {
		t.Errorf("stdout shows tests that did not fail:\n%s", got.stdout)
	}
}

func TestTestGatePassingAndResult(t *testing.T) {
	t.Parallel()
	res := filepath.Join(t.TempDir(), "result.json")
	got := golden(t, map[string]string{"GOLDEN_RESULT": res}, "test-gate", "--go-test-json", passingOutput(t))
	if got.code != exitcode.Passed || got.stderr != "" || !strings.HasPrefix(got.stdout, "5 tests: 3 passed, 0 failed, 2 skipped; 2 packages, 0 failed (") {
		t.Errorf("code %d, stdout %q, stderr %q", got.code, got.stdout, got.stderr)
	}
	run, err := result.Load(res)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := run.Stage("test")
	if !ok || st.Status != result.Passed || len(st.Tests) != 5 || st.Error != "" || !strings.HasPrefix(st.Summary, "5 tests: 3 passed") {
		t.Fatalf("stage = %+v", st)
	}
	// The stage is the go test run: it starts at its first event.
	if st.StartedAt.IsZero() || st.StartedAt.Equal(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("StartedAt = %v is the command's clock, want the first event's time", st.StartedAt)
	}
	if c := st.Tests[3]; c.Name != "TestTable/two" || c.Status != result.Skipped || c.Output != "    pass_test.go:15: two is skipped on purpose\n" {
		t.Errorf("tests[3] = %+v", c)
	}
}

func TestTestGateJSON(t *testing.T) {
	t.Parallel()
	res := filepath.Join(t.TempDir(), "result.json")
	got := golden(t, nil, "test-gate", "--go-test-json", goTestOutput("timeout.json"), "--json", "--result", res, "--stage", "unit")
	if got.code != exitcode.Failed || got.stderr != "golden test-gate: 1 of 2 tests failed, in 1 of 1 packages\n" {
		t.Fatalf("code %d, stderr %q", got.code, got.stderr)
	}
	var v testVerdict
	if err := json.Unmarshal([]byte(got.stdout), &v); err != nil {
		t.Fatalf("--json output: %v\n%s", err, got.stdout)
	}
	if v.Passed || v.Summary.Failed != 1 || v.Summary.Passed != 1 || len(v.Tests) != 2 || len(v.Failed) != 1 {
		t.Fatalf("verdict = %+v", v)
	}
	if f := v.Failed[0]; f.Name != "TestHang" || !strings.Contains(f.Output, "panic: test timed out after 2s") {
		t.Errorf("failed = %+v", f)
	}
	run, err := result.Load(res)
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := run.Stage("unit"); !ok || st.Status != result.Failed || len(st.Tests) != 2 || st.Error != "1 of 2 tests failed, in 1 of 1 packages" {
		t.Errorf("stage = %+v", st)
	}
}

func TestTestGateStdin(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(passingOutput(t))
	if err != nil {
		t.Fatal(err)
	}
	// go's own messages, merged in from stderr, are kept and shown.
	in := append([]byte("go: downloading example.com/dep v1.0.0\n"), data...)
	got := gateRunStdin(t, in, "test-gate", "--go-test-json", "-", "--json")
	var v testVerdict
	if err := json.Unmarshal([]byte(got.stdout), &v); err != nil {
		t.Fatalf("code %d, --json output: %v\n%s\n%s", got.code, err, got.stdout, got.stderr)
	}
	if got.code != exitcode.Passed || !v.Passed || v.Output != "go: downloading example.com/dep v1.0.0\n" || len(v.Failed) != 0 || v.Summary.Total() != 5 {
		t.Errorf("code %d, verdict %+v", got.code, v)
	}
	got = gateRunStdin(t, in, "test-gate", "--go-test-json", "-")
	if got.code != exitcode.Passed || !strings.HasPrefix(got.stdout, "output that was not go test -json:\n    go: downloading example.com/dep v1.0.0\n5 tests:") {
		t.Errorf("code %d, stdout %q", got.code, got.stdout)
	}
}

func TestTestGateBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.json")
	broken := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(broken, []byte("go: warning\n{\"Action\":\"start\",\"Package\":\"p\"}\n{\"Action\":\"pass\",\"Package\":\"p\",\"Elapsed\":\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nope.json")
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{name: "no input", args: nil, stderr: "golden test-gate: --go-test-json is required (see 'golden test-gate --help')\n"},
		{name: "empty", args: []string{"--go-test-json", empty}, stderr: "golden test-gate: parsing go test -json output \"" + empty + "\": no go test -json events\n"},
		{name: "broken line", args: []string{"--go-test-json", broken}, stderr: "golden test-gate: parsing go test -json output \"" + broken + "\": line 3: unexpected end of JSON input\n"},
		{name: "missing", args: []string{"--go-test-json", missing}, stderr: "golden test-gate: reading go test -json output: open " + missing + ": no such file or directory\n"},
		{name: "stray argument", args: []string{"--go-test-json", empty, "x"}, stderr: "golden test-gate: unexpected argument \"x\" (see 'golden test-gate --help')\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := golden(t, nil, append([]string{"test-gate"}, tt.args...)...)
			if got.code != exitcode.Usage || got.stderr != tt.stderr || got.stdout != "" {
				t.Errorf("code %d, stdout %q, stderr %q\nwant %d, stderr %q", got.code, got.stdout, got.stderr, exitcode.Usage, tt.stderr)
			}
		})
	}
}
