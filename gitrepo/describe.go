package gitrepo

import (
	"errors"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/goldenci/golden/exitcode"
)

// Checkout is what a local git checkout says of its HEAD.
type Checkout struct {
	// Commit is HEAD's commit; Branch its branch ("" when detached).
	Commit, Branch string
	// Tags are the tags pointing at HEAD (annotated ones at the commit
	// they tag), by short name.
	Tags []string
	// Time is HEAD's committer time.
	Time time.Time
	// Origin is the URL of the remote origin, without credentials.
	Origin string
}

// Describe reads the checkout that holds dir. A directory outside git, or
// a repository without a commit, gives a zero Checkout and no error; a
// repository that cannot be read is an infrastructure error.
func Describe(dir string) (Checkout, error) {
	var c Checkout
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return c, nil
	}
	if err != nil {
		return c, exitcode.Infraf("reading the git checkout of %s: %w", dir, err)
	}
	head, err := repo.Head()
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return c, nil // no commit yet
	}
	if err != nil {
		return c, exitcode.Infraf("reading HEAD of %s: %w", dir, err)
	}
	c.Commit = head.Hash().String()
	if head.Name().IsBranch() {
		c.Branch = head.Name().Short()
	}
	if commit, err := repo.CommitObject(head.Hash()); err == nil {
		c.Time = commit.Committer.When.UTC()
	}
	if tags, err := repo.Tags(); err == nil {
		_ = tags.ForEach(func(ref *plumbing.Reference) error {
			hash := ref.Hash()
			if t, err := repo.TagObject(hash); err == nil {
				if t.TargetType != plumbing.CommitObject {
					return nil
				}
				hash = t.Target
			}
			if hash == head.Hash() {
				c.Tags = append(c.Tags, ref.Name().Short())
			}
			return nil
		})
	}
	if rem, err := repo.Remote("origin"); err == nil && len(rem.Config().URLs) > 0 {
		c.Origin = RedactURL(rem.Config().URLs[0])
	}
	return c, nil
}
