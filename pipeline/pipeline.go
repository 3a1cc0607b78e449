// Package pipeline is golden's CI/CD pipeline written against the Dagger Go
// SDK (dagger.io/dagger): lint, test, scan, build, image scan, publish and
// the GitOps staging bump, for Go, Python and Node services.
//
// Each stage is a method of Pipeline. It builds lazy SDK objects (containers
// from pinned tool images, with the source mounted and named cache volumes),
// runs the command line package toolcmd builds for it, reads the tool's
// report back and gates it with golden's plain packages (lint, gotest,
// coverage, junit, scan), and returns the SDK objects (report files,
// directories, containers) with the typed result: findings, test cases,
// coverage and a result.Stage.
//
// A stage's error says it could not run (bad input: exit 2; the engine,
// the network or a registry: exit 3). A stage that ran returns a nil error
// whatever its verdict: the verdict is Stage.Status (result.Failed when its
// gate failed) and StageError turns it into an error for callers that want
// one. Run runs every stage, the independent ones in parallel, and collects
// them into a result.Run.
//
// The package never needs a particular host: it reads files only through
// the SDK, except that coverage analysis reads the source tree from the
// file system of the process (Options.SourceDir, else an export of the
// source's code files to a temporary directory: the runner's host, or in a
// Dagger module function its own runtime container, where Export writes).
// Secrets reach containers only as *dagger.Secret, via WithSecretVariable,
// WithMountedSecret and WithRegistryAuth, never as plain text or
// arguments. The steps that run in the process itself (the staging bump,
// the signing of a published image) read their secrets' plaintext there,
// where they are used, and never log, record or return it.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"dagger.io/dagger"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitrepo"
	"github.com/goldenci/golden/internal/text"
	"github.com/goldenci/golden/repopath"
	"github.com/goldenci/golden/result"
)

// Paths inside the stage containers.
const (
	// SourcePath is where the source directory is mounted, and the working
	// directory of every tool.
	SourcePath = "/src"
	// OutPath is the directory tools write their reports to, outside the
	// source so that no tool reads another's report.
	OutPath = "/golden/out"
)

// cacheNamespace prefixes every cache volume. Cache volumes are global to
// a Dagger engine, shared by every pipeline and module that runs on it: a
// bare key such as "go-mod" could be another module's volume, with another
// layout or owner. The prefix keeps golden's volumes golden's own.
const cacheNamespace = "github.com/goldenci/golden:"

// Options configure a Pipeline.
type Options struct {
	// Config is the service's configuration (required): see config.Load.
	Config *config.Config
	// Commit, Branch and GitTag identify the revision built: they make the
	// image tags and the OCI revision and version labels. Branch is empty
	// for a tag pipeline, GitTag for a branch pipeline.
	Commit, Branch, GitTag string
	// MainBranch is the repository's default branch (default "main"): a
	// build of it is also tagged "latest", and only its pipelines bump
	// staging.
	MainBranch string
	// Repository is the source repository's URL, for the OCI source label
	// and the run's source (optional; never with credentials in it).
	Repository string
	// Created is the image creation time, for the OCI created label. Use
	// the commit time to build reproducible images; zero leaves the label
	// out.
	Created time.Time
	// Progress receives one line per step (optional).
	Progress io.Writer
	// SourceDir is the source's path on this host when it has one (the
	// golden ci runner). Coverage analysis then reads it directly, and patch
	// coverage (config coverage.patchBase) can read its git history;
	// without it the source's code files are exported to a temporary
	// directory and patch coverage is not computed.
	SourceDir string
	// RepoPath is the source's directory in its git repository,
	// slash-separated ("services/api" for a service in a monorepo; "" at
	// the root). The findings of lint and of the source scan and the files
	// of coverage are recorded relative to the repository root through it
	// (package repopath), the form GitHub and GitLab map onto files. The
	// golden ci runner finds it from SourceDir; a source directory from
	// elsewhere (a Dagger module's argument) cannot tell it.
	RepoPath string
	// Now is the clock for stage times (default time.Now).
	Now func() time.Time
	// Netrc and Npmrc are the credentials of the package managers in the
	// tool containers (optional): a netrc for Go modules and pip indexes,
	// an npmrc for npm registries. They reach the containers only as
	// mounted secrets.
	Netrc, Npmrc *dagger.Secret
	// CACerts is the PEM bundle the tool containers trust instead of their
	// images' own (optional; default the source's file config caCerts
	// names, if any).
	CACerts *dagger.File
	// TrivyDB is a pre-seeded Trivy cache directory (db/, java-db/,
	// policy/), for scans without any download (optional): the scans use
	// it instead of the cache volume and download nothing.
	TrivyDB *dagger.Directory
}

// Pipeline runs golden's stages on one source directory.
type Pipeline struct {
	client *dagger.Client
	source *dagger.Directory
	opts   Options
	cfg    *config.Config
	mu     sync.Mutex // serializes progress lines

	usedMu sync.Mutex
	used   map[string]string // the tool images run, by key (toolImage)
}

// New returns the pipeline of source, run with the client c.
func New(c *dagger.Client, source *dagger.Directory, o Options) *Pipeline {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MainBranch == "" {
		o.MainBranch = gitrepo.DefaultBranch
	}
	return &Pipeline{client: c, source: source, opts: o, cfg: o.Config}
}

// check reports what New could not: a pipeline without a client, source
// or configuration cannot run any stage.
func (p *Pipeline) check() error {
	switch {
	case p.client == nil:
		return exitcode.Inputf("pipeline: no Dagger client")
	case p.source == nil:
		return exitcode.Inputf("pipeline: no source directory")
	case p.cfg == nil:
		return exitcode.Inputf("pipeline: no configuration (Options.Config)")
	}
	if _, err := repopath.CleanPrefix(p.opts.RepoPath); err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	return nil
}

// paths maps the paths of a tool that ran in dir (SourcePath in a
// container, or the source tree on this host) to the repository root.
// check has validated RepoPath.
func (p *Pipeline) paths(dir string) repopath.Paths {
	paths, _ := repopath.Within(dir, p.opts.RepoPath)
	return paths
}

func (p *Pipeline) now() time.Time { return p.opts.Now() }

// logf writes one progress line.
func (p *Pipeline) logf(format string, args ...any) {
	if p.opts.Progress == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_, _ = fmt.Fprintf(p.opts.Progress, "golden: "+format+"\n", args...)
}

// cache returns golden's cache volume of that name.
func (p *Pipeline) cache(name string) *dagger.CacheVolume {
	return p.client.CacheVolume(cacheNamespace + name)
}

// tool returns a container of the tool image key ("go", "trivy", ...),
// pinned by tag and digest unless the configuration overrides it, with the
// source mounted as the working directory and an empty OutPath.
func (p *Pipeline) tool(key string) *dagger.Container {
	return p.withToolEnv(p.client.Container().From(p.toolImage(key))).
		WithDirectory(OutPath, p.client.Directory()).
		WithMountedDirectory(SourcePath, p.source).
		WithWorkdir(SourcePath)
}

// withToolEnv gives a tool container what ToolEnv says: the
// configuration's variables, the CA bundle and the package managers'
// credentials, mounted as secrets.
func (p *Pipeline) withToolEnv(c *dagger.Container) *dagger.Container {
	ca := p.opts.CACerts
	if ca == nil && p.cfg.CACerts != "" {
		ca = p.source.File(p.cfg.CACerts)
	}
	te := ToolEnv(p.cfg, ToolSecrets{CACerts: ca != nil, Netrc: p.opts.Netrc != nil, Npmrc: p.opts.Npmrc != nil})
	for _, v := range te.Vars {
		c = c.WithEnvVariable(v.Name, v.Value)
	}
	if ca != nil {
		c = c.WithMountedFile(te.CACertsPath, ca)
	}
	if p.opts.Netrc != nil {
		c = c.WithMountedSecret(te.NetrcPath, p.opts.Netrc)
	}
	if p.opts.Npmrc != nil {
		c = c.WithMountedSecret(te.NpmrcPath, p.opts.Npmrc)
	}
	return c
}

// withGoCaches mounts the Go module and build caches; the variables make
// every Go image use them, whatever its defaults.
func (p *Pipeline) withGoCaches(c *dagger.Container) *dagger.Container {
	return withGoCaches(p.client, c)
}

func withGoCaches(client *dagger.Client, c *dagger.Container) *dagger.Container {
	return c.
		WithMountedCache("/go/pkg/mod", client.CacheVolume(cacheNamespace+"go-mod")).
		WithEnvVariable("GOMODCACHE", "/go/pkg/mod").
		WithMountedCache("/root/.cache/go-build", client.CacheVolume(cacheNamespace+"go-build")).
		WithEnvVariable("GOCACHE", "/root/.cache/go-build")
}

// withPipCache mounts pip's download cache.
func (p *Pipeline) withPipCache(c *dagger.Container) *dagger.Container {
	return c.
		WithMountedCache("/root/.cache/pip", p.cache("pip")).
		WithEnvVariable("PIP_CACHE_DIR", "/root/.cache/pip").
		// pip refuses to install into a distribution's Python without it
		// (PEP 668); the container is thrown away.
		WithEnvVariable("PIP_BREAK_SYSTEM_PACKAGES", "1").
		WithEnvVariable("PIP_DISABLE_PIP_VERSION_CHECK", "1")
}

// withNpmCache mounts npm's cache.
func (p *Pipeline) withNpmCache(c *dagger.Container) *dagger.Container {
	return c.
		WithMountedCache("/root/.npm", p.cache("npm")).
		WithEnvVariable("npm_config_cache", "/root/.npm").
		WithEnvVariable("npm_config_update_notifier", "false").
		WithEnvVariable("npm_config_fund", "false").
		WithEnvVariable("npm_config_audit", "false")
}

// toolRun is what a tool run left behind: its exit code, its standard
// error and the report files it wrote. The stages assemble their results
// from a toolRun; tests make one by running the same command line on the
// host.
type toolRun struct {
	Argv     []string
	ExitCode int
	Stderr   string
	// Files holds the content of each output file read back; a file the
	// tool did not write is absent.
	Files map[string]string
}

// file returns an output file's content and whether it was written.
func (r *toolRun) file(path string) (string, bool) {
	s, ok := r.Files[path]
	return s, ok
}

// execOpts configure exec.
type execOpts struct {
	// Stdout redirects the command's standard output to this file.
	Stdout string
	// Outputs are the files to read back after the command ran.
	Outputs []string
}

// exec runs argv in c, accepting any exit code (the tool's exit code is a
// verdict, not a failure of the engine), and reads its outputs back. The
// returned container holds the outputs, for SDK files. An error means the
// engine could not run the command at all: the image could not be pulled,
// the engine went away (exit 3).
func (p *Pipeline) exec(ctx context.Context, stage string, c *dagger.Container, argv []string, o execOpts) (*dagger.Container, *toolRun, error) {
	p.logf("%s: %s", stage, strings.Join(argv, " "))
	c = c.WithExec(argv, dagger.ContainerWithExecOpts{RedirectStdout: o.Stdout, Expect: dagger.ReturnTypeAny})
	code, err := c.ExitCode(ctx)
	if err != nil {
		return nil, nil, engineError(fmt.Sprintf("running %s", argv[0]), err)
	}
	run := &toolRun{Argv: argv, ExitCode: code, Files: map[string]string{}}
	if run.Stderr, err = c.Stderr(ctx); err != nil {
		return nil, nil, engineError(fmt.Sprintf("reading the output of %s", argv[0]), err)
	}
	for _, path := range o.Outputs {
		ok, err := c.Exists(ctx, path)
		if err != nil {
			return nil, nil, engineError(fmt.Sprintf("looking for %s", path), err)
		}
		if !ok {
			continue
		}
		s, err := c.File(path).Contents(ctx)
		if err != nil {
			return nil, nil, engineError(fmt.Sprintf("reading %s", path), err)
		}
		run.Files[path] = s
	}
	return c, run, nil
}

// engineError classifies an error the engine returned. A command that
// failed (an ExecError) in a step that must succeed means the step's input
// is bad: a Dockerfile RUN that fails, a dependency that does not install
// (exit 2); unless its output says that it could not reach the network
// (package netfail: pip, npm or the go command could not reach their index,
// registry or proxy, a name did not resolve, a registry answered 5xx),
// which is infrastructure (exit 3) and says so, naming the host and quoting
// the command's stderr. Anything else is the engine, the network or a
// registry (exit 3).
func engineError(what string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return exitcode.InfraError(fmt.Errorf("%s: %w", what, err))
	}
	var execErr *dagger.ExecError
	if errors.As(err, &execErr) {
		if nerr := execNetworkFailed(what, execErr); nerr != nil {
			return nerr
		}
		return exitcode.InputError(fmt.Errorf("%s: %s exited %d: %s", what,
			strings.Join(execErr.Cmd, " "), execErr.ExitCode, text.LastLines(execErr.Stderr, tailLines)))
	}
	return exitcode.InfraError(fmt.Errorf("%s: %w", what, err))
}

// tailLines is how much of a tool's standard error an error message quotes.
const tailLines = 20

// toolFailed is the error of a tool that ended without a verdict (no
// report, or an exit code it uses for its own failures): bad configuration
// or code it cannot read, so bad input (exit 2). The message quotes the
// end of its standard error.
func toolFailed(tool string, code int, stderr string) error {
	msg := fmt.Sprintf("%s failed (exit code %d)", tool, code)
	if t := text.LastLines(stderr, tailLines); t != "" {
		msg += ":\n" + t
	}
	return exitcode.InputError(errors.New(msg))
}

// hostTree returns a directory on this host holding the source's files
// that match include (Options.SourceDir itself when set), and a function
// that removes what was exported.
func (p *Pipeline) hostTree(ctx context.Context, include []string) (string, func(), error) {
	if p.opts.SourceDir != "" {
		return p.opts.SourceDir, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "golden-source-")
	if err != nil {
		return "", nil, exitcode.InfraError(fmt.Errorf("exporting the source: %w", err))
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	src := p.source.Filter(dagger.DirectoryFilterOpts{Include: include, Exclude: []string{"**/node_modules", "**/.git"}})
	if _, err := src.Export(ctx, dir); err != nil {
		cleanup()
		return "", nil, engineError("exporting the source", err)
	}
	return dir, cleanup, nil
}

// stageTimes fills a stage's start and duration.
func (p *Pipeline) stageTimes(st *result.Stage, start time.Time) {
	st.StartedAt = start.UTC()
	st.Seconds = p.now().Sub(start).Seconds()
}
