// Package testtool finds the real tools (trivy, golangci-lint, git) that
// golden's tests run. .ci/run installs them into .tools/bin at the
// versions pinned in tools/versions.env.
package testtool

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/goldenci/golden/exitcode"
)

// Root is the repository root.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// RequireEnv is set (to 1) where the tools must be installed: .ci/run and
// make test, which install them first. Elsewhere (a laptop, golden's own
// test stage in a Go image, where CI=true but no tool is installed) a test
// that needs a missing tool is skipped.
const RequireEnv = "GOLDEN_REQUIRE_TOOLS"

// Required reports whether missing tools fail the tests (RequireEnv).
func Required() bool { return os.Getenv(RequireEnv) != "" }

// Path returns the path of the named tool, looked up in .tools/bin first
// and then on PATH. When the tool is missing the test fails where the
// tools must be installed (Required) and is skipped elsewhere with a
// hint.
func Path(t testing.TB, name string) string {
	t.Helper()
	local := filepath.Join(Root(), ".tools", "bin", name)
	if fi, err := os.Stat(local); err == nil && !fi.IsDir() {
		return local
	}
	return LookPath(t, name)
}

// LookPath returns the path of the named program on PATH, or calls
// Missing.
func LookPath(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name)
	}
	return p
}

// Missing ends a test that needs what, which is not installed: it fails
// where .ci/install-tools must have installed it (Required), and skips the
// test elsewhere with a hint.
func Missing(t testing.TB, what string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s is not installed: .ci/install-tools installs it", what)
	}
	t.Skipf("%s is not installed; run .ci/install-tools (or .ci/run) first", what)
}

var (
	pythonOnce sync.Once
	pythonPath string
)

// PytestPython returns a Python interpreter that has pytest and pytest-cov:
// the python3 on PATH, or Debian's /usr/bin/python3 (where the
// python3-pytest and python3-pytest-cov packages install them), which a
// pyenv or virtualenv python3 on PATH may hide. It calls Missing when
// there is none.
func PytestPython(t testing.TB) string {
	t.Helper()
	pythonOnce.Do(func() {
		var candidates []string
		for _, name := range []string{"python3", "python"} {
			if p, err := exec.LookPath(name); err == nil {
				candidates = append(candidates, p)
			}
		}
		candidates = append(candidates, "/usr/bin/python3")
		for _, py := range candidates {
			if exec.Command(py, "-c", "import pytest, pytest_cov").Run() == nil {
				pythonPath = py
				return
			}
		}
	})
	if pythonPath == "" {
		Missing(t, "pytest and pytest-cov (apt-get install python3-pytest python3-pytest-cov)")
	}
	return pythonPath
}

// SyncBuffer is a bytes.Buffer that goroutines may write to at once, for
// progress output of concurrent runs.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// AssertNoCanary fails the test when s, described by what, holds one of
// the canary secret values.
func AssertNoCanary(t testing.TB, what, s string, canaries ...string) {
	t.Helper()
	for _, c := range canaries {
		if strings.Contains(s, c) {
			t.Errorf("%s contains the canary %q: %s", what, c, s)
		}
	}
}

// AssertExit checks an error's exit code and, when kind is set, that it
// wraps kind.
func AssertExit(t testing.TB, err error, code int, kind error) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want exit code %d", code)
	}
	if got := exitcode.Code(err); got != code {
		t.Errorf("exit code = %d, want %d (err: %v)", got, code, err)
	}
	if kind != nil && !errors.Is(err, kind) {
		t.Errorf("error %q is not %v", err, kind)
	}
}

// WriteFiles writes files, by slash-separated path relative to dir, under
// dir, creating their directories.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// GolangciLint runs the real golangci-lint (see Path) in dir with args
// after "run", as golden's tests run it: modules from the module cache, no
// go.work, the local toolchain, and a cache and temporary directory of the
// test's own (golangci-lint refuses to run beside another holding its lock
// in a shared one). It returns the standard output; an exit code other
// than 0 fails the test, so pass --issues-exit-code=0.
func GolangciLint(t testing.TB, dir string, args ...string) []byte {
	t.Helper()
	bin := Path(t, "golangci-lint")
	cmd := exec.Command(bin, append([]string{"run"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local",
		"GOLANGCI_LINT_CACHE="+t.TempDir(), "TMPDIR="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("golangci-lint %v in %s: %v\n%s", args, dir, err, stderr.String())
	}
	return stdout.Bytes()
}
