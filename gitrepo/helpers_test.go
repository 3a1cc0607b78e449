package gitrepo

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// Canary credentials: no output, error, commit or process argument may
// contain them.
const (
	canaryUser     = "ci-bot"
	canaryPassword = "canary-pw-7f3a9c1e5b"
	canaryToken    = "canary-token-d41d8cd98f00b204"
)

// fastBackoff keeps retries quick in tests.
var fastBackoff = Backoff{Initial: 20 * time.Millisecond, Max: 400 * time.Millisecond}

var testNow = func() time.Time { return time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC) }

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// writeFile returns an edit that writes content to name and reports a
// change when the content differs from what was there.
func writeFile(name, content string) EditFunc {
	return func(dir string) (bool, error) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if old, err := os.ReadFile(p); err == nil && string(old) == content {
			return false, nil
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return false, err
		}
		return true, os.WriteFile(p, []byte(content), 0o644)
	}
}

// syncBuffer is a goroutine-safe progress sink.
type syncBuffer = testtool.SyncBuffer

// assertNoSecret fails when s holds a canary value.
func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	testtool.AssertNoCanary(t, what, s, canaryPassword, canaryToken)
}

// assertClass checks an error's exit code and, when kind is set, its kind.
func assertClass(t *testing.T, err error, code int, kind error) {
	t.Helper()
	testtool.AssertExit(t, err, code, kind)
}

func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(testContext(t))
	t.Cleanup(cancel)
	return ctx, cancel
}

// errInput is an edit error of class input, as package gitops returns for
// a bad manifest.
func errInput(msg string) error { return exitcode.InputError(errors.New(msg)) }

// cancelOn calls cancel when a progress message contains substr.
type cancelOn struct {
	substr string
	cancel context.CancelFunc
}

func (c *cancelOn) Write(p []byte) (int, error) {
	if strings.Contains(string(p), c.substr) {
		c.cancel()
	}
	return len(p), nil
}
