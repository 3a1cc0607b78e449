package daggermod

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"dagger.io/dagger"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/pipeline"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/tools"
)

// PromoteCommandOptions are the arguments of golden promote.
type PromoteCommandOptions struct {
	// Golden is the golden binary (default "golden").
	Golden string
	// Repo is the GitOps repository's URL or path; Base the branch to
	// change (default: the remote's HEAD); Branch a new branch to push to
	// for a pull or merge request instead.
	Repo, Base, Branch string
	// Image is the image's name as the manifests of both environments
	// know it.
	Image string
	// From and To are the environments' directories or files in the
	// repository; ToImage the repository the target pulls from.
	From, To, ToImage string
	// Version is the version to give the image, or Bump the part of the
	// highest existing version to increment (major, minor, patch).
	Version, Bump string
	// Constraint must hold for the version; AllowDowngrade allows a
	// version below the highest one.
	Constraint     string
	AllowDowngrade bool
	// Actor is who promotes (the Golden-Promoted-By trailer).
	Actor string
	// DryRun prints the change and changes nothing.
	DryRun bool
	// Result is the result file golden promote records into.
	Result string
}

// PromoteCommand is the command line of golden promote. Credentials are
// never arguments: golden promote reads them from its environment
// (GOLDEN_GIT_TOKEN, GOLDEN_REGISTRY_PASSWORD, ...).
func PromoteCommand(o PromoteCommandOptions) []string {
	golden := o.Golden
	if golden == "" {
		golden = "golden"
	}
	argv := []string{golden, "promote", "--repo=" + o.Repo, "--image=" + o.Image, "--from=" + o.From, "--to=" + o.To}
	for _, f := range []struct{ flag, value string }{
		{"base", o.Base}, {"branch", o.Branch}, {"to-image", o.ToImage},
		{"version", o.Version}, {"bump", o.Bump}, {"constraint", o.Constraint},
		{"actor", o.Actor}, {"result", o.Result},
	} {
		if f.value != "" {
			argv = append(argv, "--"+f.flag+"="+f.value)
		}
	}
	if o.AllowDowngrade {
		argv = append(argv, "--allow-downgrade")
	}
	if o.DryRun {
		argv = append(argv, "--dry-run")
	}
	return argv
}

// PromoteOptions configure Promote.
type PromoteOptions struct {
	// Command holds golden promote's arguments but for Golden and Result,
	// which Promote sets. With Source, Repo, Base, Image, From, To and
	// ToImage default from the service's configuration.
	Command PromoteCommandOptions
	// Source, when set, is the service whose configuration (golden.yaml)
	// names the GitOps repository (gitops.repo, gitops.branch), the image
	// (image.repository) and the environments: From and To may then name
	// environments of gitops.environments, and ToImage defaults to the
	// image of To's entry.
	Source *dagger.Directory
	// Overrides apply to Source's configuration (Tools: the go image).
	Overrides Overrides
	// Golden is golden's own source tree, from which golden is built
	// (required).
	Golden *dagger.Directory
	// GitToken and GitUsername authenticate to the GitOps repository over
	// HTTPS (GOLDEN_GIT_TOKEN, GOLDEN_GIT_USERNAME).
	GitToken    *dagger.Secret
	GitUsername string
	// RegistryUsername and RegistryPassword log in to the source and
	// target registries (GOLDEN_REGISTRY_USERNAME,
	// GOLDEN_REGISTRY_PASSWORD).
	RegistryUsername string
	RegistryPassword *dagger.Secret
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Paths of the promote container.
const (
	promoteWorkdir = "/golden/promote"
	promoteResult  = promoteWorkdir + "/" + ResultFile
	goldenBin      = pipeline.GoldenBinary
)

// Promote runs golden promote in the Go image, built from o.Golden: it
// gives the environment To the image the environment From runs, by
// digest, with a version tag and an audit trail (see golden promote
// --help). It returns what golden promote printed. The secrets reach the
// container only as secret variables. A refused promotion (a downgrade,
// a version outside the constraint) is a gate error (exit 1); bad input
// exits 2; an unreachable repository or registry 3.
func Promote(ctx context.Context, c *dagger.Client, o PromoteOptions) (string, error) {
	if c == nil {
		return "", exitcode.Inputf("no Dagger client")
	}
	if o.Golden == nil {
		return "", exitcode.Inputf("promote: golden's source is not available to build golden promote from")
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	cmd := o.Command
	goImage := tools.Image("go")
	if o.Source != nil {
		cfg, err := LoadConfig(ctx, o.Source, o.Overrides)
		if err != nil {
			return "", err
		}
		goImage = cfg.ToolImage("go")
		cmd = withConfig(cmd, cfg)
	}
	switch {
	case strings.TrimSpace(cmd.Repo) == "":
		return "", exitcode.Inputf("promote: no GitOps repository: pass --repo or set gitops.repo in the service's golden.yaml")
	case strings.TrimSpace(cmd.Image) == "":
		return "", exitcode.Inputf("promote: no image: pass --image or set image.repository in the service's golden.yaml")
	case strings.TrimSpace(cmd.From) == "" || strings.TrimSpace(cmd.To) == "":
		return "", exitcode.Inputf("promote: --from and --to are required: the source and target environments")
	}
	cmd.Golden, cmd.Result = goldenBin, promoteResult

	ctr := pipeline.GoldenContainer(c, goImage, o.Golden).
		WithDirectory(promoteWorkdir, c.Directory()).
		WithWorkdir(promoteWorkdir).
		// Never reuse an earlier promotion from the engine's cache: the
		// repository and the registry have moved on since.
		WithEnvVariable("GOLDEN_PROMOTE_AT", now().UTC().Format(time.RFC3339Nano))
	if o.GitToken != nil {
		ctr = ctr.WithSecretVariable("GOLDEN_GIT_TOKEN", o.GitToken)
	}
	if u := strings.TrimSpace(o.GitUsername); u != "" {
		ctr = ctr.WithEnvVariable("GOLDEN_GIT_USERNAME", u)
	}
	if o.RegistryPassword != nil {
		if strings.TrimSpace(o.RegistryUsername) == "" {
			return "", exitcode.Inputf("promote: a registry password needs a registry username")
		}
		ctr = ctr.WithEnvVariable("GOLDEN_REGISTRY_USERNAME", strings.TrimSpace(o.RegistryUsername)).
			WithSecretVariable("GOLDEN_REGISTRY_PASSWORD", o.RegistryPassword)
	}
	ctr = ctr.WithExec(PromoteCommand(cmd), dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})

	code, err := ctr.ExitCode(ctx)
	if err != nil {
		return "", engineError("running golden promote", err)
	}
	stdout, err := ctr.Stdout(ctx)
	if err != nil {
		return "", engineError("reading the output of golden promote", err)
	}
	stderr, err := ctr.Stderr(ctx)
	if err != nil {
		return "", engineError("reading the output of golden promote", err)
	}
	var recorded string
	if ok, err := ctr.Exists(ctx, promoteResult); err != nil {
		return "", engineError("looking for "+ResultFile, err)
	} else if ok {
		if recorded, err = ctr.File(promoteResult).Contents(ctx); err != nil {
			return "", engineError("reading "+ResultFile, err)
		}
	}
	return promoteOutcome(code, stdout, stderr, recorded)
}

// withConfig fills in what cmd leaves out from the service's
// configuration: the GitOps repository and branch, the image, and the
// paths (and target image) of From and To when they name environments.
func withConfig(cmd PromoteCommandOptions, cfg *config.Config) PromoteCommandOptions {
	if cmd.Repo == "" {
		cmd.Repo = cfg.GitOps.Repo
	}
	if cmd.Base == "" {
		cmd.Base = cfg.GitOps.Branch
	}
	if cmd.Image == "" {
		cmd.Image = cfg.Image.Repository
	}
	if env, ok := cfg.GitOps.Environments[cmd.From]; ok {
		cmd.From = env.Path
	}
	if env, ok := cfg.GitOps.Environments[cmd.To]; ok {
		cmd.To = env.Path
		if cmd.ToImage == "" {
			cmd.ToImage = env.Image
		}
	}
	return cmd
}

// promoteOutcome classifies golden promote's exit: its standard output
// when it succeeded, else an error of its exit code's class carrying the
// stage's error (from the result it recorded) or the end of its standard
// error.
func promoteOutcome(code int, stdout, stderr, recorded string) (string, error) {
	if code == 0 {
		return stdout, nil
	}
	msg := ""
	if recorded != "" {
		if r, err := result.Read(strings.NewReader(recorded), ResultFile); err == nil {
			if st, ok := r.Stage("promote"); ok {
				msg = st.Error
			}
		}
	}
	if msg == "" {
		msg = lastLines(stderr, 20)
	}
	if msg == "" {
		msg = fmt.Sprintf("golden promote exited %d", code)
	}
	err := errors.New("promote: " + msg)
	switch code {
	case exitcode.Failed:
		return "", exitcode.GateError(err)
	case exitcode.Usage:
		return "", exitcode.InputError(err)
	}
	return "", exitcode.InfraError(err)
}

// engineError classifies an error of the engine: a command that failed
// in a step that must succeed (building golden) is bad input, anything
// else the engine, the network or a registry.
func engineError(what string, err error) error {
	var execErr *dagger.ExecError
	if errors.As(err, &execErr) {
		return exitcode.InputError(fmt.Errorf("%s: %s exited %d: %s", what,
			strings.Join(execErr.Cmd, " "), execErr.ExitCode, lastLines(execErr.Stderr, 20)))
	}
	return exitcode.InfraError(fmt.Errorf("%s: %w", what, err))
}

// lastLines returns the last n non-empty lines of s.
func lastLines(s string, n int) string {
	var kept []string
	lines := strings.Split(s, "\n")
	for i := len(lines) - 1; i >= 0 && len(kept) < n; i-- {
		if l := strings.TrimRight(lines[i], "\r"); strings.TrimSpace(l) != "" {
			kept = append([]string{l}, kept...)
		}
	}
	return strings.Join(kept, "\n")
}
