package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"dagger.io/dagger"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitrepo"
	"github.com/goldenci/golden/pipeline"
	"github.com/goldenci/golden/repopath"
	"github.com/goldenci/golden/report"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/semver"
)

var ciCmd = &command{
	Name:    "ci",
	Summary: "run the whole pipeline on Dagger: lint, test, scan, build, publish, staging bump",
	Usage:   "ci [--source DIR] [--image REPO] [--publish [--sign-key KEY]] [--bump] [--skip STAGES] [flags]",
	Help: `ci runs golden's pipeline on a Dagger engine, in one step: the service's
linter, tests with coverage and Trivy file system scan, and the build of its
image followed by a Trivy scan of it, all four in parallel; then, with
--publish and only when every stage passed, it pushes the image; then, with
--bump, on the main branch, it sets the staging environment of the GitOps
repository to the image's digest (as golden bump does, in golden itself).
The image is built from the Dockerfile, or for a Go service without one
natively: go build onto the pinned distroless base. Without --publish only
the first platform is built, the one the image scan scans. Each stage runs
its tool in a pinned image with named cache volumes; golden's gates decide
(lint.failOn, coverage minimums, scan severities).

The service is --source: its language is detected (go.mod, pyproject.toml
or requirements.txt, package.json) and golden.yaml (or .golden.yaml, or
--config) configures it; see the config package. Flags and --set settings
beat the file, the file beats detection. A bad configuration fails before any engine is
started (exit 2). A service may be a subdirectory of its git repository (a
monorepo, --source services/api): the findings and coverage files of the
run, and everything rendered from it, name files from the repository root
(services/api/main.go), as GitHub and GitLab map them.

The revision comes from the CI environment (GITHUB_SHA, GITHUB_REF_NAME,
GITHUB_REF_TYPE, GITHUB_HEAD_REF; CI_COMMIT_SHA, CI_COMMIT_BRANCH,
CI_COMMIT_TAG, CI_MERGE_REQUEST_SOURCE_BRANCH_NAME), else from the git
checkout of --source; --commit, --branch and --tag override it. It makes the
image tags (sha-<commit>, the branch, the version of a semver tag, latest on
the main branch) and OCI labels; the image's created label is the commit's
time (SOURCE_DATE_EPOCH overrides it; without either, the time of the run),
so that a rebuild of a commit gives the same image.

With --sign-key, publish then signs the pushed digest and attests it, as
'golden attest' does, in golden itself: a signature (cosign's
sha256-<hex>.sig tag), and in-toto attestations (the .att tag) of the SLSA
provenance v1 (the repository, ref and commit, golden.yaml and its sha256,
every tool image the run ran, by digest), of the run's gates (every stage
before publish) and of the CycloneDX SBOM Trivy makes of the image (its
first platform). The key is cosign's private key (cosign generate-key-pair),
a file or env://NAME, its password COSIGN_PASSWORD; it is read and
decrypted before any engine starts (a bad key or password exits 2), and
tool images set in the configuration must be pinned by digest. A signature
that cannot be written fails the publish stage (3 for the registry) and
nothing is bumped. The outputs signature and attestations name the tags
written. 'golden verify' and 'golden promote --verify-key' check them, and
so does cosign.

Secrets come from the environment only: GOLDEN_REGISTRY_PASSWORD (with
--registry-username, default $GOLDEN_REGISTRY_USERNAME; without them the
Docker credentials of this machine are used) reaches the engine as a Dagger
secret, and logs golden in to write the signatures. The staging bump runs
in golden itself, as 'golden bump' does, with its GOLDEN_GIT_* credentials
(GOLDEN_GIT_TOKEN with GOLDEN_GIT_USERNAME, a password, or an SSH key; see
'golden bump --help'). The report redacts them, and COSIGN_PASSWORD.

Air-gapped and corporate networks: every key of golden.yaml can be set with
--set KEY=VALUE (--set env.GOPROXY=https://goproxy.acme.internal,
--set scan.dbRepository=mirror.acme.internal/trivy-db:2,
--set tools.trivy=mirror.acme.internal/aquasec/trivy:0.69.3@sha256:...);
--netrc and --npmrc give the package managers their credentials as Dagger
secrets, --ca-certs a CA bundle, --trivy-db a pre-seeded Trivy cache.

The run is saved to --result and rendered for the platform (see 'golden
report'): GitHub step outputs, job summary and annotations; GitLab's JUnit,
Cobertura, Code Quality and dotenv reports in --out; a summary on a terminal.
The exit code is the run's: 0 when every stage passed, 1 when a gate failed,
2 when a stage could not run on its input (a Dockerfile that does not build,
a malformed report) and 3 when the engine, the network or a registry failed,
or a signal stopped the run.

The engine is found where the Dagger SDK finds it. Inside a Dagger session
(dagger run), DAGGER_SESSION_PORT and DAGGER_SESSION_TOKEN name it. Otherwise
golden starts "dagger session" with the dagger CLI that
_EXPERIMENTAL_DAGGER_CLI_BIN names, else with the CLI of its SDK's version,
downloaded into the user cache when missing; the session connects to the
engine at _EXPERIMENTAL_DAGGER_RUNNER_HOST (tcp://HOST:PORT, unix:///PATH,
docker-container://NAME, ...) or, when it is unset, starts one in a container
runtime such as Docker. golden prints where it connects to. An address that
refuses connections fails at once, an engine that does not answer within
--engine-timeout fails then; both name the address and exit 3. SIGINT or
SIGTERM stops golden ci within seconds with exit 3, stopping the session it
started; a second signal exits at once.

Example, a GitHub Actions job on a service repository (the one-line CI job):

  - run: go run github.com/goldenci/golden/cmd/golden@v1 ci --publish --bump
    env:
      GOLDEN_REGISTRY_USERNAME: ${{ github.actor }}
      GOLDEN_REGISTRY_PASSWORD: ${{ secrets.GITHUB_TOKEN }}
      GOLDEN_GIT_TOKEN: ${{ secrets.GITOPS_TOKEN }}

Example, locally, without publishing:

  golden ci --source . --skip scan --min-coverage 80`,
}

func init() {
	ciCmd.Run = runCI
	register(ciCmd)
}

// connect wraps golden's engine connection in a Dagger client; openEngine
// starts the session after it. Tests replace it, so that they never start
// an engine.
var connect = dagger.Connect

// defaultResult is the result file when neither --result nor
// $GOLDEN_RESULT names one.
const defaultResult = "golden-result.json"

// ciFlags are golden ci's flags.
type ciFlags struct {
	source, configFile, result, platform, out    string
	sarif                                        string
	image, registry, registryUser, signKey       string
	publish, bump                                bool
	minCoverage, minPackage, patchMin            percentFlag
	patchBase, lintFailOn, scanSeverity, dbRepo  string
	javaDBRepo, buildPlatforms, skip, mainBranch string
	ignoreUnfixed                                bool
	commit, branch, tag                          string
	netrc, npmrc, caCerts, trivyDB               string
	settings                                     stringsFlag
	engineTimeout                                time.Duration
	engineTimeoutErr                             error // a bad $GOLDEN_ENGINE_TIMEOUT
	set                                          map[string]bool
}

func (f *ciFlags) register(fs *flag.FlagSet, e *Env) {
	fs.StringVar(&f.source, "source", ".", "the service's source `DIR`")
	fs.StringVar(&f.configFile, "config", "", "read this config `FILE` instead of the service's golden.yaml")
	res := e.Getenv("GOLDEN_RESULT")
	if res == "" {
		res = defaultResult
	}
	fs.StringVar(&f.result, "result", res, "save the run to the result `FILE` (default $GOLDEN_RESULT, else "+defaultResult+")")
	fs.StringVar(&f.platform, "platform", "", "render the report for `PLATFORM`: github, gitlab or local (default: detected)")
	fs.StringVar(&f.out, "out", "golden-reports", "gitlab: write the reports into `DIR`")
	fs.StringVar(&f.sarif, "sarif", "", "also write the lint and source scan findings as SARIF 2.1.0 for GitHub code scanning to `FILE`")
	fs.StringVar(&f.image, "image", "", "the image `REPO`sitory to publish to, without tag (image.repository)")
	fs.BoolVar(&f.publish, "publish", false, "push the image when every stage passed")
	fs.StringVar(&f.registry, "registry", "", "log in to this registry `HOST` (default: the image repository's host)")
	fs.StringVar(&f.registryUser, "registry-username", e.Getenv("GOLDEN_REGISTRY_USERNAME"), "registry `USER`, with the password in $GOLDEN_REGISTRY_PASSWORD (default $GOLDEN_REGISTRY_USERNAME)")
	fs.StringVar(&f.signKey, "sign-key", "", "with --publish, sign the image and attest its provenance, gates and SBOM with cosign's private `KEY`: a file, or env://NAME (password in $COSIGN_PASSWORD)")
	fs.BoolVar(&f.bump, "bump", false, "after publishing on the main branch, bump the staging environment of the GitOps repository (credentials as for golden bump: $GOLDEN_GIT_TOKEN, ...)")
	fs.Var(&f.minCoverage, "min-coverage", "fail when the total coverage is below `PCT` percent (coverage.min)")
	fs.Var(&f.minPackage, "min-package-coverage", "fail when any package's coverage is below `PCT` percent (coverage.minPackage)")
	fs.Var(&f.patchMin, "patch-min", "fail when the coverage of the changed lines is below `PCT` percent (coverage.patchMin)")
	fs.StringVar(&f.patchBase, "patch-base", "", "measure patch coverage since the git revision `REV` (coverage.patchBase)")
	fs.StringVar(&f.lintFailOn, "lint-fail-on", "", "fail lint on findings of this `SEVERITY` or worse (lint.failOn)")
	fs.StringVar(&f.scanSeverity, "scan-severity", "", "comma-separated `SEVERITIES` that fail the scans (scan.severity)")
	fs.BoolVar(&f.ignoreUnfixed, "ignore-unfixed", false, "leave out the vulnerabilities trivy --ignore-unfixed leaves out (status not fixed): not counted, listed apart (scan.ignoreUnfixed)")
	fs.StringVar(&f.dbRepo, "trivy-db-repository", "", "download Trivy's vulnerability DB from this OCI `REPO` mirror (scan.dbRepository)")
	fs.StringVar(&f.javaDBRepo, "trivy-java-db-repository", "", "download Trivy's Java DB from this OCI `REPO` mirror (scan.javaDBRepository)")
	fs.StringVar(&f.buildPlatforms, "build-platform", "", "comma-separated `PLATFORMS` to build, e.g. linux/amd64,linux/arm64 (image.platforms)")
	fs.StringVar(&f.skip, "skip", "", "comma-separated `STAGES` not to run: "+strings.Join(pipeline.Skippable, ", "))
	main := e.Getenv("CI_DEFAULT_BRANCH")
	if main == "" {
		main = gitrepo.DefaultBranch
	}
	fs.StringVar(&f.mainBranch, "main-branch", main, "the `BRANCH` that bumps staging and is tagged latest (default $CI_DEFAULT_BRANCH, else main)")
	fs.Var(&f.settings, "set", "set the golden.yaml key `KEY=VALUE` (a YAML value; repeatable), e.g. --set env.GOPROXY=https://goproxy.acme.internal")
	fs.StringVar(&f.netrc, "netrc", e.Getenv("GOLDEN_NETRC"), "a netrc `FILE` with the credentials of private Go modules and pip indexes, given to the tools as a secret (default $GOLDEN_NETRC)")
	fs.StringVar(&f.npmrc, "npmrc", e.Getenv("GOLDEN_NPMRC"), "an npmrc `FILE` with npm registry credentials, given to the tools as a secret (default $GOLDEN_NPMRC)")
	fs.StringVar(&f.caCerts, "ca-certs", "", "a PEM `FILE` of CA certificates the tools trust instead of their images' own (caCerts)")
	fs.StringVar(&f.trivyDB, "trivy-db", "", "a pre-seeded Trivy cache `DIR` (db/, java-db/): the scans download nothing")
	fs.StringVar(&f.commit, "commit", "", "the commit `SHA` built (default: from the CI environment or git)")
	fs.StringVar(&f.branch, "branch", "", "the `BRANCH` built (default: from the CI environment or git)")
	fs.StringVar(&f.tag, "tag", "", "the git `TAG` built (default: from the CI environment or git)")
	timeout, err := engineTimeoutDefault(e.Getenv)
	f.engineTimeoutErr = err
	fs.DurationVar(&f.engineTimeout, "engine-timeout", timeout,
		"give up connecting to the Dagger engine after `DURATION`, e.g. 90s or 5m; 0: no limit (default $"+envEngineTimeout+", else "+defaultEngineTimeout.String()+")")
}

func runCI(ctx context.Context, e *Env, args []string) error {
	c := ciCmd
	fs := c.flagSet(e)
	var f ciFlags
	f.register(fs, e)
	if err := c.parseFlags(e, fs, args); err != nil {
		return err
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })

	platform := report.DetectPlatform(e.Getenv)
	if f.platform != "" {
		p, err := report.ParsePlatform(f.platform)
		if err != nil {
			return exitcode.Inputf("--platform: %w", err)
		}
		platform = p
	}
	if strings.TrimSpace(f.result) == "" {
		return exitcode.Inputf("--result must name a file")
	}
	if f.engineTimeoutErr != nil && !f.set["engine-timeout"] {
		return f.engineTimeoutErr
	}
	if f.engineTimeout < 0 {
		return exitcode.Inputf("--engine-timeout %v: want a duration of 0 (no limit) or more", f.engineTimeout)
	}

	started := e.Now()
	prep, err := prepareCI(e, &f)
	if err != nil {
		return ciFail(ctx, e, &f, platform, started, err)
	}

	client, closeEngine, err := openEngine(ctx, e, f.engineTimeout)
	if err != nil {
		return ciFail(ctx, e, &f, platform, started, err)
	}
	defer closeEngine()

	src := client.Host().Directory(prep.sourceDir, dagger.HostDirectoryOpts{Exclude: prep.exclude, Gitignore: true})
	opts := pipeline.Options{
		Config:     prep.cfg,
		Commit:     prep.rev.Commit,
		Branch:     prep.rev.Branch,
		GitTag:     prep.rev.Tag,
		MainBranch: f.mainBranch,
		Repository: prep.rev.Repository,
		Created:    prep.rev.Created,
		Progress:   e.Stderr,
		SourceDir:  prep.sourceDir,
		RepoPath:   prep.repoPath,
		Now:        e.Now,
	}
	// The session reads the credentials' files itself (file:// secret
	// URIs): their content never passes through golden.
	if prep.netrc != "" {
		opts.Netrc = client.Secret("file://" + prep.netrc)
	}
	if prep.npmrc != "" {
		opts.Npmrc = client.Secret("file://" + prep.npmrc)
	}
	if prep.caCerts != "" {
		opts.CACerts = client.Host().File(prep.caCerts)
	}
	if prep.trivyDB != "" {
		opts.TrivyDB = client.Host().Directory(prep.trivyDB)
	}
	ro := prep.run
	if pw := e.Getenv("GOLDEN_REGISTRY_PASSWORD"); pw != "" && f.publish {
		ro.Credentials.Password = client.SetSecret("golden-registry-password", pw)
	}

	run, runErr := pipeline.New(client, src, opts).Run(ctx, ro)
	if ctx.Err() != nil {
		runErr = interrupted(ctx, runErr)
	}
	if run == nil {
		return ciFail(ctx, e, &f, platform, started, runErr)
	}
	return ciFinish(ctx, e, &f, platform, run, runErr)
}

// interrupted is golden ci's error when its context ended (a signal)
// during the pipeline: exit 3, whatever the stages said.
func interrupted(ctx context.Context, err error) error {
	cause := context.Cause(ctx)
	if err == nil || errors.Is(err, cause) {
		return exitcode.InfraError(fmt.Errorf("the pipeline did not finish: %w", cause))
	}
	return exitcode.InfraError(fmt.Errorf("the pipeline did not finish: %w (%v)", cause, err))
}

// ciPrep is what golden ci knows before it connects to the engine.
type ciPrep struct {
	cfg       *config.Config
	sourceDir string   // absolute
	repoPath  string   // sourceDir's path in its git repository, "" at the root
	exclude   []string // paths under sourceDir the engine does not load
	rev       revision
	run       pipeline.RunOptions
	// The files and directories given to the tools, absolute ("" for
	// none): netrc, npmrc, CA bundle, pre-seeded Trivy cache.
	netrc, npmrc, caCerts, trivyDB string
}

// prepareCI loads and checks everything that can be checked without an
// engine: the configuration with the flags applied, the run options, the
// revision and golden's source for the bump.
func prepareCI(e *Env, f *ciFlags) (*ciPrep, error) {
	abs, err := filepath.Abs(f.source)
	if err != nil {
		return nil, exitcode.Infraf("--source %q: %w", f.source, err)
	}
	prep := &ciPrep{sourceDir: abs}
	settings, err := ciSettings(f)
	if err != nil {
		return nil, err
	}
	if f.configFile != "" {
		prep.cfg, err = loadConfigFile(abs, f.configFile, e.Getenv, settings...)
	} else {
		prep.cfg, err = config.Load(abs, e.Getenv, settings...)
	}
	if err != nil {
		return nil, err
	}
	if prep.cfg.Coverage.PatchMin != nil && prep.cfg.Coverage.PatchBase == "" {
		return nil, exitcode.Inputf("a patch coverage minimum needs a base revision: --patch-base REV or coverage.patchBase")
	}

	prep.run = pipeline.RunOptions{
		Skip:    splitList(f.skip),
		Publish: f.publish,
		Bump:    f.bump,
		Credentials: pipeline.Credentials{
			Registry: strings.TrimSpace(f.registry),
			Username: strings.TrimSpace(f.registryUser),
		},
	}
	if f.bump {
		if prep.run.Git.Auth, err = gitrepo.AuthFromEnv(e.Getenv); err != nil {
			return nil, err
		}
	}
	if prep.run.Signing, err = ciSigning(e, f); err != nil {
		return nil, err
	}
	for _, hf := range []struct {
		flag, path string
		dir        bool
		dst        *string
	}{{"netrc", f.netrc, false, &prep.netrc}, {"npmrc", f.npmrc, false, &prep.npmrc}, {"ca-certs", f.caCerts, false, &prep.caCerts}, {"trivy-db", f.trivyDB, true, &prep.trivyDB}} {
		if *hf.dst, err = hostPath(hf.flag, hf.path, hf.dir); err != nil {
			return nil, err
		}
	}
	if f.publish && e.Getenv("GOLDEN_REGISTRY_PASSWORD") != "" && prep.run.Credentials.Username == "" {
		return nil, exitcode.Inputf("GOLDEN_REGISTRY_PASSWORD is set but no registry user: pass --registry-username or set GOLDEN_REGISTRY_USERNAME")
	}
	if err := prep.run.Validate(prep.cfg); err != nil {
		return nil, err
	}

	prep.rev, err = detectRevision(e, abs)
	if err != nil {
		return nil, err
	}
	// Findings and coverage name files from the repository root.
	if prep.repoPath, err = repopath.Prefix(abs); err != nil {
		return nil, err
	}
	if f.set["commit"] {
		prep.rev.Commit = strings.TrimSpace(f.commit)
	}
	if f.set["branch"] {
		prep.rev.Branch = strings.TrimSpace(f.branch)
	}
	if f.set["tag"] {
		prep.rev.Tag = strings.TrimSpace(f.tag)
	}
	if prep.rev.Created.IsZero() {
		prep.rev.Created = e.Now()
	}
	if err := prep.run.ValidateFor(pipeline.Options{Config: prep.cfg, Commit: prep.rev.Commit, Repository: prep.rev.Repository}); err != nil {
		if prep.run.Signing != nil {
			err = fmt.Errorf("%w (golden ci reads the revision from the CI environment or from the git checkout and its origin remote)", err)
		}
		return nil, err
	}

	// The result, the reports and .git are written or irrelevant: loading
	// them would change the source's digest on every run.
	prep.exclude = []string{".git"}
	for _, p := range []string{f.result, f.out} {
		if rel, ok := under(abs, p); ok {
			prep.exclude = append(prep.exclude, rel)
		}
	}

	return prep, nil
}

// ciSigning is how publish signs, from --sign-key and COSIGN_PASSWORD (nil
// without --sign-key): the key read and decrypted here, golden's version,
// the CI run's URL and the --config file for the provenance.
func ciSigning(e *Env, f *ciFlags) (*pipeline.Signing, error) {
	if !f.set["sign-key"] {
		return nil, nil
	}
	key, err := loadPrivateKeyFlag(e, "sign-key", f.signKey)
	if err != nil {
		return nil, err
	}
	s := &pipeline.Signing{Key: key, Version: version(), InvocationID: ciRunURL(e)}
	if f.configFile != "" {
		if s.ConfigData, err = readFlagFile("config", f.configFile); err != nil {
			return nil, err
		}
		s.ConfigPath = filepath.ToSlash(f.configFile)
	}
	return s, nil
}

// hostPath checks the file (or, with dir, directory) a flag names and
// returns its absolute path; "" stays "".
func hostPath(flag, p string, dir bool) (string, error) {
	if strings.TrimSpace(p) == "" {
		return "", nil
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", exitcode.Infraf("--%s %q: %w", flag, p, err)
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", exitcode.Inputf("--%s %q: no such file or directory", flag, p)
	case err != nil:
		return "", exitcode.Infraf("--%s %q: %w", flag, p, err)
	case fi.IsDir() != dir:
		want := "a file"
		if dir {
			want = "a directory"
		}
		return "", exitcode.Inputf("--%s %q: want %s", flag, p, want)
	}
	return abs, nil
}

// ciSettings are the settings the flags that were set make, named by
// their flags, then the --set ones: one override layer (package config's
// Setting), so that a flag is checked like its golden.yaml key.
func ciSettings(f *ciFlags) ([]config.Setting, error) {
	var out []config.Setting
	add := func(flag, key, value string) {
		if f.set[flag] {
			out = append(out, config.Setting{Key: key, Value: value, From: "--" + flag})
		}
	}
	pct := func(p percentFlag) string {
		if p.v == nil {
			return "null"
		}
		return strconv.FormatFloat(*p.v, 'f', -1, 64)
	}
	add("image", "image.repository", yamlString(strings.TrimSpace(f.image)))
	add("min-coverage", "coverage.min", pct(f.minCoverage))
	add("min-package-coverage", "coverage.minPackage", pct(f.minPackage))
	add("patch-min", "coverage.patchMin", pct(f.patchMin))
	add("patch-base", "coverage.patchBase", yamlString(strings.TrimSpace(f.patchBase)))
	add("lint-fail-on", "lint.failOn", yamlString(strings.TrimSpace(f.lintFailOn)))
	add("scan-severity", "scan.severity", yamlList(splitList(strings.ToUpper(f.scanSeverity))))
	add("ignore-unfixed", "scan.ignoreUnfixed", strconv.FormatBool(f.ignoreUnfixed))
	add("trivy-db-repository", "scan.dbRepository", yamlString(strings.TrimSpace(f.dbRepo)))
	add("trivy-java-db-repository", "scan.javaDBRepository", yamlString(strings.TrimSpace(f.javaDBRepo)))
	add("build-platform", "image.platforms", yamlList(splitList(f.buildPlatforms)))
	sets, err := config.ParseSettings(f.settings)
	if err != nil {
		return nil, err
	}
	return append(out, sets...), nil
}

// yamlString is s as a YAML string (JSON's quoting is YAML's).
func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// yamlList is a YAML flow list of strings.
func yamlList(items []string) string {
	if items == nil {
		items = []string{}
	}
	b, _ := json.Marshal(items)
	return string(b)
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// under returns p relative to dir when p (relative to the working
// directory) is inside dir.
func under(dir, p string) (string, bool) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(dir, abs)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// loadConfigFile loads the service in dir with file as its config file:
// the file is parsed under its own name first (so that its errors name
// it), then loaded in place of golden.yaml.
func loadConfigFile(dir, file string, getenv func(string) string, sets ...config.Setting) (*config.Config, error) {
	data, err := os.ReadFile(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, exitcode.Inputf("--config %q: no such file", file)
	case err != nil:
		return nil, exitcode.Infraf("--config: %w", err)
	}
	if _, err := config.Parse(data, file); err != nil {
		return nil, err
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, exitcode.Inputf("--source %q: no such directory", dir)
	case err != nil:
		return nil, exitcode.Infraf("--source: %w", err)
	case !fi.IsDir():
		return nil, exitcode.Inputf("--source %q: not a directory", dir)
	}
	return config.LoadFS(configOverlay{base: os.DirFS(dir), file: data}, filepath.Base(dir), getenv, sets...)
}

// configOverlay is a service directory whose golden.yaml is another file's
// content, and which has no other config file.
type configOverlay struct {
	base fs.FS
	file []byte
}

func (o configOverlay) Open(name string) (fs.File, error) {
	switch {
	case name == config.ConfigFile:
		return config.MemFS{name: {Data: o.file}}.Open(name)
	case slices.Contains(config.ConfigFiles, name):
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return o.base.Open(name)
}

// revision is what golden ci builds: the commit, its branch or tag, the
// repository and the commit's time.
type revision struct {
	Commit, Branch, Tag string
	Repository          string
	Created             time.Time
}

// detectRevision reads the revision from the CI environment (GitHub
// Actions, GitLab CI) and fills what it does not say from the git checkout
// that holds dir. A directory outside git is fine: the revision is then
// what the environment says. SOURCE_DATE_EPOCH sets the created time.
func detectRevision(e *Env, dir string) (revision, error) {
	var r revision
	get := func(k string) string { return strings.TrimSpace(e.Getenv(k)) }
	switch {
	case get("GITHUB_SHA") != "":
		r.Commit = get("GITHUB_SHA")
		switch {
		case get("GITHUB_REF_TYPE") == "tag":
			r.Tag = get("GITHUB_REF_NAME")
		case get("GITHUB_HEAD_REF") != "": // a pull request: its branch
			r.Branch = get("GITHUB_HEAD_REF")
		default:
			r.Branch = get("GITHUB_REF_NAME")
		}
		if get("GITHUB_SERVER_URL") != "" && get("GITHUB_REPOSITORY") != "" {
			r.Repository = strings.TrimSuffix(get("GITHUB_SERVER_URL"), "/") + "/" + get("GITHUB_REPOSITORY")
		}
	case get("CI_COMMIT_SHA") != "":
		r.Commit = get("CI_COMMIT_SHA")
		r.Tag = get("CI_COMMIT_TAG")
		if r.Tag == "" {
			r.Branch = get("CI_COMMIT_BRANCH")
			if r.Branch == "" {
				r.Branch = get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME")
			}
		}
		r.Repository = get("CI_PROJECT_URL")
	}
	g, err := gitRevision(dir)
	if err != nil {
		return r, err
	}
	if r.Commit == "" {
		r.Commit, r.Branch, r.Tag = g.Commit, g.Branch, g.Tag
	}
	if r.Repository == "" {
		r.Repository = g.Repository
	}
	if r.Commit == g.Commit {
		r.Created = g.Created
	}
	if s := get("SOURCE_DATE_EPOCH"); s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil || sec < 0 {
			return r, exitcode.Inputf("SOURCE_DATE_EPOCH %q: want seconds since 1970", s)
		}
		r.Created = time.Unix(sec, 0).UTC()
	}
	return r, nil
}

// gitRevision reads HEAD of the git checkout that holds dir: the commit,
// its branch (when HEAD is on one), the highest semantic-version tag on
// the commit, the origin remote's URL without credentials and the commit
// time. A directory outside any checkout gives an empty revision.
func gitRevision(dir string) (revision, error) {
	c, err := gitrepo.Describe(dir)
	if err != nil {
		return revision{}, err
	}
	r := revision{Commit: c.Commit, Branch: c.Branch, Created: c.Time, Repository: c.Origin}
	var versions []string
	for _, t := range c.Tags {
		if _, ok := semver.ParseTag(t); ok {
			versions = append(versions, t)
		}
	}
	if v, ok := semver.Highest(versions); ok {
		r.Tag = v.Tag()
	}
	return r, nil
}

// ciFail records an error that stopped golden ci before the pipeline ran
// (a bad configuration, no engine) as the stage "ci", saves and renders the
// run, and returns the error.
func ciFail(ctx context.Context, e *Env, f *ciFlags, platform report.Platform, started time.Time, err error) error {
	run := result.New(started)
	st := stageFor(e, "ci", started, err)
	st.Summary = "golden ci could not run the pipeline"
	run.SetStage(st)
	return ciFinish(ctx, e, f, platform, run, err)
}

// ciFinish saves the run to --result, renders it for the platform and
// returns the run's error. A failure to save or render is returned when
// the run has no error of its own, else printed.
func ciFinish(ctx context.Context, e *Env, f *ciFlags, platform report.Platform, run *result.Run, runErr error) error {
	run.UpdatedAt = e.Now().UTC()
	if err := run.Save(f.result); err != nil {
		return ciSecondary(e, runErr, exitcode.InfraError(err))
	}
	o := renderOptions{platform: platform, out: f.out, source: f.source, maxAnnotations: report.DefaultMaxAnnotations, maxItems: report.DefaultMaxItems}
	if f.sarif != "" {
		// The image scan's findings are paths in the image, not the source.
		o.sarif, o.sarifStages = f.sarif, []string{pipeline.StageLint, pipeline.StageScan}
	}
	var masked []string
	for _, name := range []string{"GOLDEN_REGISTRY_PASSWORD", gitrepo.EnvToken, gitrepo.EnvPassword, gitrepo.EnvSSHPassphrase, envKeyPassword} {
		if e.Getenv(name) != "" {
			masked = append(masked, name)
		}
	}
	if err := renderRun(e, run, report.NewRedactor(maskedSecrets(e, masked)...), o); err != nil {
		return ciSecondary(e, runErr, fmt.Errorf("rendering the report: %w", err))
	}
	return runErr
}

// ciSecondary returns err when the run has no error, else prints it and
// returns the run's.
func ciSecondary(e *Env, runErr, err error) error {
	if runErr == nil {
		return err
	}
	fmt.Fprintf(e.Stderr, "golden ci: %v\n", err)
	return runErr
}
