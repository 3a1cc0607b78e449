package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/goldenci/golden/exitcode"
)

// invocation is the outcome of one in-process golden run.
type invocation struct {
	code           int
	stdout, stderr string
}

// golden runs the CLI in-process with the given environment variables
// (nothing else of the real environment is visible).
func golden(t *testing.T, env map[string]string, args ...string) invocation {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &Env{
		Stdin:  strings.NewReader(""),
		Stdout: &stdout,
		Stderr: &stderr,
		Getenv: func(k string) string { return env[k] },
		Now:    func() time.Time { return time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC) },
	})
	return invocation{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func TestTopLevelUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string
		stderr     string
		noStderr   bool
		noCommands bool
	}{
		{name: "no args", args: nil, code: exitcode.Usage, stderr: "Usage:"},
		{name: "help", args: []string{"help"}, code: exitcode.Passed, stdout: "Exit codes:", noStderr: true},
		{name: "--help", args: []string{"--help"}, code: exitcode.Passed, stdout: "golden COMMAND [flags]", noStderr: true},
		{name: "unknown", args: []string{"frobnicate"}, code: exitcode.Usage, stderr: `unknown command "frobnicate"`},
		{name: "help unknown", args: []string{"help", "frobnicate"}, code: exitcode.Usage, stderr: `unknown command "frobnicate"`},
		{name: "version", args: []string{"version"}, code: exitcode.Passed, stdout: "golden ", noStderr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := golden(t, nil, tt.args...)
			if got.code != tt.code {
				t.Errorf("exit code = %d, want %d (stderr %q)", got.code, tt.code, got.stderr)
			}
			if !strings.Contains(got.stdout, tt.stdout) {
				t.Errorf("stdout = %q, want it to contain %q", got.stdout, tt.stdout)
			}
			if !strings.Contains(got.stderr, tt.stderr) {
				t.Errorf("stderr = %q, want it to contain %q", got.stderr, tt.stderr)
			}
			if tt.noStderr && got.stderr != "" {
				t.Errorf("stderr = %q, want none", got.stderr)
			}
		})
	}
}

// Every command answers --help on stdout with exit 0, shows its flags and
// the exit codes, and rejects an unknown flag and a stray argument with 2.
func TestEveryCommandHelpAndUsageErrors(t *testing.T) {
	t.Parallel()
	for name := range commands {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			help := golden(t, nil, name, "--help")
			if help.code != exitcode.Passed || !strings.Contains(help.stdout, "golden "+name) ||
				!strings.Contains(help.stdout, "Exit codes:") || help.stderr != "" {
				t.Errorf("--help: code %d, stdout %q, stderr %q", help.code, help.stdout, help.stderr)
			}
			if via := golden(t, nil, "help", name); via.code != exitcode.Passed || !strings.Contains(via.stdout, "golden "+name) {
				t.Errorf("help %s: code %d, stdout %q", name, via.code, via.stdout)
			}
			bad := golden(t, nil, name, "--no-such-flag")
			if bad.code != exitcode.Usage || !strings.Contains(bad.stderr, "no-such-flag") {
				t.Errorf("unknown flag: code %d, stderr %q", bad.code, bad.stderr)
			}
			if !strings.Contains(golden(t, nil, "help").stdout, "  "+name+" ") {
				t.Errorf("'golden help' does not list %s", name)
			}
		})
	}
}
