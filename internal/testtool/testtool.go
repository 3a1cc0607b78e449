// Package testtool finds the real tools (trivy, golangci-lint, git) that
// golden's tests run. .ci/run installs them into .tools/bin at the
// versions pinned in tools/versions.env.
package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// Root is the repository root.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Path returns the path of the named tool, looked up in .tools/bin first
// and then on PATH. When the tool is missing the test fails under CI
// (CI=true), where .ci/run must have installed it, and is skipped
// elsewhere with a hint.
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
// under CI (CI=true), where .ci/install-tools must have installed it, and
// skips the test elsewhere with a hint.
func Missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") != "" {
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
