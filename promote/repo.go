package promote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitops"
	"github.com/goldenci/golden/gitrepo"
	"github.com/goldenci/golden/policy"
)

// Repo says which GitOps repository to change and how. Bump and Promote
// share it.
type Repo struct {
	// URL is the repository: an https://, http://, ssh:// or file:// URL,
	// an scp-like address (git@host:owner/repo.git) or a local path (see
	// gitrepo.CloneOptions.URL).
	URL string
	// Auth holds the credentials, from the environment
	// (gitrepo.AuthFromEnv), never from command-line flags.
	Auth gitrepo.Auth
	// Base is the branch to read and change. Empty means the branch the
	// remote's HEAD points to, or gitrepo.DefaultBranch ("main") when the
	// remote does not say (an unreachable remote is an error, not "main").
	Base string
	// Branch, when set and different from Base, receives the commit
	// instead of Base, for a pull or merge request (built on Branch when
	// it already exists on the remote, on Base otherwise).
	Branch string
	// DryRun makes the change in a clone and reports its diff; nothing is
	// pushed, copied or tagged.
	DryRun bool
	// MaxAttempts bounds the attempts to push while the branch keeps
	// moving (gitrepo.DefaultMaxAttempts when zero).
	MaxAttempts int
	// Backoff spaces the attempts (gitrepo.DefaultBackoff when zero).
	Backoff gitrepo.Backoff
	// Author signs the commit (gitrepo.DefaultAuthor when zero).
	Author gitrepo.Signature
	// Now gives the commit time (time.Now when nil).
	Now func() time.Time
	// TempDir is where clones go (os.TempDir when empty); they are removed
	// when the call returns.
	TempDir string
	// Progress, when set, receives progress lines (cloning, pushing,
	// retrying) and warnings, without credentials.
	Progress io.Writer
	// Policy, when set, must pass on the changed environment after the
	// edit and before the commit (rendered with kustomize when it holds a
	// kustomization, package policy): a failure refuses the change (exit
	// 1) with nothing committed or pushed; a dry run checks it too. With
	// a policy the checkout is whole, not sparse: an overlay's resources
	// lie outside it.
	Policy *policy.Policies
}

// gitOptions returns the gitrepo options of a change to the repository.
func (r Repo) gitOptions() gitrepo.Options {
	return gitrepo.Options{
		CloneOptions: gitrepo.CloneOptions{URL: r.URL, Branch: r.Base, Auth: r.Auth, Progress: r.Progress},
		Author:       r.Author,
		PushBranch:   r.Branch,
		DryRun:       r.DryRun,
		MaxAttempts:  r.MaxAttempts,
		Backoff:      r.Backoff,
		Now:          r.Now,
		TempDir:      r.TempDir,
	}
}

// envEdit sets an image in one environment of a checkout: the edit of
// Bump and of Promote (gitrepo.EditFunc), keeping the values it changed.
type envEdit struct {
	rel     string // the environment's path in the repository
	img     gitops.Image
	opts    gitops.Options
	changes []gitops.Change // file names relative to the repository
	// guard, when set, sees what the environment runs before the edit and
	// may refuse the edit.
	guard func(current gitops.Image) error
	// policy, when set, checks the environment after the edit (Repo.Policy);
	// report is its last verdict.
	ctx    context.Context
	policy *policy.Policies
	report *policy.Report
}

func (e *envEdit) edit(dir string) (bool, error) {
	e.changes = nil
	p, err := inCheckout(dir, e.rel)
	if err != nil {
		return false, err
	}
	if e.guard != nil {
		// An environment that does not run the image yet is Update's to
		// report.
		if cur, err := gitops.CurrentImage(p, e.img.Name, e.opts); err == nil {
			if err := e.guard(cur); err != nil {
				return false, err
			}
		}
	}
	r, err := gitops.Update(p, e.img, e.opts)
	if err != nil {
		return false, relativeError(err, dir)
	}
	e.changes = relativeChanges(r.Changes, dir)
	if e.policy != nil {
		if err := e.checkPolicy(dir); err != nil {
			return false, err
		}
	}
	return r.Changed(), nil
}

// checkPolicy checks the edited environment against the policies; a
// failure is a failed gate listing the failures.
func (e *envEdit) checkPolicy(dir string) error {
	rep, err := e.policy.CheckEnvironment(e.ctx, dir, e.rel)
	if err != nil {
		return relativeError(fmt.Errorf("checking %s against the policies: %w", e.rel, err), dir)
	}
	e.report = &rep
	if !rep.Failed() {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s; refusing the change:", e.rel, rep.Verdict())
	for _, f := range rep.Findings() {
		if f.Severity == policy.FailureSeverity {
			fmt.Fprintf(&b, "\n  %s: %s: %s", f.Location(), f.RuleID, f.Message)
		}
	}
	return exitcode.GateError(errors.New(b.String()))
}

// current reads the image the environment runs in the checkout at dir.
func (e *envEdit) current(dir string) (gitops.Image, error) {
	p, err := inCheckout(dir, e.rel)
	if err != nil {
		return gitops.Image{}, err
	}
	img, err := gitops.CurrentImage(p, e.img.Name, e.opts)
	if err != nil {
		return gitops.Image{}, relativeError(err, dir)
	}
	return img, nil
}

func (r Repo) logf(format string, args ...any) {
	if r.Progress != nil {
		fmt.Fprintf(r.Progress, format+"\n", args...)
	}
}

// cleanPath checks a path inside the repository given by the user
// ("overlays/staging") and returns it cleaned, with slashes.
func cleanPath(flag, p string) (string, error) {
	if strings.TrimSpace(p) == "" {
		return "", exitcode.Inputf("%s: no path given (want a directory or file of the GitOps repository, e.g. overlays/staging)", flag)
	}
	if strings.ContainsAny(p, "\x00\r\n") {
		return "", exitcode.Inputf("%s %q: contains a control character", flag, p)
	}
	c := filepath.Clean(filepath.FromSlash(p))
	if !filepath.IsLocal(c) && c != "." {
		return "", exitcode.Inputf("%s %q: want a path inside the GitOps repository (relative, without ..)", flag, p)
	}
	if first, _, _ := strings.Cut(filepath.ToSlash(c), "/"); first == ".git" {
		return "", exitcode.Inputf("%s %q: is inside .git", flag, p)
	}
	return filepath.ToSlash(c), nil
}

// inCheckout resolves the repository path rel in the checkout at dir,
// refusing symbolic links that lead out of the checkout.
func inCheckout(dir, rel string) (string, error) {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", exitcode.Inputf("%q: no such file or directory in the GitOps repository", rel)
		}
		return "", exitcode.Inputf("%q: %v", rel, relErrText(err.Error(), dir))
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", exitcode.Infraf("reading the checkout: %w", err)
	}
	if r, err := filepath.Rel(root, real); err != nil || !filepath.IsLocal(r) && r != "." {
		return "", exitcode.Inputf("%q: a symbolic link leads out of the GitOps repository", rel)
	}
	if r, _ := filepath.Rel(root, real); r == ".git" || strings.HasPrefix(filepath.ToSlash(r), ".git/") {
		return "", exitcode.Inputf("%q: a symbolic link leads into .git", rel)
	}
	return p, nil
}

// relErrText shows paths of the checkout at dir relative to the
// repository.
func relErrText(s, dir string) string {
	if dir == "" {
		return s
	}
	s = strings.ReplaceAll(s, dir+string(filepath.Separator), "")
	return strings.ReplaceAll(s, dir, ".")
}

// relError is an error whose message names files relative to the
// repository instead of the temporary checkout. It keeps the exit code
// class and unwraps to the original error (for errors.Is).
type relError struct {
	msg string
	err error
}

func (e *relError) Error() string { return e.msg }
func (e *relError) Unwrap() error { return e.err }

// relativeError rewrites the checkout path dir out of err's message,
// keeping its class.
func relativeError(err error, dir string) error {
	if err == nil {
		return nil
	}
	msg := relErrText(err.Error(), dir)
	if msg == err.Error() {
		return err
	}
	wrapped := &relError{msg: msg, err: err}
	switch exitcode.Code(err) {
	case exitcode.Failed:
		return exitcode.GateError(wrapped)
	case exitcode.Usage:
		return exitcode.InputError(wrapped)
	}
	return exitcode.InfraError(wrapped)
}

// relativeChanges makes the file names of changes relative to the
// checkout at dir, with slashes.
func relativeChanges(changes []gitops.Change, dir string) []gitops.Change {
	out := make([]gitops.Change, len(changes))
	for i, c := range changes {
		if r, err := filepath.Rel(dir, c.File); err == nil {
			c.File = filepath.ToSlash(r)
		}
		out[i] = c
	}
	return out
}
