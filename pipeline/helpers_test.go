package pipeline

// The host tests run the exact command lines the stages run (package
// toolcmd builds them) against the real tools on small services written
// by each test, and assemble the stage results from the tools' real
// output with the same functions the pipeline uses. Only argv[0] is
// located on the host (.tools/bin, PATH, or the Python that has pytest).

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goldenci/golden/internal/testsupport/testtool"
)

// hostRun runs argv in dir on the host with bin as argv[0] and the extra
// environment env, the way exec runs it in a container: any exit code is
// an outcome. stdoutFile, when set, receives the standard output; the
// outputs that exist afterwards are read back.
func hostRun(t *testing.T, dir string, env []string, bin string, argv []string, stdoutFile string, outputs ...string) *toolRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	run := &toolRun{Argv: argv, Stderr: stderr.String(), Files: map[string]string{}}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		run.ExitCode = exit.ExitCode()
	default:
		t.Fatalf("running %s: %v", strings.Join(argv, " "), err)
	}
	if stdoutFile != "" {
		writeFile(t, stdoutFile, stdout.String())
	}
	for _, p := range outputs {
		data, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		run.Files[p] = string(data)
	}
	return run
}

// writeFiles writes files (slash-separated path -> content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		writeFile(t, filepath.Join(dir, filepath.FromSlash(name)), content)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// goEnv is the environment of go commands in the tests: the local
// toolchain, and no network for modules (the fixtures have no
// dependencies).
var goEnv = []string{"GOTOOLCHAIN=local", "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off"}

// git runs the real git in dir.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(testtool.Path(t, "git"), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}
