package pipeline

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"dagger.io/dagger"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gotest"
	"github.com/goldenci/golden/internal/testsupport/netfailtest"
	"github.com/goldenci/golden/internal/text"
	"github.com/goldenci/golden/lint"
	"github.com/goldenci/golden/netfail"
	"github.com/goldenci/golden/result"
)

// dependencies are the import paths of the modules the scenarios cannot
// download: no test case may ever be named after them.
var dependencies = []string{"example.invalid/dep", "github.com/google/go-cmp"}

// TestNetworkFailures runs the real tools with the command lines the
// stages run (netfailtest.Scenarios: go test, golangci-lint, npx eslint,
// and the pip and npm steps that install dependencies), pointed at a
// proxy, index or registry that refuses connections, does not resolve or
// answers 503, and classifies their real output as the pipeline does
// (goTestStage, lintStage, engineError for a step that must succeed): a
// network failure is exit 3, says so and names the host, and no dependency
// shows up as a failed test. The look-alikes keep their meaning: a proxy or
// registry that answers 404 (the dependency does not exist), a compile
// error or a test that quotes a network error.
func TestNetworkFailures(t *testing.T) {
	t.Parallel()
	for _, s := range netfailtest.Scenarios() {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			r := s.Prepare(t)
			run := hostRun(t, r.Dir, r.Env, r.Bin, r.Argv, r.Stdout, r.Outputs()...)
			cases, err := classify(t, r, run)
			t.Logf("%s: exit %d: %v", strings.Join(r.Argv, " "), exitcode.Code(err), err)
			if got := exitcode.Code(err); got != s.Exit {
				t.Fatalf("exit code %d, want %d: %v\nstderr:\n%s\nstdout:\n%s", got, s.Exit, err, run.Stderr, run.Files[r.Stdout])
			}
			for _, c := range cases {
				for _, dep := range dependencies {
					if strings.HasPrefix(c.Suite, dep) {
						t.Errorf("the dependency %s shows up as a test: %+v", dep, c)
					}
				}
			}
			if s.Exit != exitcode.Infra {
				if errors.Is(err, netfail.ErrNetwork) {
					t.Errorf("%v is a network failure", err)
				}
				return
			}
			if !errors.Is(err, netfail.ErrNetwork) {
				t.Errorf("%v does not wrap netfail.ErrNetwork", err)
			}
			msg := err.Error()
			host := endpointHost(t, r.Endpoint)
			if !strings.Contains(msg, "network failure: ") || !strings.Contains(msg, host) {
				t.Errorf("the error does not say it is a network failure reaching %s: %s", host, msg)
			}
			if s.Tool == netfailtest.Pip || s.Tool == netfailtest.Npm {
				// The step's error quotes the command and its stderr.
				if !strings.Contains(msg, strings.Join(r.Argv, " ")+" exited ") || !strings.Contains(msg, lastLine(run.Stderr)) {
					t.Errorf("the error does not quote the command and the end of its stderr: %s", msg)
				}
			}
		})
	}
}

// classify reads a run as the stage that runs it does, and returns the
// cases the stage reports (go test) and its error: the stage's error, or
// its verdict as StageError says it.
func classify(t *testing.T, r *netfailtest.Run, run *toolRun) ([]result.TestCase, error) {
	t.Helper()
	switch r.Tool {
	case netfailtest.GoTest:
		// Whatever the stage makes of it, the report never names a
		// dependency as a package of the tests.
		var all []result.TestCase
		if rep, err := gotest.Parse(strings.NewReader(run.Files[r.Stdout]), "go-test.json"); err == nil {
			all = rep.Cases
		}
		cases, st, err := goTestStage(run, r.Stdout)
		if err != nil {
			return all, err
		}
		return append(all, cases...), StageError(st)
	case netfailtest.GolangciLint, netfailtest.ESLint:
		format := lint.GolangciLint
		if r.Tool == netfailtest.ESLint {
			format = lint.ESLint
		}
		_, st, err := lintStage(format, run, r.Report, r.Dir, result.Low)
		if err != nil {
			return nil, err
		}
		return nil, StageError(st)
	case netfailtest.Pip, netfailtest.Npm:
		// A step that must succeed: the engine returns its failure as an
		// ExecError.
		if run.ExitCode == 0 {
			t.Fatalf("%s succeeded", strings.Join(r.Argv, " "))
		}
		return nil, engineError("running "+r.Argv[0], &dagger.ExecError{
			Cmd: r.Argv, ExitCode: run.ExitCode, Stdout: run.Files[r.Stdout], Stderr: run.Stderr,
		})
	}
	t.Fatalf("unknown tool %q", r.Tool)
	return nil, nil
}

// endpointHost is the host (and port) of an endpoint URL.
func endpointHost(t *testing.T, endpoint string) string {
	t.Helper()
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	return text.LastLines(s, 1)
}

// TestEngineErrorClasses checks engineError's classes without a tool: a
// cancelled run and an error that is not a command's are infrastructure,
// and a command that failed without a network failure in its output is bad
// input.
func TestEngineErrorClasses(t *testing.T) {
	t.Parallel()
	if err := engineError("running go", context.Canceled); exitcode.Code(err) != exitcode.Infra || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if err := engineError("pulling golang", errors.New("registry unavailable")); exitcode.Code(err) != exitcode.Infra {
		t.Errorf("not a command's error: %v", err)
	}
	err := engineError("running npm", &dagger.ExecError{Cmd: []string{"npm", "ci"}, ExitCode: 1, Stderr: "npm error code EUSAGE\nnpm error The `npm ci` command can only install with an existing package-lock.json\n"})
	if exitcode.Code(err) != exitcode.Usage || errors.Is(err, netfail.ErrNetwork) || !strings.Contains(err.Error(), "running npm: npm ci exited 1: npm error code EUSAGE") {
		t.Errorf("a failed command: %v", err)
	}
}
