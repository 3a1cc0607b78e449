// Package gitrepo changes files in a remote git repository without losing
// anyone's update: it clones the branch (shallow, single branch), lets the
// caller edit the checkout, commits with a message and trailers, and
// pushes, never forcing. When the push loses a race because the branch
// moved, it fetches the new head, re-runs the same edit on it and tries
// again, with bounded, jittered exponential backoff. A change that someone
// else already made comes back as unchanged.
//
// Remotes are https:// or http:// URLs (token or basic auth), ssh:// or
// scp-like addresses (a private key, host keys verified against
// known_hosts), or local paths and file:// URLs (which run git-upload-pack
// and git-receive-pack from the git installation on PATH). Everything else
// runs in-process through go-git.
//
// Credentials come from Auth, which callers fill from environment variables
// or files (AuthFromEnv), never from command-line flags; they never appear
// in errors, progress output or commit messages. Errors are classified for
// package exitcode: bad credentials, a missing repository or branch are
// input errors (exit 2); an unreachable remote, server errors and
// exhausted retries are infrastructure errors (exit 3).
package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/goldenci/golden/exitcode"
)

// DefaultBranch is the branch used when none is given.
const DefaultBranch = "main"

// DefaultMaxAttempts bounds the attempts to push when Options.MaxAttempts
// is zero. Each attempt after a rejected push re-applies the edit on the
// new head; 20 leaves room for about 40 services pushing at once (a
// simulation of the backoff puts the worst writer of 20 at 6 to 10
// attempts).
const DefaultMaxAttempts = 20

// DefaultAuthor signs commits when Options.Author is empty.
var DefaultAuthor = Signature{Name: "golden", Email: "golden@localhost"}

// CloneOptions says which repository and branch to clone, and how.
type CloneOptions struct {
	// URL is an https://, http://, ssh:// or file:// URL, an scp-like
	// address (git@host:owner/repo.git) or a local path to a bare or
	// non-bare repository. Credentials in an http(s) URL are used when
	// Auth has none, and are never shown; prefer Auth.
	URL string
	// Branch is the branch to clone (DefaultBranch when empty).
	Branch string
	// Auth holds the credentials.
	Auth Auth
	// CABundle holds extra PEM certificates to trust for https remotes.
	CABundle []byte
	// Progress, when set, receives progress messages of the clone, fetch
	// and push, and of the retries, without credentials.
	Progress io.Writer
}

// Signature names the author or committer of a commit.
type Signature struct {
	Name  string
	Email string
}

// session is one clone of one remote.
type session struct {
	r        *remote
	auth     Auth
	method   transport.AuthMethod
	caBundle []byte
	progress io.Writer // nil or redacting
	repo     *git.Repository
	storage  *filesystem.Storage // the clone's, to close
	dir      string
	co       *checkoutState // what the last checkout wrote
	paths    []string       // the sparse paths; nil: the whole tree
}

// close releases the files the clone keeps open.
func (s *session) close() {
	if s.storage != nil {
		_ = s.storage.Close()
		s.storage = nil
	}
}

func newSession(o CloneOptions) (*session, error) {
	auth := o.Auth
	r, err := parseRemote(o.URL, &auth)
	if err != nil {
		return nil, err
	}
	m, err := auth.method(r)
	if err != nil {
		return nil, err
	}
	s := &session{r: r, auth: auth, method: m, caBundle: o.CABundle}
	if o.Progress != nil {
		s.progress = &redactingWriter{w: o.Progress, secrets: auth.secrets()}
	}
	return s, nil
}

func (s *session) logf(format string, args ...any) {
	if s.progress != nil {
		fmt.Fprintf(s.progress, format+"\n", args...)
	}
}

// Clone makes a shallow (depth 1), single-branch clone of o.Branch into
// dir, which must not exist or be empty, and returns the hash of the
// cloned head. When it fails, it removes dir if it created it.
func Clone(ctx context.Context, dir string, o CloneOptions) (string, error) {
	if o.Branch == "" {
		o.Branch = DefaultBranch
	}
	if err := validBranch(o.Branch); err != nil {
		return "", err
	}
	s, err := newSession(o)
	if err != nil {
		return "", err
	}
	_, statErr := os.Stat(dir)
	head, err := s.clone(ctx, dir, o.Branch)
	s.close()
	if err != nil {
		if errors.Is(statErr, fs.ErrNotExist) {
			_ = os.RemoveAll(dir) // a checkout that failed half-way
		}
		return "", err
	}
	return head.String(), nil
}

func (s *session) clone(ctx context.Context, dir, branch string) (plumbing.Hash, error) {
	s.logf("cloning %s (branch %s)", s.r.display, branch)
	_, err := git.PlainCloneContext(ctx, dir, false, &git.CloneOptions{
		URL:           s.r.url,
		Auth:          s.method,
		RemoteName:    git.DefaultRemoteName,
		ReferenceName: plumbing.NewBranchReferenceName(branch),
		SingleBranch:  true,
		Depth:         1,
		Tags:          git.NoTags,
		Progress:      s.progress,
		CABundle:      s.caBundle,
		// go-git's checkout is quadratic in the size of a directory:
		// s.checkout writes the worktree instead.
		NoCheckout: true,
	})
	if err != nil {
		err = classify("cloning", s.r, s.auth, err)
		var e *Error
		if errors.As(err, &e) && errors.Is(e, ErrBranchNotFound) && !strings.Contains(e.msg, "empty") {
			e.msg = fmt.Sprintf("cloning %s: branch %q not found", s.r.display, branch)
		}
		return plumbing.ZeroHash, err
	}
	// Reopen the clone with its pack files kept open: go-git otherwise
	// opens the pack and allocates a reader for every object it reads,
	// and the checkout, the status and the diff read thousands.
	wt := osfs.New(dir)
	dot, err := wt.Chroot(git.GitDirName)
	if err != nil {
		return plumbing.ZeroHash, exitcode.Infraf("cloning %s: opening the clone: %w", s.r.display, err)
	}
	s.storage = filesystem.NewStorageWithOptions(dot, cache.NewObjectLRUDefault(), filesystem.Options{KeepDescriptors: true})
	repo, err := git.Open(s.storage, wt)
	if err != nil {
		return plumbing.ZeroHash, exitcode.Infraf("cloning %s: opening the clone: %w", s.r.display, err)
	}
	s.repo, s.dir = repo, dir
	head, err := repo.Head()
	if err != nil {
		return plumbing.ZeroHash, exitcode.Infraf("cloning %s: reading HEAD: %w", s.r.display, err)
	}
	if err := s.checkout(head.Hash()); err != nil {
		return plumbing.ZeroHash, err
	}
	return head.Hash(), nil
}

// list lists the remote's references, HEAD included.
func (s *session) list(ctx context.Context) ([]*plumbing.Reference, error) {
	rem := git.NewRemote(memory.NewStorage(), &config.RemoteConfig{Name: git.DefaultRemoteName, URLs: []string{s.r.url}})
	refs, err := rem.ListContext(ctx, &git.ListOptions{Auth: s.method, CABundle: s.caBundle})
	if err != nil {
		return nil, classify("connecting to", s.r, s.auth, err)
	}
	return refs, nil
}

// remoteRefs is one listing of a remote's references.
type remoteRefs struct {
	heads map[string]plumbing.Hash // branch name -> head
	head  string                   // the branch HEAD points to; "" when the remote does not say
}

// refs lists the remote's branches and the branch its HEAD points to.
func (s *session) refs(ctx context.Context) (remoteRefs, error) {
	list, err := s.list(ctx)
	if err != nil {
		return remoteRefs{}, err
	}
	rr := remoteRefs{heads: map[string]plumbing.Hash{}}
	for _, ref := range list {
		switch {
		case ref.Name().IsBranch() && ref.Type() == plumbing.HashReference:
			rr.heads[ref.Name().Short()] = ref.Hash()
		case ref.Name() == plumbing.HEAD && ref.Type() == plumbing.SymbolicReference && ref.Target().IsBranch():
			rr.head = ref.Target().Short()
		}
	}
	return rr, nil
}

// RemoteHead returns the branch the HEAD of the remote at o.URL points to,
// its default branch, e.g. "main", asking the remote with o.Auth and
// o.CABundle; o.Branch is not used. It returns "" and no error when the
// remote does not say: its HEAD points to a branch that does not exist,
// so the remote does not advertise it. (A remote that advertises HEAD
// without saying which branch it is gets the branch at HEAD's commit,
// master first, as git clone guesses.) Its errors are classified and
// redacted as Clone's: bad credentials or a missing repository are input
// errors, an unreachable remote an infrastructure error. (Apply and Open
// resolve an empty Options.Branch the same way, from the listing they
// make anyway.)
func RemoteHead(ctx context.Context, o CloneOptions) (branch string, err error) {
	s, err := newSession(o)
	if err != nil {
		return "", err
	}
	rr, err := s.refs(ctx)
	if err != nil {
		return "", err
	}
	return rr.head, nil
}

// diff returns the git-style unified diff from base to commit and the
// changed paths.
func (s *session) diff(ctx context.Context, base, commit plumbing.Hash) (string, []string, error) {
	from, err := s.repo.CommitObject(base)
	if err != nil {
		return "", nil, exitcode.Infraf("reading commit %s: %w", base, err)
	}
	to, err := s.repo.CommitObject(commit)
	if err != nil {
		return "", nil, exitcode.Infraf("reading commit %s: %w", commit, err)
	}
	patch, err := from.PatchContext(ctx, to)
	if err != nil && ctx.Err() != nil {
		return "", nil, classify("diffing the change to", s.r, s.auth, ctx.Err())
	}
	if err != nil {
		return "", nil, exitcode.Infraf("diffing %s..%s: %w", base, commit, err)
	}
	var files []string
	for _, fp := range patch.FilePatches() {
		f, t := fp.Files()
		switch {
		case t != nil:
			files = append(files, t.Path())
			if f != nil && f.Path() != t.Path() {
				files = append(files, f.Path())
			}
		case f != nil:
			files = append(files, f.Path())
		}
	}
	sort.Strings(files)
	return patch.String(), files, nil
}

// push pushes HEAD's branch to target, requiring the remote's target to
// still be expect (absent when expect is zero). It never forces.
func (s *session) push(ctx context.Context, target string, expect plumbing.Hash) error {
	head, err := s.repo.Head()
	if err != nil {
		return exitcode.Infraf("reading HEAD: %w", err)
	}
	dst := plumbing.NewBranchReferenceName(target)
	opts := &git.PushOptions{
		RemoteName: git.DefaultRemoteName,
		RefSpecs:   []config.RefSpec{config.RefSpec(head.Name().String() + ":" + dst.String())},
		Auth:       s.method,
		Progress:   s.progress,
		CABundle:   s.caBundle,
	}
	if !expect.IsZero() {
		opts.RequireRemoteRefs = []config.RefSpec{config.RefSpec(expect.String() + ":" + dst.String())}
	}
	s.logf("pushing to %s (branch %s)", s.r.display, target)
	err = s.repo.PushContext(ctx, opts)
	if errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	return err
}

// fatalPushError returns the classified error when a push failed in a
// way no retry can mend: credentials, a missing repository, an unreachable
// remote or a cancelled context. It returns nil otherwise.
func (s *session) fatalPushError(pushErr error) error {
	err := classify("pushing to", s.r, s.auth, pushErr)
	if exitcode.Code(err) == exitcode.Usage || errors.Is(err, ErrUnreachable) {
		return err
	}
	return nil
}

// lostRace reports whether a failed push failed because target moved away
// from expect (or appeared, when expect is zero), or because another push
// held the ref's lock: both are worth another attempt.
func lostRace(pushErr error, heads map[string]plumbing.Hash, target string, expect plumbing.Hash) bool {
	if heads[target] != expect {
		return true
	}
	return strings.Contains(strings.ToLower(pushErr.Error()), "lock")
}

// pushError classifies a push failure that was not a lost race.
func (s *session) pushError(err error) error {
	text := strings.ToLower(err.Error())
	if strings.Contains(text, "command error on") || strings.Contains(text, "declined") ||
		strings.Contains(text, "protected") || strings.Contains(text, "refusing to update checked out branch") ||
		strings.Contains(text, "denied") {
		return exitcode.InputError(&Error{
			msg:  fmt.Sprintf("pushing to %s: the remote rejected the push: %s", s.r.display, redact(err.Error(), s.auth.secrets())),
			kind: ErrRejected,
		})
	}
	return classify("pushing to", s.r, s.auth, err)
}

// fetchReset fetches the head of branch and resets the checkout to it,
// removing whatever the last edit left. It returns the new head.
func (s *session) fetchReset(ctx context.Context, branch string) (plumbing.Hash, error) {
	s.logf("fetching %s (branch %s)", s.r.display, branch)
	tracking := plumbing.NewRemoteReferenceName(git.DefaultRemoteName, branch)
	err := s.repo.FetchContext(ctx, &git.FetchOptions{
		RemoteName: git.DefaultRemoteName,
		RefSpecs:   []config.RefSpec{config.RefSpec("+" + plumbing.NewBranchReferenceName(branch).String() + ":" + tracking.String())},
		Depth:      1,
		Auth:       s.method,
		Progress:   s.progress,
		Tags:       git.NoTags,
		CABundle:   s.caBundle,
	})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return plumbing.ZeroHash, classify("fetching", s.r, s.auth, err)
	}
	ref, err := s.repo.Reference(tracking, true)
	if err != nil {
		return plumbing.ZeroHash, exitcode.Infraf("fetching %s: reading %s: %w", s.r.display, tracking, err)
	}
	if err := s.moveHead(ref.Hash()); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := clearWorktree(s.dir); err != nil {
		return plumbing.ZeroHash, exitcode.Infraf("clearing the checkout: %w", err)
	}
	if err := s.checkout(ref.Hash()); err != nil {
		return plumbing.ZeroHash, err
	}
	return ref.Hash(), nil
}

// moveHead points HEAD's branch (or a detached HEAD) at commit, as a hard
// reset does.
func (s *session) moveHead(commit plumbing.Hash) error {
	head, err := s.repo.Storer.Reference(plumbing.HEAD)
	if err != nil {
		return exitcode.Infraf("reading HEAD: %w", err)
	}
	name := plumbing.HEAD
	if head.Type() == plumbing.SymbolicReference {
		name = head.Target()
	}
	if err := s.repo.Storer.SetReference(plumbing.NewHashReference(name, commit)); err != nil {
		return exitcode.Infraf("moving %s to %s: %w", name, commit, err)
	}
	return nil
}

// redactingWriter removes secrets and URL credentials from what it passes
// on.
type redactingWriter struct {
	w       io.Writer
	secrets []string
}

func (w *redactingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(w.w, redact(string(p), w.secrets)); err != nil {
		return 0, err
	}
	return len(p), nil
}
