// Package testtool finds the real tools (trivy, golangci-lint, git) that
// golden's tests run. .ci/run installs them into .tools/bin at the
// versions pinned in tools/versions.env.
package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed: .ci/run installs it into .tools/bin", name)
	}
	t.Skipf("%s is not installed; run .ci/install-tools (or .ci/run) first", name)
	return ""
}
