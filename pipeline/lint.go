package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"dagger.io/dagger"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/jsonpos"
	"github.com/goldenci/golden/lint"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/toolcmd"
	"github.com/goldenci/golden/tools"
)

// LintResult is the outcome of the lint stage.
type LintResult struct {
	// Report is the linter's JSON report (golangci-lint, ruff or ESLint
	// format); nil when the linter wrote none.
	Report *dagger.File
	// Findings are the report's findings, most severe first.
	Findings []result.Finding
	// Stage is the "lint" stage: failed when a finding is at or above the
	// configuration's lint.failOn severity.
	Stage result.Stage
}

// The lint report paths inside the container.
const (
	golangciReport = OutPath + "/golangci-lint.json"
	ruffReport     = OutPath + "/ruff.json"
	eslintReport   = OutPath + "/eslint.json"
)

// Lint runs the language's linter on the source: golangci-lint v2 for Go
// (honouring the repository's .golangci.yml), ruff for Python, ESLint for
// Node (the package's "lint" script when it has one, else npx eslint).
func (p *Pipeline) Lint(ctx context.Context) (*LintResult, error) {
	start := p.now()
	if err := p.check(); err != nil {
		return nil, err
	}
	failOn, err := lintFailOn(p.cfg)
	if err != nil {
		return nil, err
	}
	var (
		ctr    *dagger.Container
		argv   []string
		format lint.Format
		report string
	)
	switch p.cfg.Language {
	case config.Go:
		ctr = p.withGoCaches(p.tool("golangci-lint")).
			WithMountedCache("/root/.cache/golangci-lint", p.cache("golangci-lint")).
			WithEnvVariable("GOLANGCI_LINT_CACHE", "/root/.cache/golangci-lint")
		format, report = lint.GolangciLint, golangciReport
		argv = toolcmd.GolangciLint(toolcmd.GolangciLintOptions{JSONOut: report})
	case config.Python:
		ctr = p.withPipCache(p.tool("python")).
			WithExec(toolcmd.PipInstallPackages("ruff==" + tools.Version("RUFF_VERSION")))
		format, report = lint.Ruff, ruffReport
		argv = toolcmd.Ruff(toolcmd.RuffOptions{JSONOut: report})
	case config.Node:
		scripts, err := p.npmScripts(ctx)
		if err != nil {
			return nil, err
		}
		ctr = p.withNpmCache(p.tool("node")).WithExec(toolcmd.NpmCI())
		format, report = lint.ESLint, eslintReport
		argv = toolcmd.ESLint(toolcmd.ESLintOptions{JSONOut: report, UseNpmScript: scripts["lint"] != ""})
	default:
		return nil, exitcode.Inputf("lint: unsupported language %q", p.cfg.Language)
	}
	ctr, run, err := p.exec(ctx, StageLint, ctr, argv, execOpts{Outputs: []string{report}})
	if err != nil {
		return nil, err
	}
	findings, st, err := lintStage(format, run, report, SourcePath, failOn)
	if err != nil {
		return nil, err
	}
	// st.Findings are findings: mapped in place, from the repository root.
	p.paths(SourcePath).Findings(findings)
	p.stageTimes(&st, start)
	res := &LintResult{Findings: findings, Stage: st}
	if _, ok := run.file(report); ok {
		res.Report = ctr.File(report)
	}
	return res, nil
}

// lintFailOn reads the configured lint threshold (default LOW: any
// finding fails, as the linters themselves do).
func lintFailOn(cfg *config.Config) (result.Severity, error) {
	if strings.TrimSpace(cfg.Lint.FailOn) == "" {
		return result.Low, nil
	}
	s, err := result.ParseSeverity(cfg.Lint.FailOn)
	if err != nil {
		return "", exitcode.Inputf("lint.failOn: %w", err)
	}
	return s, nil
}

// lintExitCodes are the exit codes with which each linter reports: the
// toolcmd command lines make golangci-lint and ruff exit 0 when they found
// problems, and ESLint exits 1 then. Any other exit code means the linter
// could not lint (bad configuration, code it cannot load).
var lintExitCodes = map[lint.Format][]int{
	lint.GolangciLint: {0},
	lint.Ruff:         {0},
	lint.ESLint:       {0, 1},
}

// lintStage assembles the lint stage from a linter run whose report is at
// report; src is the directory the linter ran in (absolute paths under it
// come out relative). A linter that exited with a code it does not report
// with, or without a report but exit code 0, failed: an error quoting its
// standard error (exit 2), or exit 3 when it could not reach the network
// (see lintFailed). A golangci-lint report whose packages could not be
// loaded because modules could not be downloaded is exit 3 too (lint.Parse
// says so), not a typecheck finding.
func lintStage(format lint.Format, run *toolRun, report, src string, failOn result.Severity) ([]result.Finding, result.Stage, error) {
	st := result.Stage{Name: StageLint, Tool: string(format)}
	if !slices.Contains(lintExitCodes[format], run.ExitCode) {
		return nil, st, lintFailed(format, run)
	}
	data, ok := run.file(report)
	if !ok || strings.TrimSpace(data) == "" {
		if run.ExitCode == 0 {
			st.Status = result.Passed
			st.Summary = fmt.Sprintf("%s: no findings", format)
			return nil, st, nil
		}
		return nil, st, lintFailed(format, run)
	}
	findings, err := lint.Parse(strings.NewReader(data), baseName(report), format, lint.Options{Source: src})
	if err != nil {
		return nil, st, err
	}
	st = lint.Gate(format, findings, failOn).Stage(StageLint)
	return findings, st, nil
}

// lintFailed is the error of a linter that ended without a verdict: an
// infrastructure error (exit 3) when it could not reach the network
// (golangci-lint could not download modules, npx could not download
// ESLint), else bad input (exit 2).
func lintFailed(format lint.Format, run *toolRun) error {
	if err := networkFailed(string(format), run.ExitCode, run.Stderr); err != nil {
		return err
	}
	return toolFailed(string(format), run.ExitCode, run.Stderr)
}

// npmScripts reads the scripts of the source's package.json.
func (p *Pipeline) npmScripts(ctx context.Context) (map[string]string, error) {
	data, err := p.source.File("package.json").Contents(ctx)
	if err != nil {
		return nil, engineError("reading package.json", err)
	}
	return parseScripts([]byte(data), "package.json")
}

// parseScripts returns the "scripts" of a package.json.
func parseScripts(data []byte, name string) (map[string]string, error) {
	var pkg struct {
		Scripts map[string]string `json:"scripts"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		return nil, exitcode.Inputf("parsing %s: %w", name, jsonpos.Describe(data, err))
	}
	if pkg.Scripts == nil {
		pkg.Scripts = map[string]string{}
	}
	return pkg.Scripts, nil
}

// baseName is the last element of a slash-separated path.
func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
