package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/goldenci/golden/coverage"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/repopath"
	"github.com/goldenci/golden/report"
	"github.com/goldenci/golden/result"
)

var reportCmd = &command{
	Name:    "report",
	Summary: "render the run's result for GitHub Actions, GitLab CI or a terminal",
	Usage:   "report [--platform github|gitlab|local] [--result FILE] [flags]",
	Help: `Report renders the result file that the other golden commands record into
(--result, default $GOLDEN_RESULT) natively for the platform it runs on.
Without --platform the platform is detected: GITHUB_ACTIONS=true is github,
GITLAB_CI=true is gitlab, anything else local.

github: writes the step outputs coverage, digest, status and every output the
  run recorded to $GITHUB_OUTPUT; a Markdown job summary (stages, coverage,
  image, findings, failed tests) to $GITHUB_STEP_SUMMARY; and annotations on
  stdout, most severe first: failed stages, CRITICAL/HIGH findings and failed
  tests as errors, MEDIUM findings as warnings, LOW/UNKNOWN as notices, at most
  --max-annotations (GitHub itself shows at most 10 per level per step and 50
  per job).
gitlab: writes into --out junit.xml (stages and tests, for
  artifacts:reports:junit), cobertura.xml (line coverage, for
  artifacts:reports:coverage_report), gl-code-quality-report.json (findings,
  for artifacts:reports:codequality; CRITICAL is blocker, HIGH critical,
  MEDIUM major, LOW minor, UNKNOWN info) and golden.env (the outputs as
  GOLDEN_COVERAGE, GOLDEN_DIGEST, GOLDEN_STATUS, ..., for
  artifacts:reports:dotenv), and prints "Coverage: 82.10%" for the job's
  coverage keyword: coverage: '/Coverage: \d+\.\d+%/'. A Code Quality
  fingerprint is a finding's tool, rule, file and message and its order among
  identical ones, not its line, so that it survives code moving.
local: prints a summary for the terminal.

File paths are the run's: relative to the repository root, as lint-gate,
coverage and ci record them for a service in any subdirectory.

Secrets: --mask-env NAME (repeatable; also $GOLDEN_MASK_ENV, a comma-separated
list of names) reads the values of those environment variables and redacts
them from everything the report writes; on GitHub an ::add-mask:: command for
each is printed before anything else.

The report exits 0 when it was rendered, whatever the run's status, so that
it can run after failed steps (if: always(), when: always). With
--exit-status it then exits 1 when the run failed and 3 when a stage errored,
so that one final step both renders and fails the job.

Example, the last step of a GitHub Actions job:
  - if: always()
    run: golden report --result golden-result.json --mask-env REGISTRY_TOKEN --exit-status
Example, a GitLab CI job:
  golden report --platform gitlab --result golden-result.json --out golden-reports`,
}

func init() {
	// Run is set here: runReport refers to reportCmd for its flags.
	reportCmd.Run = runReport
	register(reportCmd)
}

func runReport(_ context.Context, e *Env, args []string) error {
	c := reportCmd
	fs := c.flagSet(e)
	platformFlag := fs.String("platform", "", "render for `PLATFORM`: github, gitlab or local (default: detected from GITHUB_ACTIONS / GITLAB_CI)")
	resultPath := fs.String("result", e.Getenv("GOLDEN_RESULT"), "read the run from the result `FILE` (default $GOLDEN_RESULT)")
	out := fs.String("out", "golden-reports", "gitlab: write the reports into `DIR`")
	source := fs.String("source", "", "gitlab: a `DIR` of the repository (default $CI_PROJECT_DIR, else the current directory): Cobertura's <source> is the root of its git repository, and its go.mod names the module of coverage files named by import path")
	maxAnnotations := fs.Int("max-annotations", report.DefaultMaxAnnotations, "github: write at most `N` annotations, most severe first (0: none)")
	maxItems := fs.Int("max-items", report.DefaultMaxItems, "show at most `N` entries of each list (findings, failed tests, packages) in summaries")
	var maskEnv stringsFlag
	fs.Var(&maskEnv, "mask-env", "redact the value of the environment variable `NAME` from every output (repeatable; also $GOLDEN_MASK_ENV, comma-separated)")
	sarifOut := fs.String("sarif", "", "also write the findings as SARIF 2.1.0 for GitHub code scanning to `FILE`")
	var sarifStages stringsFlag
	fs.Var(&sarifStages, "sarif-stage", "with --sarif, only the findings of the stage `NAME` (repeatable; default: every stage)")
	exitStatus := fs.Bool("exit-status", false, "after rendering, exit 1 when the run failed and 3 when a stage errored")
	if err := c.parseFlags(e, fs, args); err != nil {
		return err
	}

	platform := report.DetectPlatform(e.Getenv)
	if *platformFlag != "" {
		p, err := report.ParsePlatform(*platformFlag)
		if err != nil {
			return exitcode.Inputf("--platform: %w", err)
		}
		platform = p
	}
	if *maxAnnotations < 0 {
		return exitcode.Inputf("--max-annotations %d: must not be negative", *maxAnnotations)
	}
	if *maxItems < 1 {
		return exitcode.Inputf("--max-items %d: must be at least 1", *maxItems)
	}
	if *resultPath == "" {
		return exitcode.Inputf("no result file: pass --result FILE or set GOLDEN_RESULT")
	}

	run, red, err := loadRun(e, *resultPath, maskEnv)
	if err != nil {
		return err
	}
	return renderRun(e, run, red, renderOptions{
		platform: platform, out: *out, source: *source, maxAnnotations: *maxAnnotations, maxItems: *maxItems,
		sarif: *sarifOut, sarifStages: sarifStages, exitStatus: *exitStatus,
	})
}

// maskedSecrets are the values of the variables --mask-env and
// $GOLDEN_MASK_ENV name, which every output redacts.
func maskedSecrets(e *Env, maskEnv []string) []string {
	names := append([]string(nil), maskEnv...)
	for _, n := range strings.Split(e.Getenv("GOLDEN_MASK_ENV"), ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	var secrets []string
	for _, n := range names {
		v := e.Getenv(n)
		if v == "" {
			fmt.Fprintf(e.Stderr, "golden report: warning: mask variable %s is not set\n", n)
			continue
		}
		secrets = append(secrets, v)
	}
	return secrets
}

// loadRun reads the run of a result file, with the redactor of the masked
// variables.
func loadRun(e *Env, path string, maskEnv []string) (*result.Run, *report.Redactor, error) {
	red := report.NewRedactor(maskedSecrets(e, maskEnv)...)
	run, err := result.Load(path)
	if err != nil {
		// The message names the file and line; redact it all the same.
		return nil, red, exitcode.InputError(errors.New(red.String(err.Error())))
	}
	return run, red, nil
}

// renderOptions are golden report's choices, which golden ci makes too.
type renderOptions struct {
	platform                 report.Platform
	out, source              string
	maxAnnotations, maxItems int
	sarif                    string
	sarifStages              []string
	exitStatus               bool
}

// renderRun renders a run for the platform, writes its SARIF when asked,
// and with exitStatus returns the run's verdict: what golden report does,
// and golden ci at its end.
func renderRun(e *Env, run *result.Run, red *report.Redactor, o renderOptions) error {
	opts := report.Options{MaxItems: o.maxItems, MaxAnnotations: o.maxAnnotations, Secrets: red.Secrets()}
	if o.maxAnnotations == 0 {
		opts.MaxAnnotations = -1
	}
	var warnings []string
	switch o.platform {
	case report.PlatformGitHub:
		res, err := report.RenderGitHub(e.Stdout, e.Getenv, run, opts)
		if err != nil {
			return exitcode.InfraError(errors.New(red.String(err.Error())))
		}
		warnings = res.Warnings
	case report.PlatformGitLab:
		opts.Source, opts.ModulePath, opts.ModuleDir = reportSource(o.source, e.Getenv)
		res, err := report.RenderGitLab(o.out, e.Stdout, run, opts)
		if err != nil {
			return exitcode.InfraError(errors.New(red.String(err.Error())))
		}
		warnings = res.Warnings
	default:
		if err := report.Local(e.Stdout, run, opts); err != nil {
			return exitcode.InfraError(err)
		}
	}
	for _, w := range warnings {
		fmt.Fprintf(e.Stderr, "golden report: warning: %s\n", red.String(w))
	}
	if o.sarif != "" {
		if err := writeSARIF(o.sarif, run, opts, o.sarifStages); err != nil {
			return exitcode.InfraError(errors.New(red.String(err.Error())))
		}
		fmt.Fprintf(e.Stdout, "Wrote %s\n", o.sarif)
	}
	if !o.exitStatus {
		return nil
	}
	return runStatusError(run, red)
}

// runStatusError is the --exit-status outcome of a run: nil when it
// passed, a gate failure (1) naming the failed stages, or an
// infrastructure error (3) naming the errored ones.
func runStatusError(run *result.Run, red *report.Redactor) error {
	status := run.Status()
	var names []string
	for _, s := range run.Stages {
		if s.Status == status {
			names = append(names, strconv.Quote(red.String(s.Name)))
		}
	}
	stages := "stage "
	if len(names) > 1 {
		stages = "stages "
	}
	stages += strings.Join(names, ", ")
	switch status {
	case result.Passed:
		return nil
	case result.Failed:
		return exitcode.Gatef("run failed: %s failed", stages)
	}
	return exitcode.Infraf("run errored: %s errored", stages)
}

// reportSource returns what the Cobertura report needs of the directory
// dir (--source, else $CI_PROJECT_DIR, else the current directory): the
// absolute root of its git repository (dir itself outside git), the Go
// module path its go.mod declares ("" without one) and dir's path in the
// repository, where that module lives.
func reportSource(dir string, getenv func(string) string) (root, module, moduleDir string) {
	if dir == "" {
		dir = getenv("CI_PROJECT_DIR")
	}
	if dir == "" {
		dir = "."
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	root, moduleDir = dir, ""
	if paths, err := repopath.Detect(dir); err == nil && paths.Root() != "" {
		root, moduleDir = paths.Root(), paths.Prefix()
	}
	return root, reportModulePath(filepath.Join(dir, "go.mod")), moduleDir
}

// reportModulePath reads the module path of a go.mod file, "" when there is
// none.
func reportModulePath(path string) string {
	p, err := coverage.ModulePath(path)
	if err != nil {
		return ""
	}
	return p
}

// writeSARIF writes the run's findings of stages as SARIF to path,
// creating its directory.
func writeSARIF(path string, run *result.Run, opts report.Options, stages []string) error {
	var buf bytes.Buffer
	if err := report.SARIF(&buf, run, opts, stages...); err != nil {
		return err
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("writing SARIF: %w", err)
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing SARIF: %w", err)
	}
	return nil
}
