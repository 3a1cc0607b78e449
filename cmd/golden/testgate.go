package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gotest"
	"github.com/goldenci/golden/netfail"
	"github.com/goldenci/golden/result"
)

var testGateCmd = &command{
	Name:    "test-gate",
	Summary: "fail when go test -json output has a failed test or package",
	Usage:   "test-gate --go-test-json FILE [--json] [--stage NAME] [--result FILE]",
	Help: `
test-gate reads the output of "go test -json", prints the failed tests with
their output and a summary, and fails (exit 1) when any test failed or any
package failed without a failing test: a build failure, a panic or os.Exit
in TestMain, a timeout. Such a package shows up as a test named
"(package)". A test that never reported a result (the binary exited or was
killed while it ran) counts as failed.

Lines that are not JSON (go's own messages, when stderr is merged in) are
kept and shown; a malformed JSON line, or a file without any go test event,
is bad input (exit 2). Packages whose setup failed because the go command
could not download or verify a module (an unreachable GOPROXY, a name that
does not resolve, a checksum database that does not answer) are shown, but
the run is an infrastructure failure (exit 3), not failed tests. --result
records every test in the stage "test" (see --stage).

Example:
  go test -json ./... > go-test.json || true
  golden test-gate --go-test-json go-test.json`,
}

func init() {
	// Run is set here: runTestGate refers to testGateCmd, so it cannot be in the literal.
	testGateCmd.Run = runTestGate
	register(testGateCmd)
}

// testVerdict is test-gate's --json output.
type testVerdict struct {
	Passed  bool              `json:"passed"`
	Summary gotest.Summary    `json:"summary"`
	Failed  []result.TestCase `json:"failed"`
	Tests   []result.TestCase `json:"tests"`
	// Output is what the file held that was not JSON.
	Output string `json:"output,omitempty"`
	// Network says why the go command could not reach the network, when
	// it could not: the run is then an infrastructure failure (exit 3).
	Network string `json:"network,omitempty"`
}

func runTestGate(ctx context.Context, e *Env, args []string) error {
	start := e.Now()
	fs := testGateCmd.flagSet(e)
	input := fs.String("go-test-json", "", "the output of go test -json, `FILE` (- reads stdin)")
	asJSON := fs.Bool("json", false, "print the verdict, the summary and the tests as JSON instead of text")
	stage := fs.String("stage", "test", "the `NAME` of the stage recorded in --result")
	resultPath := resultFlag(fs, e)
	if err := testGateCmd.parseFlags(e, fs, args); err != nil {
		return err
	}

	var rep *gotest.Report
	err := func() error {
		if *input == "" {
			return exitcode.Inputf("--go-test-json is required (see 'golden test-gate --help')")
		}
		if strings.TrimSpace(*stage) == "" {
			return exitcode.Inputf("--stage must not be empty")
		}
		var err error
		if *input == "-" {
			rep, err = gotest.Parse(e.Stdin, "stdin")
		} else {
			rep, err = gotest.ParseFile(*input)
		}
		if err != nil {
			return err
		}
		failed := rep.Failed()
		if *asJSON {
			v := testVerdict{Passed: rep.Summary.OK() && rep.Network == nil, Summary: rep.Summary, Failed: failed, Tests: rep.Cases, Output: rep.Output}
			if rep.Network != nil {
				v.Network = rep.Network.Reason()
			}
			if v.Failed == nil {
				v.Failed = []result.TestCase{}
			}
			if v.Tests == nil {
				v.Tests = []result.TestCase{}
			}
			if err := printGateJSON(e.Stdout, v); err != nil {
				return exitcode.InfraError(err)
			}
		} else {
			var out strings.Builder
			printTestFailures(&out, failed)
			if strings.TrimSpace(rep.Output) != "" {
				out.WriteString("output that was not go test -json:\n" + testIndent(rep.Output, "    "))
			}
			out.WriteString(rep.Summary.String() + "\n")
			if rep.Network != nil {
				out.WriteString("network failure: " + rep.Network.Reason() + "\n")
			}
			if _, err := io.WriteString(e.Stdout, out.String()); err != nil {
				return exitcode.InfraError(err)
			}
		}
		if rep.Network != nil {
			// The packages failed to set up: modules could not be
			// downloaded or verified. That says nothing of the tests.
			return netfail.Error("go test could not download modules", *rep.Network, "")
		}
		if !rep.Summary.OK() {
			s := rep.Summary
			return exitcode.Gatef("%d of %d tests failed, in %d of %d packages", s.Failed, s.Total(), s.FailedPackages, s.Packages)
		}
		return nil
	}()

	st := stageFor(e, strings.TrimSpace(*stage), start, err)
	if st.Name == "" {
		st.Name = "test"
	}
	if rep != nil {
		st.Summary = rep.Summary.String()
		st.Tests = rep.Cases
		if !rep.Summary.Started.IsZero() {
			// The stage is the go test run, not the reading of its output.
			st.StartedAt, st.Seconds = rep.Summary.Started, rep.Summary.Seconds
		}
	}
	return finish(e, "test-gate", *resultPath, err, func(r *result.Run) { r.SetStage(st) })
}

// printTestFailures prints each failed test, go test style, with its
// output indented.
func printTestFailures(w *strings.Builder, failed []result.TestCase) {
	for _, c := range failed {
		fmt.Fprintf(w, "--- FAIL: %s %s (%.2fs)\n", c.Suite, c.Name, c.Seconds)
		if out := strings.TrimRight(c.Output, "\n"); out != "" {
			w.WriteString(testIndent(out+"\n", "    "))
		}
	}
}

// testIndent prefixes every non-empty line of s.
func testIndent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			b.WriteString(prefix)
		}
		b.WriteString(l)
	}
	return b.String()
}
