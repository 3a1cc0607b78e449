package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/goldenci/golden/exitcode"
)

// Options configures Open and Apply.
type Options struct {
	// CloneOptions names the remote. Its Branch is the base branch, the
	// one read and changed; empty means the branch the remote's HEAD
	// points to, or DefaultBranch when the remote does not say.
	CloneOptions

	// Author and Committer sign the commit. Author defaults to
	// DefaultAuthor, Committer to Author.
	Author    Signature
	Committer Signature
	// Message is the commit message of Apply: a subject line, optionally
	// a blank line and a body.
	Message string
	// Trailers follow Apply's message, e.g. Golden-Image, Golden-Digest,
	// Golden-Source-Commit.
	Trailers []Trailer

	// PushBranch, when set, receives the commit instead of Branch, for a
	// pull or merge request: the change is built on PushBranch when it
	// already exists on the remote and on Branch otherwise.
	PushBranch string
	// DryRun makes the change in a clone and returns its diff without
	// committing it to the remote.
	DryRun bool
	// Paths, when set, are the only paths of the tree the checkout holds
	// (slash-separated, relative to the repository's root; a directory
	// with everything below it), with the targets of the symbolic links
	// on their way and below them: the paths the caller reads and the
	// edit changes. Every other path of the commit stays as it is. Empty
	// means the whole tree.
	Paths []string

	// MaxAttempts bounds the attempts to push when the branch keeps
	// moving (DefaultMaxAttempts when zero).
	MaxAttempts int
	// Backoff spaces the attempts (DefaultBackoff when zero).
	Backoff Backoff
	// Now gives the commit time (time.Now when nil).
	Now func() time.Time
	// TempDir is where the clone goes (os.TempDir when empty). The clone
	// is removed by Close (Apply closes it before it returns).
	TempDir string
}

// EditFunc changes files in the checkout at dir and reports whether it
// changed anything. It must leave dir/.git alone. It may be called more
// than once, each time on a fresh checkout of a newer head, so it must
// compute the change from what it finds in dir. Returning changed=false
// ends with an unchanged outcome; so does changed=true when the files are
// in fact the same as before.
type EditFunc func(dir string) (changed bool, err error)

// Outcome is what a change did in the repository.
type Outcome struct {
	// Base is the branch read and changed; Branch the branch the commit
	// went to (or would go to): Base, or PushBranch for a pull or merge
	// request.
	Base   string
	Branch string
	// Commit is the hash of the pushed commit; empty when unchanged or on
	// a dry run.
	Commit string
	// Parent is the hash of the remote commit the change was made on (in
	// the last attempt), or that already holds it when Unchanged.
	Parent string
	// Message is the commit message, trailers included.
	Message string
	// Pushed reports whether the commit reached the remote.
	Pushed bool
	// Unchanged reports that the edit changed nothing: the remote already
	// holds the change.
	Unchanged bool
	// DryRun reports that nothing was pushed because Options.DryRun was
	// set.
	DryRun bool
	// Attempts counts the edits made, one per head the change was built
	// on: 1 unless the branch moved.
	Attempts int
	// CompareURL is the GitHub compare page or GitLab new merge request
	// page for PushBranch, when the remote is on GitHub or GitLab and the
	// branch exists on the remote.
	CompareURL string
	// Diff is the change as a git-style unified diff (--- a/x, +++ b/x);
	// empty when unchanged.
	Diff string
	// Files lists the changed paths, sorted.
	Files []string
}

// Change is one change to a remote branch, made in one clone. Open lists
// the remote once and clones the base branch; the caller may read the
// checkout (Dir) before editing it; Edit makes the change; Push commits
// and pushes it, making it again (the same EditFunc) on the new head while
// the branch moves. Close removes the clone. Apply is the three in one
// call.
type Change struct {
	o      Options
	s      *session
	dir    string
	refs   remoteRefs
	head   plumbing.Hash // the base branch's head, as cloned
	edit   EditFunc
	target string // the branch pushed to

	src     string        // the branch the change is made on
	base    plumbing.Hash // its head in the clone
	expect  plumbing.Hash // what target must be for the push; zero when new
	changed bool          // what the last edit reported
	edits   int
}

// Open lists the remote's branches, resolves the base branch (see
// Options.Branch) and clones it, shallow and single-branch, into a new
// directory under o.TempDir. The caller must Close the change.
func Open(ctx context.Context, o Options) (*Change, error) {
	if err := o.normalize(); err != nil {
		return nil, err
	}
	paths, err := sparsePaths(o.Paths)
	if err != nil {
		return nil, err
	}
	s, err := newSession(o.CloneOptions)
	if err != nil {
		return nil, err
	}
	s.paths = paths
	dir, err := os.MkdirTemp(o.TempDir, "golden-gitrepo-*")
	if err != nil {
		return nil, exitcode.Infraf("creating the clone directory: %w", err)
	}
	c := &Change{o: o, s: s, dir: dir}
	if err := c.open(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Change) open(ctx context.Context) error {
	var err error
	if c.refs, err = c.s.refs(ctx); err != nil {
		return err
	}
	o := &c.o
	if o.Branch == "" {
		o.Branch = c.refs.head
		if o.Branch == "" {
			o.Branch = DefaultBranch
		}
	}
	if o.PushBranch == o.Branch {
		o.PushBranch = ""
	}
	c.target = o.Branch
	if o.PushBranch != "" {
		c.target = o.PushBranch
	}
	if _, err := c.source(c.refs.heads); err != nil {
		return err
	}
	c.head, err = c.s.clone(ctx, c.dir, o.Branch)
	return err
}

// Dir is the checkout. Until Edit it holds the base branch at Head.
func (c *Change) Dir() string { return c.dir }

// Head is the commit of the base branch that was cloned.
func (c *Change) Head() string { return c.head.String() }

// Base is the base branch: Options.Branch, or the remote's default.
func (c *Change) Base() string { return c.o.Branch }

// Close removes the clone.
func (c *Change) Close() {
	c.s.close() // the clone's storage, before its directory goes
	_ = os.RemoveAll(c.dir)
}

// Edit makes the change in the checkout: on the base branch, or on
// PushBranch when it exists on the remote (fetched first). It reports
// whether edit changed anything. An edit error is returned wrapped,
// keeping its exitcode class. Edit is called once; Push calls edit again
// on a newer head when the branch moves.
func (c *Change) Edit(ctx context.Context, edit EditFunc) (bool, error) {
	if edit == nil {
		return false, exitcode.Inputf("gitrepo: no edit function given")
	}
	if c.edit != nil {
		return false, exitcode.Inputf("gitrepo: the change was already edited")
	}
	c.edit = edit
	var err error
	if c.src, err = c.source(c.refs.heads); err != nil {
		return false, err
	}
	c.base = c.head
	if c.src != c.o.Branch {
		if c.base, err = c.s.fetchReset(ctx, c.src); err != nil {
			return false, err
		}
	}
	c.expect = c.refs.heads[c.target] // the zero hash when target does not exist yet
	if c.src == c.target && c.base != c.expect {
		// The branch moved between listing and cloning.
		c.expect = c.base
	}
	return c.runEdit()
}

func (c *Change) runEdit() (bool, error) {
	c.edits++
	changed, err := c.edit(c.dir)
	if err != nil {
		return false, fmt.Errorf("editing the clone of %s: %w", c.s.r.display, err)
	}
	c.changed = changed
	return changed, nil
}

// Push commits the edit with message and trailers and pushes it to the
// target branch (or, on a dry run, only computes its diff), retrying on
// a newer head when the branch moved meanwhile. It never force-pushes.
// When every attempt lost the race the error is an infrastructure error
// of kind ErrRetriesExhausted.
func (c *Change) Push(ctx context.Context, message string, trailers []Trailer) (*Outcome, error) {
	if c.edit == nil {
		return nil, exitcode.Inputf("gitrepo: nothing edited to push")
	}
	msg, err := FormatMessage(message, trailers)
	if err != nil {
		return nil, err
	}
	for _, secret := range c.s.auth.secrets() {
		if strings.Contains(msg, secret) {
			return nil, exitcode.Inputf("the commit message contains a credential: refusing to commit it")
		}
	}
	out := &Outcome{Base: c.o.Branch, Branch: c.target, Message: msg, DryRun: c.o.DryRun}
	for {
		done, pushErr, err := c.attempt(ctx, out)
		if err != nil {
			return nil, err
		}
		if done {
			return out, nil
		}
		if err := c.retry(ctx, pushErr); err != nil {
			return nil, err
		}
	}
}

// Apply clones o.Branch of o.URL, runs edit in the checkout, commits the
// change with o.Message and o.Trailers and pushes it to o.Branch (or
// o.PushBranch), retrying on a newer head when the branch moved meanwhile:
// Open, Edit and Push in one call. See Options and Outcome.
func Apply(ctx context.Context, o Options, edit EditFunc) (*Outcome, error) {
	if edit == nil {
		return nil, exitcode.Inputf("gitrepo: no edit function given")
	}
	if _, err := FormatMessage(o.Message, o.Trailers); err != nil {
		return nil, err
	}
	c, err := Open(ctx, o)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if _, err := c.Edit(ctx, edit); err != nil {
		return nil, err
	}
	return c.Push(ctx, o.Message, o.Trailers)
}

// attempt commits what the last edit changed and pushes it. It is done
// when the outcome is final (pushed, unchanged, a dry run); else pushErr
// is why the push was refused.
func (c *Change) attempt(ctx context.Context, out *Outcome) (done bool, pushErr, err error) {
	o, s := &c.o, c.s
	out.Attempts = c.edits
	out.Parent = c.base.String()
	if !c.changed {
		c.unchanged(out)
		return true, nil, nil
	}
	commit, err := s.commit(out.Message, *o)
	if errors.Is(err, git.ErrEmptyCommit) {
		c.unchanged(out)
		return true, nil, nil
	}
	if err != nil {
		return false, nil, err
	}
	if o.DryRun {
		if out.Diff, out.Files, err = s.diff(ctx, c.base, commit); err != nil {
			return false, nil, err
		}
		s.logf("dry run: not pushing the change to %s (branch %s)", s.r.display, c.target)
		return true, nil, nil
	}
	pushErr = s.push(ctx, c.target, c.expect)
	if pushErr != nil {
		return false, pushErr, s.fatalPushError(pushErr)
	}
	out.Commit, out.Pushed = commit.String(), true
	// The diff comes after the push, keeping the window in which another
	// writer can move the branch short. The push is done: failing to
	// describe it is no failure.
	if out.Diff, out.Files, err = s.diff(ctx, c.base, commit); err != nil {
		s.logf("describing the pushed change: %v", err)
	}
	if o.PushBranch != "" {
		out.CompareURL = CompareURL(s.r.url, o.Branch, o.PushBranch)
	}
	s.logf("pushed %s to %s (branch %s)", commit.String()[:12], s.r.display, c.target)
	return true, nil, nil
}

// retry decides whether a refused push lost a race with another writer,
// and if so waits (jittered backoff), moves the clone to the new head and
// makes the edit again. Anything else, and a race lost o.MaxAttempts
// times, is an error.
func (c *Change) retry(ctx context.Context, pushErr error) error {
	o, s, n := &c.o, c.s, c.edits
	rr, err := s.refs(ctx)
	if err != nil {
		return err
	}
	if !lostRace(pushErr, rr.heads, c.target, c.expect) {
		return s.pushError(pushErr)
	}
	if n >= o.MaxAttempts {
		return exitcode.InfraError(&Error{
			msg:  fmt.Sprintf("pushing to %s: branch %q kept moving: gave up after %d attempts", s.r.display, c.target, n),
			kind: ErrRetriesExhausted,
		})
	}
	wait := o.Backoff.Delay(n)
	s.logf("branch %s of %s moved; retrying on the new head in %s (attempt %d of %d)",
		c.target, s.r.display, wait.Round(time.Millisecond), n+1, o.MaxAttempts)
	if err := sleep(ctx, wait); err != nil {
		return classify("pushing to", s.r, s.auth, err)
	}
	if c.src, err = c.source(rr.heads); err != nil {
		return err
	}
	if c.base, err = s.fetchReset(ctx, c.src); err != nil {
		return err
	}
	c.expect = plumbing.ZeroHash
	if c.src == c.target {
		c.expect = c.base
	}
	_, err = c.runEdit()
	return err
}

func (o *Options) normalize() error {
	if o.Branch != "" {
		if err := validBranch(o.Branch); err != nil {
			return err
		}
	}
	if o.PushBranch != "" {
		if err := validBranch(o.PushBranch); err != nil {
			return err
		}
	}
	if o.Author == (Signature{}) {
		o.Author = DefaultAuthor
	}
	if o.Committer == (Signature{}) {
		o.Committer = o.Author
	}
	for _, sig := range []struct {
		role string
		s    Signature
	}{{"author", o.Author}, {"committer", o.Committer}} {
		if strings.TrimSpace(sig.s.Name) == "" || strings.TrimSpace(sig.s.Email) == "" {
			return exitcode.Inputf("commit %s: name and email are both required", sig.role)
		}
		if strings.ContainsAny(sig.s.Name+sig.s.Email, "<>\n\r\x00") {
			return exitcode.Inputf("commit %s %q <%s>: contains '<', '>' or a control character", sig.role, sig.s.Name, sig.s.Email)
		}
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	o.Backoff = o.Backoff.withDefaults()
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// source picks the branch to build on: PushBranch when it exists on the
// remote, the base branch otherwise.
func (c *Change) source(heads map[string]plumbing.Hash) (string, error) {
	o := &c.o
	if o.PushBranch != "" {
		if _, ok := heads[o.PushBranch]; ok {
			return o.PushBranch, nil
		}
	}
	if _, ok := heads[o.Branch]; !ok {
		return "", exitcode.InputError(&Error{
			msg:  fmt.Sprintf("cloning %s: branch %q not found", c.s.r.display, o.Branch),
			kind: ErrBranchNotFound,
		})
	}
	return o.Branch, nil
}

func (c *Change) unchanged(out *Outcome) {
	o := &c.o
	out.Unchanged = true
	out.Diff, out.Files = "", nil
	if o.PushBranch != "" && c.src == o.PushBranch {
		out.CompareURL = CompareURL(c.s.r.url, o.Branch, o.PushBranch)
	}
	c.s.logf("no change to %s (branch %s)", c.s.r.display, out.Branch)
}
