package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/coverage"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitrepo"
	"github.com/goldenci/golden/internal/text"
	"github.com/goldenci/golden/result"
)

// The stage names, as recorded in the result.
const (
	StageLint      = "lint"
	StageTest      = "test"
	StageCoverage  = "coverage"
	StageScan      = "scan"
	StageBuild     = "build"
	StageScanImage = "scan-image"
	StagePublish   = "publish"
	StageBump      = "bump"
)

// Stages lists the stages of Run in the order they are recorded.
var Stages = []string{StageLint, StageTest, StageCoverage, StageScan, StageBuild, StageScanImage, StagePublish, StageBump}

// Skippable lists the stages RunOptions.Skip may name. Skipping test
// skips coverage; skipping build skips scan-image.
var Skippable = []string{StageLint, StageTest, StageScan, StageBuild, StageScanImage}

// RunOptions choose what Run runs.
type RunOptions struct {
	// Skip names stages not to run (see Skippable); the configuration's
	// lint.skip, test.skip, scan.skip and scan.skipImage skip too.
	Skip []string
	// Publish pushes the image when every earlier stage passed.
	Publish bool
	// Credentials log in to the registry for Publish.
	Credentials Credentials
	// Bump sets the staging environment of the GitOps repository to the
	// published image, on the main branch (Options.MainBranch) only. It
	// needs Publish.
	Bump bool
	// Git authenticates Bump to the GitOps repository.
	Git GitCredentials
	// Signing, when set, signs the published image and attests its
	// provenance, gates and SBOM (see Signing and Pipeline.Release), as
	// part of the publish stage: a key that cannot sign fails it before
	// anything is pushed, a signature that cannot be written after the
	// push. It needs Publish.
	Signing *Signing
}

// Validate checks the options against the configuration before anything
// runs: unknown stages to skip, publishing without an image repository or
// without building, bumping without publishing or without a GitOps
// repository and staging environment, signing without publishing or with
// a tool image not pinned by digest. Errors are bad usage (exit 2).
// ValidateFor checks the revision too.
func (o RunOptions) Validate(cfg *config.Config) error {
	if cfg == nil {
		return exitcode.Inputf("pipeline: no configuration")
	}
	for _, s := range o.Skip {
		if !slices.Contains(Skippable, s) {
			return exitcode.Inputf("cannot skip %q: want one of %s", s, strings.Join(Skippable, ", "))
		}
	}
	if o.Publish {
		if slices.Contains(o.Skip, StageBuild) {
			return exitcode.Inputf("cannot publish without building: build is skipped")
		}
		if _, err := imageRepository(cfg.Image.Repository); err != nil {
			return err
		}
		if o.Credentials.Password != nil && strings.TrimSpace(o.Credentials.Username) == "" {
			return exitcode.Inputf("registry credentials have a password but no user name")
		}
	}
	if o.Signing != nil {
		if !o.Publish {
			return exitcode.Inputf("signing needs publish: the key signs the published image")
		}
		if err := o.Signing.validate(cfg); err != nil {
			return err
		}
	}
	if o.Bump {
		if !o.Publish {
			return exitcode.Inputf("the staging bump needs publish: there is no image to bump to otherwise")
		}
		if _, _, err := stagingEnvironment(cfg); err != nil {
			return err
		}
	}
	return nil
}

// ValidateFor is Validate with opts's configuration, and checks what the
// options need of the revision: signing needs the source repository and
// commit, which the provenance records.
func (o RunOptions) ValidateFor(opts Options) error {
	if err := o.Validate(opts.Config); err != nil {
		return err
	}
	if o.Signing != nil {
		return o.Signing.validateSource(opts)
	}
	return nil
}

// stager is what Run runs: the stages of a Pipeline. Run's scheduling and
// skip rules are tested with other implementations.
type stager interface {
	Lint(ctx context.Context) (*LintResult, error)
	Test(ctx context.Context) (*TestResult, error)
	Scan(ctx context.Context) (*ScanResult, error)
	Build(ctx context.Context, o BuildOptions) (*BuildResult, error)
	ScanImage(ctx context.Context, b *BuildResult) (*ScanResult, error)
	Publish(ctx context.Context, b *BuildResult, creds Credentials) (*PublishResult, error)
	Release(ctx context.Context, o ReleaseOptions) (*ReleaseResult, error)
	Bump(ctx context.Context, digest string, git GitCredentials) (*BumpResult, error)
}

var _ stager = (*Pipeline)(nil)

// Run runs the pipeline and collects every stage into a run:
//
//   - lint, test (with coverage), scan, and build followed by scan-image,
//     in parallel: a failing gate does not stop the others;
//   - then publish, when asked for and only when every stage so far passed
//     (else it is recorded as skipped), and with a signing key the
//     signature and attestations of the published digest (Release), whose
//     gates are the stages so far;
//   - then the staging bump, when asked for, after a publish, on the main
//     branch.
//
// Without publish, build builds only the first platform, the one the
// image scan scans. A source without a Dockerfile that is not a Go service
// (which is built natively) skips build and scan-image unless publish was
// asked for. The run records the coverage, the image (name, digest,
// tags) and the outputs coverage, coverage_patch, digest, image (name@digest),
// tags, version, signature and attestations (the attachment images of a
// signed image), and gitops_commit, gitops_changed, gitops_branch,
// gitops_compare_url from the bump.
//
// The error is nil when every stage passed (or was skipped); a gate error
// (exit 1) naming the failed stages; or, when a stage could not run, that
// stage's error with its class (exit 2 or 3). The run is returned in every
// case but a validation error (see RunOptions.Validate).
func (p *Pipeline) Run(ctx context.Context, o RunOptions) (*result.Run, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	return run(ctx, p, runEnv{cfg: p.cfg, opts: p.opts, logf: p.logf}, o)
}

// runEnv is what run needs of a Pipeline besides its stages.
type runEnv struct {
	cfg  *config.Config
	opts Options
	logf func(format string, args ...any)
}

// outcome is one stage's record and, when it could not run, its error.
type outcome struct {
	stage result.Stage
	err   error
}

// runState collects the outcomes of the stages as they finish.
type runState struct {
	env runEnv
	mu  sync.Mutex
	out map[string]outcome
}

func (s *runState) now() time.Time { return s.env.opts.Now() }

// record stores a stage's outcome: the stage when err is nil, else an
// errored stage carrying err's message.
func (s *runState) record(name string, start time.Time, st result.Stage, err error) {
	if err != nil {
		st = result.Stage{Name: name, Status: result.Errored, Error: err.Error()}
		if exitcode.Code(err) == exitcode.Failed {
			st.Status = result.Failed
		}
	}
	st.Name = name
	if st.StartedAt.IsZero() {
		st.StartedAt = start.UTC()
		st.Seconds = s.now().Sub(start).Seconds()
	}
	s.mu.Lock()
	s.out[name] = outcome{stage: st, err: err}
	s.mu.Unlock()
	line := fmt.Sprintf("%s: %s (%.1fs)", name, st.Status, st.Seconds)
	if st.Summary != "" {
		line += ": " + st.Summary
	}
	if st.Error != "" && st.Error != st.Summary {
		line += ": " + text.FirstLine(st.Error)
	}
	s.env.logf("%s", line)
}

// skip records a stage as skipped, for why.
func (s *runState) skip(name, why string) {
	s.record(name, s.now(), result.Stage{Status: result.Skipped, Summary: "skipped: " + why}, nil)
}

// notPassed lists the recorded stages that failed or errored, in order.
func (s *runState) notPassed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for _, n := range Stages {
		if o, ok := s.out[n]; ok && (o.stage.Status == result.Failed || o.stage.Status == result.Errored) {
			names = append(names, fmt.Sprintf("%s (%s)", n, o.stage.Status))
		}
	}
	return names
}

func run(ctx context.Context, s stager, env runEnv, o RunOptions) (*result.Run, error) {
	opts := env.opts
	opts.Config = env.cfg
	if err := o.ValidateFor(opts); err != nil {
		return nil, err
	}
	if env.opts.Now == nil {
		env.opts.Now = time.Now
	}
	if env.logf == nil {
		env.logf = func(string, ...any) {}
	}
	if env.opts.MainBranch == "" {
		env.opts.MainBranch = gitrepo.DefaultBranch
	}
	rn := &runner{ctx: ctx, s: s, env: env, o: o, st: &runState{env: env, out: map[string]outcome{}}}
	rn.started = rn.st.now()
	r := result.New(rn.started)
	var wg sync.WaitGroup
	for _, lane := range []func(){rn.lint, rn.test, rn.scan, rn.build} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lane()
		}()
	}
	wg.Wait()
	rn.publish()
	rn.bumpStaging()
	rn.record(r)
	r.UpdatedAt = rn.st.now().UTC()
	return r, runError(rn.st)
}

// runner is one Run: the stages it calls and what they returned.
type runner struct {
	ctx     context.Context
	s       stager
	env     runEnv
	o       RunOptions
	st      *runState
	started time.Time

	testRes  *TestResult
	buildRes *BuildResult
	// pushed is the image publish pushed; pub the same once the publish
	// stage passed (pushed, and signed when asked): the bump needs it.
	pushed   *PublishResult
	pub      *PublishResult
	released *ReleaseResult
	bump     *BumpResult
}

// skipped says why stage name does not run: asked to skip it, or the
// configuration skips it (bySelf).
func (rn *runner) skipped(name string, bySelf bool) (string, bool) {
	switch {
	case slices.Contains(rn.o.Skip, name):
		return "asked to skip " + name, true
	case bySelf:
		return "the configuration skips " + name, true
	}
	return "", false
}

// stage runs stage name with f unless it is skipped, and records it. It
// returns when the stage started and whether f ran without error.
func (rn *runner) stage(name string, bySelf bool, f func() (result.Stage, error)) (time.Time, bool) {
	if why, ok := rn.skipped(name, bySelf); ok {
		rn.st.skip(name, why)
		return time.Time{}, false
	}
	start := rn.st.now()
	rn.env.logf("%s: started", name)
	st, err := f()
	rn.st.record(name, start, st, err)
	return start, err == nil
}

func (rn *runner) lint() {
	rn.stage(StageLint, rn.env.cfg.Lint.Skip, func() (result.Stage, error) {
		res, err := rn.s.Lint(rn.ctx)
		return stageOf(res, err, func(r *LintResult) result.Stage { return r.Stage }), err
	})
}

// test runs the tests and records the coverage stage they made.
func (rn *runner) test() {
	var res *TestResult
	start, ok := rn.stage(StageTest, rn.env.cfg.Test.Skip, func() (result.Stage, error) {
		var err error
		res, err = rn.s.Test(rn.ctx)
		return stageOf(res, err, func(r *TestResult) result.Stage { return r.Stage }), err
	})
	if ok && res.CoverageStage != nil {
		rn.st.record(StageCoverage, start, *res.CoverageStage, res.coverageErr)
	}
	rn.testRes = res
}

func (rn *runner) scan() {
	rn.stage(StageScan, rn.env.cfg.Scan.Skip, func() (result.Stage, error) {
		res, err := rn.s.Scan(rn.ctx)
		return stageOf(res, err, func(r *ScanResult) result.Stage { return r.Stage }), err
	})
}

// build builds the image, then scans it. Without a publish only the
// platform the image scan scans is built; a source without a Dockerfile
// that is not built natively skips both unless publishing.
func (rn *runner) build() {
	cfg, o := rn.env.cfg, rn.o
	if why, ok := rn.skipped(StageBuild, false); ok {
		rn.st.skip(StageBuild, why)
		rn.st.skip(StageScanImage, "no image built")
		return
	}
	start := rn.st.now()
	rn.env.logf("%s: started", StageBuild)
	var bo BuildOptions
	if !o.Publish && len(cfg.Image.Platforms) > 1 {
		bo.Platforms = cfg.Image.Platforms[:1]
	}
	res, err := rn.s.Build(rn.ctx, bo)
	if errors.Is(err, ErrNoDockerfile) && !o.Publish {
		rn.st.skip(StageBuild, "no Dockerfile in the source")
		rn.st.skip(StageScanImage, "no image built")
		return
	}
	rn.st.record(StageBuild, start, stageOf(res, err, func(r *BuildResult) result.Stage { return r.Stage }), err)
	if err != nil {
		rn.st.skip(StageScanImage, "no image built")
		return
	}
	rn.buildRes = res
	rn.stage(StageScanImage, cfg.Scan.Skip || cfg.Scan.SkipImage, func() (result.Stage, error) {
		img, err := rn.s.ScanImage(rn.ctx, res)
		return stageOf(img, err, func(r *ScanResult) result.Stage { return r.Stage }), err
	})
}

// publish pushes the image when asked for and every stage so far passed.
func (rn *runner) publish() {
	if !rn.o.Publish {
		return
	}
	switch bad := rn.st.notPassed(); {
	case len(bad) > 0:
		rn.st.skip(StagePublish, "earlier stages did not pass: "+strings.Join(bad, ", "))
	case rn.buildRes == nil:
		rn.st.skip(StagePublish, "no image built")
	default:
		rn.stage(StagePublish, false, rn.publishStage)
	}
}

// publishStage pushes the image and, with a signing key, signs and attests
// it. The key is read first: a key that cannot sign pushes nothing.
func (rn *runner) publishStage() (result.Stage, error) {
	var signing *Signing
	if rn.o.Signing != nil {
		key, err := rn.o.Signing.privateKey(rn.ctx)
		if err != nil {
			return result.Stage{}, err
		}
		s := *rn.o.Signing
		s.Key = key
		signing = &s
	}
	res, err := rn.s.Publish(rn.ctx, rn.buildRes, rn.o.Credentials)
	if err != nil || res.Stage.Status != result.Passed {
		return stageOf(res, err, func(r *PublishResult) result.Stage { return r.Stage }), err
	}
	rn.pushed = res
	st := res.Stage
	if signing != nil {
		rel, err := rn.s.Release(rn.ctx, ReleaseOptions{
			Build: rn.buildRes, Published: res, Run: rn.gatesRun(res), Signing: *signing, Credentials: rn.o.Credentials,
		})
		if err != nil {
			return result.Stage{}, fmt.Errorf("published %s but could not sign it: %w", res.Ref, err)
		}
		rn.released = rel
		st.Summary += "; " + rel.Summary
	}
	rn.pub = res
	return st, nil
}

// bumpStaging bumps staging when asked for, after a publish, on the main
// branch.
func (rn *runner) bumpStaging() {
	if !rn.o.Bump {
		return
	}
	opts := rn.env.opts
	main := opts.MainBranch
	switch {
	case rn.pub == nil:
		rn.st.skip(StageBump, "nothing was published")
	case opts.Branch != main:
		rn.st.skip(StageBump, fmt.Sprintf("staging is bumped from the main branch %q only, not from %s", main, describeRef(opts.Branch, opts.GitTag)))
	default:
		rn.stage(StageBump, false, func() (result.Stage, error) {
			res, err := rn.s.Bump(rn.ctx, rn.pub.Digest, rn.o.Git)
			if err == nil {
				rn.bump = res
			}
			return stageOf(res, err, func(r *BumpResult) result.Stage { return r.Stage }), err
		})
	}
}

// record puts the stages, in order, the source, the coverage, the image
// (with the digest of an image pushed, even when its signing failed) and
// the outputs into r.
func (rn *runner) record(r *result.Run) {
	rn.recordInto(r, rn.pushed)
	if rn.released != nil {
		r.SetOutput("signature", rn.released.Signature)
		r.SetOutput("attestations", rn.released.Attestations)
	}
}

// gatesRun is the run so far, for the gates attestation of the image
// published as pub: the stages recorded before publish, the source, the
// coverage and the image with pub's digest.
func (rn *runner) gatesRun(pub *PublishResult) *result.Run {
	r := result.New(rn.started)
	rn.recordInto(r, pub)
	r.UpdatedAt = rn.st.now().UTC()
	return r
}

// recordInto is record with pub as the published image.
func (rn *runner) recordInto(r *result.Run, pub *PublishResult) {
	opts, cfg := rn.env.opts, rn.env.cfg
	if opts.Repository != "" || opts.Commit != "" || opts.Branch != "" {
		r.Source = &result.Source{Repository: opts.Repository, Commit: opts.Commit, Branch: opts.Branch}
	}
	for _, n := range Stages {
		if oc, ok := rn.st.out[n]; ok {
			r.SetStage(oc.stage)
		}
	}
	if rn.testRes != nil && rn.testRes.Coverage != nil {
		r.Coverage = rn.testRes.Coverage
		coverage.SetOutputs(r, rn.testRes.Coverage)
	}
	if rn.buildRes != nil && (cfg.Image.Repository != "" || pub != nil) {
		r.Image = &result.Image{Name: cfg.Image.Repository, Tags: rn.buildRes.Tags}
		if len(rn.buildRes.Tags) > 0 {
			r.SetOutput("tags", strings.Join(rn.buildRes.Tags, ","))
		}
	}
	if pub != nil {
		r.Image.Digest = pub.Digest
		r.SetOutput("digest", pub.Digest)
		r.SetOutput("image", pub.Ref)
	}
	if opts.GitTag != "" {
		r.SetOutput("version", opts.GitTag)
	}
	if rn.bump != nil {
		for k, v := range rn.bump.Outputs {
			if k != "image" && k != "digest" && k != "version" {
				r.SetOutput("gitops_"+k, v)
			}
		}
	}
}

// stageOf is the stage of a stage method's result, or a zero stage when
// it returned an error (record replaces it).
func stageOf[T any](res *T, err error, stage func(*T) result.Stage) result.Stage {
	if err != nil || res == nil {
		return result.Stage{}
	}
	return stage(res)
}

// runError is the error of a finished run: the first stage that could not
// run, with its class; else a gate error naming the failed stages.
func runError(st *runState) error {
	var failed []string
	for _, n := range Stages {
		oc, ok := st.out[n]
		if !ok {
			continue
		}
		if oc.stage.Status == result.Errored {
			if oc.err != nil {
				return fmt.Errorf("%s: %w", n, oc.err)
			}
			return exitcode.Infraf("%s: %s", n, oc.stage.Error)
		}
		if oc.stage.Status == result.Failed {
			failed = append(failed, n)
		}
	}
	if len(failed) > 0 {
		return exitcode.Gatef("failed: %s", strings.Join(failed, ", "))
	}
	return nil
}

// describeRef names what a pipeline runs on, for messages.
func describeRef(branch, tag string) string {
	switch {
	case branch != "":
		return fmt.Sprintf("branch %q", branch)
	case tag != "":
		return fmt.Sprintf("tag %q", tag)
	}
	return "an unknown branch"
}
