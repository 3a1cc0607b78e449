package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/lint"
	"github.com/goldenci/golden/repopath"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/sarif"
)

var lintGateCmd = &command{
	Name:    "lint-gate",
	Summary: "fail when a lint report (golangci-lint, ruff, ESLint) has findings",
	Usage:   "lint-gate --report FILE --format golangci-lint|ruff|eslint [--source DIR] [--fail-on SEVERITY] [--json] [--sarif FILE] [--stage NAME] [--result FILE]",
	Help: `
lint-gate reads the JSON report of a lint tool, prints its findings as
"file:line:column: rule: message [SEVERITY]" (most severe first) and a
count, and fails (exit 1) when any finding is at or above --fail-on. The
default, LOW, fails on any finding, as the linters themselves do.

Reports and severities:
  golangci-lint  golangci-lint run --output.json.path=FILE (v2). The rule is
                 the linter. Severity "error" or none is HIGH, "warning"
                 MEDIUM, anything else ("info", "hint") LOW.
  ruff           ruff check --output-format=json. Every finding is HIGH.
  eslint         eslint -f json. Errors (2) are HIGH, warnings (1) MEDIUM.

Paths are shown, recorded and written relative to the root of the git
repository holding --source (its top level), the form GitHub annotations,
code scanning and GitLab map onto files: for a service in a subdirectory,
sub_dir/odd.go from a linter run in services/api is
services/api/sub_dir/odd.go. A relative path in the report is relative to
--source, unless no such file is there and one is at the repository root
(golangci-lint v2 writes paths relative to its configuration file, which
may be at the root); absolute paths (ESLint, ruff, golangci-lint
--path-mode=abs) are mapped from where they point. Outside git, paths are
relative to --source. --sarif also writes the findings as SARIF 2.1.0, for code
scanning; --result records the findings in the stage "lint" (see --stage).
A report that is missing or malformed, or in which golangci-lint says it
hit an error, is bad input (exit 2). A golangci-lint report in which the
packages could not be loaded because modules could not be downloaded (a
typecheck issue "could not import ..." quoting an unreachable GOPROXY, a
name that does not resolve) is an infrastructure failure (exit 3), not a
finding.

Example:
  golangci-lint run --output.json.path=golangci-lint.json ./... || true
  golden lint-gate --report golangci-lint.json --format golangci-lint \
    --sarif golden-reports/golangci-lint.sarif`,
}

func init() {
	// Run is set here: runLintGate refers to lintGateCmd, so it cannot be in the literal.
	lintGateCmd.Run = runLintGate
	register(lintGateCmd)
}

// lintToolInfo is the home page of each lint tool, for SARIF.
var lintToolInfo = map[lint.Format]string{
	lint.GolangciLint: "https://golangci-lint.run",
	lint.Ruff:         "https://docs.astral.sh/ruff/",
	lint.ESLint:       "https://eslint.org",
}

// lintVerdict is lint-gate's --json output.
type lintVerdict struct {
	Tool     string                  `json:"tool"`
	Report   string                  `json:"report"`
	FailOn   result.Severity         `json:"failOn"`
	Passed   bool                    `json:"passed"`
	Total    int                     `json:"total"`
	Failing  int                     `json:"failing"` // findings at or above failOn
	Counts   map[result.Severity]int `json:"counts"`
	Findings []result.Finding        `json:"findings"`
}

func runLintGate(ctx context.Context, e *Env, args []string) error {
	start := e.Now()
	fs := lintGateCmd.flagSet(e)
	report := fs.String("report", "", "the lint tool's JSON report `FILE` (- reads stdin)")
	format := fs.String("format", "", "the report's `FORMAT`: golangci-lint, ruff or eslint")
	source := fs.String("source", ".", "the `DIR` the linter ran on: paths are made relative to the root of its git repository")
	failOn := fs.String("fail-on", string(result.Low), "fail on findings of this `SEVERITY` or worse: CRITICAL, HIGH, MEDIUM, LOW (any finding) or UNKNOWN")
	asJSON := fs.Bool("json", false, "print the verdict and the findings as JSON instead of text")
	sarifPath := fs.String("sarif", "", "also write the findings as SARIF 2.1.0 to `FILE`")
	stage := fs.String("stage", "lint", "the `NAME` of the stage recorded in --result (e.g. lint-go, lint-js when a pipeline runs several linters)")
	resultPath := resultFlag(fs, e)
	if err := lintGateCmd.parseFlags(e, fs, args); err != nil {
		return err
	}

	var findings []result.Finding
	var summary string
	var tool lint.Format
	err := func() error {
		if *report == "" {
			return exitcode.Inputf("--report is required (see 'golden lint-gate --help')")
		}
		if *format == "" {
			return exitcode.Inputf("--format is required: golangci-lint, ruff or eslint")
		}
		f, err := lint.ParseFormat(*format)
		if err != nil {
			return exitcode.Inputf("--format: %w", err)
		}
		tool = f
		threshold, err := result.ParseSeverity(*failOn)
		if err != nil {
			return exitcode.Inputf("--fail-on: %w", err)
		}
		if strings.TrimSpace(*stage) == "" {
			return exitcode.Inputf("--stage must not be empty")
		}
		opts := lint.Options{Source: *source}
		if *report == "-" {
			findings, err = lint.Parse(e.Stdin, "stdin", f, opts)
		} else {
			findings, err = lint.ParseFile(*report, f, opts)
		}
		if err != nil {
			return err
		}
		paths, err := repopath.Detect(*source)
		if err != nil {
			return err
		}
		paths.Findings(findings)
		v := lint.Gate(f, findings, threshold)
		summary = v.Summary()

		if *sarifPath != "" {
			if err := lintWriteSARIF(*sarifPath, sarif.Run{Tool: string(f), InfoURI: lintToolInfo[f], Findings: findings}); err != nil {
				return err
			}
		}
		if *asJSON {
			out := lintVerdict{
				Tool: string(f), Report: *report, FailOn: threshold, Passed: v.Passed(),
				Total: len(findings), Failing: v.Failing, Counts: v.Counts(), Findings: findings,
			}
			if out.Findings == nil {
				out.Findings = []result.Finding{}
			}
			if err := printGateJSON(e.Stdout, out); err != nil {
				return exitcode.InfraError(err)
			}
		} else {
			var out strings.Builder
			printLintFindings(&out, findings)
			out.WriteString(summary + "\n")
			if _, err := io.WriteString(e.Stdout, out.String()); err != nil {
				return exitcode.InfraError(err)
			}
		}
		if !v.Passed() {
			return exitcode.GateError(errors.New(v.Failure()))
		}
		return nil
	}()

	st := stageFor(e, strings.TrimSpace(*stage), start, err)
	if st.Name == "" {
		st.Name = "lint"
	}
	st.Tool, st.Summary, st.Findings = string(tool), summary, findings
	return finish(e, "lint-gate", *resultPath, err, func(r *result.Run) { r.SetStage(st) })
}

// printLintFindings prints one finding a line, compiler style; the lines of a
// multi-line message are indented.
func printLintFindings(w *strings.Builder, findings []result.Finding) {
	for _, f := range findings {
		loc := f.Location()
		if loc == "" {
			loc = "(no file)"
		}
		msg := strings.ReplaceAll(strings.TrimRight(f.Message, "\n"), "\n", "\n\t")
		fmt.Fprintf(w, "%s: %s: %s [%s]\n", loc, f.RuleID, msg, f.Severity)
	}
}

// lintWriteSARIF writes a SARIF log to path, creating its directory.
func lintWriteSARIF(path string, runs ...sarif.Run) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return exitcode.InfraError(fmt.Errorf("writing SARIF: %w", err))
		}
	}
	if err := sarif.WriteFile(path, runs...); err != nil {
		return exitcode.InfraError(err)
	}
	return nil
}

// printGateJSON prints v as indented JSON.
func printGateJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
