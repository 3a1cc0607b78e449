// Package daggermod is the body of golden's Dagger module functions
// (the root module golden in ci/ and the stage modules in modules/): a
// function hands the arguments its module's constructor took (Args, in the
// module's generated types) to Call, Value or Do, which open a Session
// (the function's engine session joined with the published SDK, the
// objects converted by ID with package daggerid) and run one method of
// it, converting the result back.
//
// The modules' own code is compiled by the Dagger engine only, against
// bindings the engine generates; this package holds everything else, so
// that it is compiled, vetted and tested with the rest of golden: reading
// the service's configuration from a source directory (LoadConfig) with
// the --set settings on top, running the pipeline's stages (package
// pipeline), assembling the directory of reports a function returns
// (golden-result.json and the tools' reports), and the promotion, which
// runs in the module's own runtime (package promote), as golden promote
// does.
//
// A stage function returns the stage's reports whatever the verdict of
// its gate: the verdict is in golden-result.json, which golden report
// renders (and fails the job on, with --exit-status). Its error means
// that the stage could not run. The Check functions, for dagger check,
// turn a failed gate into an error instead, naming what failed.
package daggermod

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"time"

	"dagger.io/dagger"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/coverage"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitrepo"
	"github.com/goldenci/golden/internal/engine/daggerid"
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
	// Path is the source's directory in its repository ("services/api"
	// for a service in a subdirectory; empty for the root): the reports
	// name files from the repository root.
	Path string
}

// Args are what a module's functions share, as its constructor took them,
// in the module's own generated types (I is the generated ID type): a
// function hands them to Open, or to Call, Value and Do, which open the
// session for it. Optional objects are nil.
type Args[I ~string] struct {
	// Source is the service's source directory (required).
	Source daggerid.IDer[I]
	// Set are golden.yaml settings, KEY=VALUE (see config's --set).
	Set []string
	// Netrc and Npmrc are the package managers' credentials, secrets;
	// CACerts a PEM file; TrivyDB a pre-seeded Trivy cache directory.
	Netrc, Npmrc, CACerts, TrivyDB daggerid.IDer[I]
	// Revision is what is built.
	Revision Revision
	// Registry, RegistryUsername and RegistryPassword (a secret) log in to
	// the registry that publish pushes to and promote copies between.
	Registry, RegistryUsername string
	RegistryPassword           daggerid.IDer[I]
	// GitToken (a secret) and GitUsername authenticate to the GitOps
	// repository over HTTPS.
	GitToken    daggerid.IDer[I]
	GitUsername string
	// VerifyKey is a cosign public key file: promote requires the image
	// to be signed by it with a passing gates attestation.
	VerifyKey daggerid.IDer[I]
	// SignKey (a secret) is cosign's encrypted private key and
	// SignKeyPassword (a secret) its password: publish signs the image and
	// attests its provenance, gates and SBOM with it.
	SignKey, SignKeyPassword daggerid.IDer[I]
}

// Session is one module function's connection to its engine session with
// the published SDK, and everything it was given, converted to it.
type Session struct {
	c *dagger.Client
	// source is the service; the other objects are nil when not given.
	source                                *dagger.Directory
	netrc, npmrc, registryPassword, token *dagger.Secret
	signKey, signKeyPassword              *dagger.Secret
	caCerts, verifyKey                    *dagger.File
	trivyDB                               *dagger.Directory
	set                                   []string
	rev                                   Revision
	registry, registryUsername            string
	gitUsername                           string
	// progress receives the pipeline's progress lines (os.Stderr, which a
	// module function's log shows); now is the clock.
	progress io.Writer
	now      func() time.Time
}

// Open joins the function's Dagger session with the published SDK
// (DAGGER_SESSION_PORT and DAGGER_SESSION_TOKEN) and converts a's objects
// to it, by ID. Close the session when done.
func Open[I ~string](ctx context.Context, a Args[I]) (*Session, error) {
	c, err := dagger.Connect(ctx)
	if err != nil {
		return nil, exitcode.InfraError(fmt.Errorf("joining the Dagger session: %w", err))
	}
	s, err := open(ctx, c, a)
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	return s, nil
}

// open converts a's objects to the client c.
func open[I ~string](ctx context.Context, c *dagger.Client, a Args[I]) (*Session, error) {
	if isNil(a.Source) {
		return nil, exitcode.Inputf("no source directory")
	}
	s := &Session{
		c: c, set: a.Set, rev: a.Revision,
		registry: strings.TrimSpace(a.Registry), registryUsername: strings.TrimSpace(a.RegistryUsername),
		gitUsername: strings.TrimSpace(a.GitUsername),
		progress:    os.Stderr, now: time.Now,
	}
	var err error
	convert := func(what string, f func() error) {
		if err == nil {
			if e := f(); e != nil {
				err = exitcode.InfraError(fmt.Errorf("%s: %w", what, e))
			}
		}
	}
	convert("source", func() (e error) { s.source, e = daggerid.Convert(ctx, a.Source, c.LoadDirectoryFromID); return })
	convert("netrc", func() (e error) { s.netrc, e = daggerid.Convert(ctx, a.Netrc, c.LoadSecretFromID); return })
	convert("npmrc", func() (e error) { s.npmrc, e = daggerid.Convert(ctx, a.Npmrc, c.LoadSecretFromID); return })
	convert("CA certificates", func() (e error) { s.caCerts, e = daggerid.Convert(ctx, a.CACerts, c.LoadFileFromID); return })
	convert("Trivy DB", func() (e error) { s.trivyDB, e = daggerid.Convert(ctx, a.TrivyDB, c.LoadDirectoryFromID); return })
	convert("registry password", func() (e error) {
		s.registryPassword, e = daggerid.Convert(ctx, a.RegistryPassword, c.LoadSecretFromID)
		return
	})
	convert("git token", func() (e error) { s.token, e = daggerid.Convert(ctx, a.GitToken, c.LoadSecretFromID); return })
	convert("verify key", func() (e error) { s.verifyKey, e = daggerid.Convert(ctx, a.VerifyKey, c.LoadFileFromID); return })
	convert("signing key", func() (e error) { s.signKey, e = daggerid.Convert(ctx, a.SignKey, c.LoadSecretFromID); return })
	convert("signing key password", func() (e error) {
		s.signKeyPassword, e = daggerid.Convert(ctx, a.SignKeyPassword, c.LoadSecretFromID)
		return
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// isNil reports whether an optional argument was left out.
func isNil[I ~string](x daggerid.IDer[I]) bool {
	if x == nil {
		return true
	}
	v := reflect.ValueOf(x)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// Close ends the session's connection.
func (s *Session) Close() error { return s.c.Close() }

// Call opens a session with a, runs f in it and converts f's result back
// to the module's client with load (its LoadXxxFromID): the body of a
// module function that returns a directory or a container.
func Call[I, J ~string, R daggerid.IDer[dagger.ID], T any](ctx context.Context, a Args[I], f func(*Session, context.Context) (R, error), load func(J) T) (T, error) {
	var zero T
	out, err := Value(ctx, a, f)
	if err != nil {
		return zero, err
	}
	return daggerid.Convert(ctx, out, load)
}

// Value opens a session with a and returns what f returns in it: the body
// of a module function that returns a plain value.
func Value[I ~string, T any](ctx context.Context, a Args[I], f func(*Session, context.Context) (T, error)) (T, error) {
	var zero T
	s, err := Open(ctx, a)
	if err != nil {
		return zero, err
	}
	defer func() { _ = s.Close() }()
	return f(s, ctx)
}

// Do opens a session with a and runs f in it: the body of a check.
func Do[I ~string](ctx context.Context, a Args[I], f func(*Session, context.Context) error) error {
	_, err := Value(ctx, a, func(s *Session, ctx context.Context) (struct{}, error) { return struct{}{}, f(s, ctx) })
	return err
}

// Config loads the service's configuration from the source (see
// LoadConfig) with the session's settings.
func (s *Session) Config(ctx context.Context) (*config.Config, error) {
	return LoadConfig(ctx, s.source, s.set)
}

// pipeline loads the service's configuration and returns its pipeline.
func (s *Session) pipeline(ctx context.Context) (*pipeline.Pipeline, error) {
	cfg, err := s.Config(ctx)
	if err != nil {
		return nil, err
	}
	return pipeline.New(s.c, s.source, pipeline.Options{
		Config:     cfg,
		Commit:     strings.TrimSpace(s.rev.Commit),
		Branch:     strings.TrimPrefix(strings.TrimSpace(s.rev.Branch), "refs/heads/"),
		GitTag:     strings.TrimPrefix(strings.TrimSpace(s.rev.Tag), "refs/tags/"),
		Repository: strings.TrimSpace(s.rev.Repository),
		MainBranch: strings.TrimSpace(s.rev.MainBranch),
		RepoPath:   strings.TrimSpace(s.rev.Path),
		Progress:   s.progress,
		Now:        s.now,
		Netrc:      s.netrc,
		Npmrc:      s.npmrc,
		CACerts:    s.caCerts,
		TrivyDB:    s.trivyDB,
	}), nil
}

// credentials are the registry's and the GitOps repository's.
func (s *Session) credentials() (pipeline.Credentials, pipeline.GitCredentials) {
	return pipeline.Credentials{Registry: s.registry, Username: s.registryUsername, Password: s.registryPassword},
		pipeline.GitCredentials{Auth: gitrepo.Auth{Username: s.gitUsername}, Token: s.token}
}

// signing is how publish signs: with the session's key, read only when
// publish signs (nil: no key, no signing). A password without a key, or a
// key without the repository and commit the provenance records, is bad
// usage.
func (s *Session) signing() (*pipeline.Signing, error) {
	switch {
	case s.signKey != nil && (strings.TrimSpace(s.rev.Repository) == "" || strings.TrimSpace(s.rev.Commit) == ""):
		return nil, exitcode.Inputf("--sign-key: a signed image's provenance records the source repository and commit: pass the constructor's --repository and --commit")
	case s.signKey != nil:
		return &pipeline.Signing{KeySecret: s.signKey, KeyPassword: s.signKeyPassword}, nil
	case s.signKeyPassword != nil:
		return nil, exitcode.Inputf("a signing key password without a signing key (--sign-key)")
	}
	return nil, nil
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
		coverage.SetOutputs(r, cov)
	}
	r.UpdatedAt = now.UTC()
	return r
}

// encodeRun is the run as golden-result.json holds it.
func encodeRun(r *result.Run) (string, error) {
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		return "", exitcode.Infraf("encoding %s: %w", ResultFile, err)
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
func (s *Session) Lint(ctx context.Context) (*dagger.Directory, error) {
	res, err := s.runLint(ctx)
	if err != nil {
		return nil, err
	}
	return reports(ctx, s.c, stageRun(s.now(), nil, res.Stage), []*dagger.File{res.Report})
}

// LintCheck runs the lint stage and fails (exit 1) when its gate failed,
// naming the findings.
func (s *Session) LintCheck(ctx context.Context) error {
	res, err := s.runLint(ctx)
	if err != nil {
		return err
	}
	return pipeline.StageError(res.Stage)
}

func (s *Session) runLint(ctx context.Context) (*pipeline.LintResult, error) {
	p, err := s.pipeline(ctx)
	if err != nil {
		return nil, err
	}
	return p.Lint(ctx)
}

// Test runs the test stage with the coverage gate and returns its
// reports: the test reports and coverage profile of the language
// (go-test.json and cover.out, junit.xml and coverage.xml, junit.xml and
// lcov.info) and golden-result.json.
func (s *Session) Test(ctx context.Context) (*dagger.Directory, error) {
	res, err := s.runTest(ctx)
	if err != nil {
		return nil, err
	}
	return reports(ctx, s.c, stageRun(s.now(), res.Coverage, testStages(res)...), nil, res.Reports)
}

// TestCheck runs the test stage and fails (exit 1) when a test or the
// coverage gate failed, naming the failed tests.
func (s *Session) TestCheck(ctx context.Context) error {
	res, err := s.runTest(ctx)
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

func (s *Session) runTest(ctx context.Context) (*pipeline.TestResult, error) {
	p, err := s.pipeline(ctx)
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
func (s *Session) Scan(ctx context.Context) (*dagger.Directory, error) {
	res, err := s.runScan(ctx)
	if err != nil {
		return nil, err
	}
	return reports(ctx, s.c, stageRun(s.now(), nil, res.Stage), []*dagger.File{res.JSON, res.SARIF})
}

// ScanCheck runs Trivy on the source and fails (exit 1) when a finding of
// a gating severity remains, naming the findings.
func (s *Session) ScanCheck(ctx context.Context) error {
	res, err := s.runScan(ctx)
	if err != nil {
		return err
	}
	return pipeline.StageError(res.Stage)
}

func (s *Session) runScan(ctx context.Context) (*pipeline.ScanResult, error) {
	p, err := s.pipeline(ctx)
	if err != nil {
		return nil, err
	}
	return p.Scan(ctx)
}

// Build builds the service's image for platform (default the first of
// image.platforms) and returns the container.
func (s *Session) Build(ctx context.Context, platform string) (*dagger.Container, error) {
	p, err := s.pipeline(ctx)
	if err != nil {
		return nil, err
	}
	var o pipeline.BuildOptions
	if platform = strings.TrimSpace(platform); platform != "" {
		o.Platforms = []string{platform}
	}
	b, err := p.Build(ctx, o)
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
// scan passed, pushes it under its tags; with a signing key it then signs
// the digest and attests its provenance, gates (the build and the image
// scan) and SBOM, in this process. It returns REPOSITORY@DIGEST. A failed
// image scan is an error (exit 1) naming the findings: nothing is pushed;
// a key that cannot sign is an error (exit 2) before anything is pushed.
func (s *Session) Publish(ctx context.Context) (string, error) {
	p, err := s.pipeline(ctx)
	if err != nil {
		return "", err
	}
	signing, err := s.signing()
	if err != nil {
		return "", err
	}
	creds, _ := s.credentials()
	r, err := p.Run(ctx, pipeline.RunOptions{
		Skip:        []string{pipeline.StageLint, pipeline.StageTest, pipeline.StageScan},
		Publish:     true,
		Credentials: creds,
		Signing:     signing,
	})
	if err != nil {
		return "", err
	}
	for _, name := range []string{pipeline.StageBuild, pipeline.StageScanImage, pipeline.StagePublish} {
		if st, ok := r.Stage(name); ok {
			if err := pipeline.StageError(st); err != nil {
				return "", err
			}
		}
	}
	ref := r.Outputs["image"]
	if ref == "" {
		return "", exitcode.Infraf("publish: the run recorded no image")
	}
	return ref, nil
}

// Bump sets the staging environment of the service's GitOps repository
// (gitops.repo, gitops.staging) to the image image.repository with
// digest, tagged after the revision, in this process. It returns the
// bump's summary; a bump that could not be pushed is an error.
func (s *Session) Bump(ctx context.Context, digest string) (string, error) {
	p, err := s.pipeline(ctx)
	if err != nil {
		return "", err
	}
	_, git := s.credentials()
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
// not start (bad configuration or options). o's credentials and signing
// key are the session's.
func (s *Session) Ci(ctx context.Context, o pipeline.RunOptions) (*dagger.Directory, error) {
	p, err := s.pipeline(ctx)
	if err != nil {
		return nil, err
	}
	if o.Signing, err = s.signing(); err != nil {
		return nil, err
	}
	o.Credentials, o.Git = s.credentials()
	r, err := p.Run(ctx, o)
	if r == nil {
		if err == nil {
			err = exitcode.Infraf("the pipeline recorded no run")
		}
		return nil, err
	}
	if err != nil {
		fmt.Fprintf(s.progress, "golden: %v\n", err)
	}
	var log bytes.Buffer
	// The image scan's findings are paths in the image, not the source.
	if err := report.SARIF(&log, r, report.Options{}, pipeline.StageLint, pipeline.StageScan); err != nil {
		return nil, exitcode.Infraf("writing %s: %w", SARIFFile, err)
	}
	out, err := reports(ctx, s.c, r, nil)
	if err != nil {
		return nil, err
	}
	return out.WithNewFile(SARIFFile, log.String()), nil
}
