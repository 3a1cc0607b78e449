// Package daggermod is the body of golden's Dagger module functions
// (the root module golden in ci/ and the modules in modules/): every one
// of them converts its arguments to SDK objects (package daggerid), calls
// one function of this package, and converts the result back.
//
// The modules' own code is compiled by the Dagger engine only, against
// bindings the engine generates; this package holds everything else, so
// that it is compiled, vetted and tested with the rest of golden: reading
// the service's configuration from a source directory (LoadConfig) with
// the function's arguments on top (Overrides), running the pipeline's
// stages (package pipeline), assembling the directory of reports a
// function returns (golden-result.json and the tools' reports), and the
// promotion (Promote), which runs golden promote in a container.
//
// A stage function returns the stage's reports whatever the verdict of
// its gate: the verdict is in golden-result.json, which golden report
// renders (and fails the job on, with --exit-status). Its error means
// that the stage could not run. The Check functions, for dagger check,
// turn a failed gate into an error instead.
package daggermod

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"dagger.io/dagger"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/pipeline"
	"github.com/goldenci/golden/report"
	"github.com/goldenci/golden/result"
)

// ResultFile is the name of the run's result in every directory a module
// function returns: golden report reads it (--result).
const ResultFile = "golden-result.json"

// SARIFFile is the name of the SARIF log Ci returns: the findings of the
// lint stage and of the source scan, one SARIF run per tool, for code
// scanning (GitHub's upload-sarif).
const SARIFFile = "golden.sarif"

// Revision identifies what is built: it makes the image's tags and OCI
// labels. CI passes it (GITHUB_SHA, CI_COMMIT_SHA, ...); a source
// directory does not carry it.
type Revision struct {
	// Commit is the full commit SHA.
	Commit string
	// Branch is the branch built (empty for a tag build); Tag the git tag
	// built (empty for a branch build).
	Branch, Tag string
	// Repository is the source repository's URL, without credentials.
	Repository string
	// MainBranch is the repository's default branch (default "main"):
	// only its builds bump staging and are tagged latest.
	MainBranch string
}

// Inputs are what a stage function gets.
type Inputs struct {
	// Source is the service's source directory.
	Source *dagger.Directory
	// Golden is golden's own source tree (its module root), from which
	// the staging bump builds the golden command; only Ci with bump and
	// Bump need it.
	Golden *dagger.Directory
	// Overrides beat the service's golden.yaml.
	Overrides Overrides
	// Revision identifies what is built.
	Revision Revision
	// Progress receives the pipeline's progress lines (default os.Stderr,
	// which a module function's log shows).
	Progress io.Writer
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (in Inputs) now() time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}

// NewPipeline loads the service's configuration from in.Source (see
// LoadConfig) and returns its pipeline, run with the client c.
func NewPipeline(ctx context.Context, c *dagger.Client, in Inputs) (*pipeline.Pipeline, *config.Config, error) {
	if c == nil {
		return nil, nil, exitcode.Inputf("no Dagger client")
	}
	cfg, err := LoadConfig(ctx, in.Source, in.Overrides)
	if err != nil {
		return nil, nil, err
	}
	progress := in.Progress
	if progress == nil {
		progress = os.Stderr
	}
	p := pipeline.New(c, in.Source, pipeline.Options{
		Config:     cfg,
		Commit:     strings.TrimSpace(in.Revision.Commit),
		Branch:     strings.TrimPrefix(strings.TrimSpace(in.Revision.Branch), "refs/heads/"),
		GitTag:     strings.TrimPrefix(strings.TrimSpace(in.Revision.Tag), "refs/tags/"),
		Repository: strings.TrimSpace(in.Revision.Repository),
		MainBranch: strings.TrimSpace(in.Revision.MainBranch),
		Progress:   progress,
		Golden:     in.Golden,
		Now:        in.Now,
	})
	return p, cfg, nil
}

// stageRun is the run of a single stage function: its stages and, for the
// test stage, the coverage.
func stageRun(now time.Time, cov *result.Coverage, stages ...result.Stage) *result.Run {
	r := result.New(now)
	for _, st := range stages {
		r.SetStage(st)
	}
	if cov != nil {
		r.Coverage = cov
		r.SetOutput("coverage", fmt.Sprintf("%.1f", cov.Percent))
	}
	r.UpdatedAt = now.UTC()
	return r
}

// encodeRun is the run as golden-result.json holds it.
func encodeRun(r *result.Run) (string, error) {
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		return "", exitcode.Infraf("encoding %s: %v", ResultFile, err)
	}
	return b.String(), nil
}

// reports is the directory a stage function returns: golden-result.json,
// the files (under their own names; nil ones are left out) and the
// contents of the directories.
func reports(ctx context.Context, c *dagger.Client, r *result.Run, files []*dagger.File, dirs ...*dagger.Directory) (*dagger.Directory, error) {
	out := c.Directory()
	for _, d := range dirs {
		if d != nil {
			out = out.WithDirectory(".", d)
		}
	}
	for _, f := range files {
		if f == nil {
			continue
		}
		name, err := f.Name(ctx)
		if err != nil {
			return nil, exitcode.InfraError(fmt.Errorf("naming a report: %w", err))
		}
		out = out.WithFile(name, f)
	}
	data, err := encodeRun(r)
	if err != nil {
		return nil, err
	}
	return out.WithNewFile(ResultFile, data), nil
}

// Lint runs the lint stage and returns its reports: the linter's JSON
// report and golden-result.json.
func Lint(ctx context.Context, c *dagger.Client, in Inputs) (*dagger.Directory, error) {
	res, err := runLint(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return reports(ctx, c, stageRun(in.now(), nil, res.Stage), []*dagger.File{res.Report})
}

// LintCheck runs the lint stage and fails (exit 1) when its gate failed.
func LintCheck(ctx context.Context, c *dagger.Client, in Inputs) error {
	res, err := runLint(ctx, c, in)
	if err != nil {
		return err
	}
	return pipeline.StageError(res.Stage)
}

func runLint(ctx context.Context, c *dagger.Client, in Inputs) (*pipeline.LintResult, error) {
	p, _, err := NewPipeline(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return p.Lint(ctx)
}

// Test runs the test stage with the coverage gate and returns its
// reports: the test reports and coverage profile of the language
// (go-test.json and cover.out, junit.xml and coverage.xml, junit.xml and
// lcov.info) and golden-result.json.
func Test(ctx context.Context, c *dagger.Client, in Inputs) (*dagger.Directory, error) {
	res, err := runTest(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return reports(ctx, c, stageRun(in.now(), res.Coverage, testStages(res)...), nil, res.Reports)
}

// TestCheck runs the test stage and fails (exit 1) when a test or the
// coverage gate failed.
func TestCheck(ctx context.Context, c *dagger.Client, in Inputs) error {
	res, err := runTest(ctx, c, in)
	if err != nil {
		return err
	}
	for _, st := range testStages(res) {
		if err := pipeline.StageError(st); err != nil {
			return err
		}
	}
	return nil
}

func runTest(ctx context.Context, c *dagger.Client, in Inputs) (*pipeline.TestResult, error) {
	p, _, err := NewPipeline(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return p.Test(ctx)
}

// testStages are the test stage and, when there is one, the coverage
// stage.
func testStages(res *pipeline.TestResult) []result.Stage {
	stages := []result.Stage{res.Stage}
	if res.CoverageStage != nil {
		stages = append(stages, *res.CoverageStage)
	}
	return stages
}

// Scan runs Trivy on the source and returns its reports: trivy.json,
// trivy.sarif (for code scanning) and golden-result.json.
func Scan(ctx context.Context, c *dagger.Client, in Inputs) (*dagger.Directory, error) {
	res, err := runScan(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return reports(ctx, c, stageRun(in.now(), nil, res.Stage), []*dagger.File{res.JSON, res.SARIF})
}

// ScanCheck runs Trivy on the source and fails (exit 1) when a finding of
// a gating severity remains.
func ScanCheck(ctx context.Context, c *dagger.Client, in Inputs) error {
	res, err := runScan(ctx, c, in)
	if err != nil {
		return err
	}
	return pipeline.StageError(res.Stage)
}

func runScan(ctx context.Context, c *dagger.Client, in Inputs) (*pipeline.ScanResult, error) {
	p, _, err := NewPipeline(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return p.Scan(ctx)
}

// Build builds the service's image for its first configured platform
// (set Overrides.Platforms to choose one) and returns the container.
func Build(ctx context.Context, c *dagger.Client, in Inputs) (*dagger.Container, error) {
	p, _, err := NewPipeline(ctx, c, in)
	if err != nil {
		return nil, err
	}
	b, err := p.Build(ctx)
	if err != nil {
		return nil, err
	}
	if err := pipeline.StageError(b.Stage); err != nil {
		return nil, err
	}
	if len(b.Platforms) == 0 {
		return nil, exitcode.Infraf("build: no image built")
	}
	return b.Platforms[0], nil
}

// Publish builds the service's image for every configured platform,
// scans it (unless the configuration skips the image scan), and when the
// scan passed, pushes it under its tags; it returns REPOSITORY@DIGEST.
// A failed image scan is an error (exit 1): nothing is pushed.
func Publish(ctx context.Context, c *dagger.Client, in Inputs, creds pipeline.Credentials) (string, error) {
	p, _, err := NewPipeline(ctx, c, in)
	if err != nil {
		return "", err
	}
	r, err := p.Run(ctx, pipeline.RunOptions{
		Skip:        []string{pipeline.StageLint, pipeline.StageTest, pipeline.StageScan},
		Publish:     true,
		Credentials: creds,
	})
	if err != nil {
		return "", err
	}
	ref := r.Outputs["image"]
	if ref == "" {
		return "", exitcode.Infraf("publish: the run recorded no image")
	}
	return ref, nil
}

// Bump sets the staging environment of the service's GitOps repository
// (gitops.repo, gitops.staging) to the image image.repository with
// digest, tagged after the revision, building golden bump from
// in.Golden. It returns the bump's summary; a bump that could not be
// pushed is an error.
func Bump(ctx context.Context, c *dagger.Client, in Inputs, digest string, git pipeline.GitCredentials) (string, error) {
	p, _, err := NewPipeline(ctx, c, in)
	if err != nil {
		return "", err
	}
	res, err := p.Bump(ctx, strings.TrimSpace(digest), git)
	if err != nil {
		return "", err
	}
	if err := pipeline.StageError(res.Stage); err != nil {
		return "", err
	}
	return res.Stage.Summary, nil
}

// Ci runs the whole pipeline (package pipeline's Run: lint, test with
// coverage, scan, build and image scan in parallel, then publish and the
// staging bump when o asks for them) and returns golden-result.json and
// golden.sarif in a directory, whatever the verdict: golden report renders
// the run and fails the job on it. The error is that of a run that could
// not start (bad configuration or options).
func Ci(ctx context.Context, c *dagger.Client, in Inputs, o pipeline.RunOptions) (*dagger.Directory, error) {
	p, _, err := NewPipeline(ctx, c, in)
	if err != nil {
		return nil, err
	}
	r, err := p.Run(ctx, o)
	if r == nil {
		if err == nil {
			err = exitcode.Infraf("the pipeline recorded no run")
		}
		return nil, err
	}
	if err != nil {
		fmt.Fprintf(progressOf(in), "golden: %v\n", err)
	}
	var log bytes.Buffer
	// The image scan's findings are paths in the image, not the source.
	if err := report.SARIF(&log, r, report.Options{}, pipeline.StageLint, pipeline.StageScan); err != nil {
		return nil, exitcode.Infraf("writing %s: %v", SARIFFile, err)
	}
	out, err := reports(ctx, c, r, nil)
	if err != nil {
		return nil, err
	}
	return out.WithNewFile(SARIFFile, log.String()), nil
}

// progressOf is where in's progress goes.
func progressOf(in Inputs) io.Writer {
	if in.Progress != nil {
		return in.Progress
	}
	return os.Stderr
}
