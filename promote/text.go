package promote

import (
	"fmt"
	"io"
	"strings"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitrepo"
	"github.com/goldenci/golden/result"
)

// Summary is the bump in one line, for the run's stage.
func (res *BumpResult) Summary() string {
	switch {
	case res.DryRun:
		return fmt.Sprintf("dry run: %s would run %s", res.Path, res.Ref)
	case res.Unchanged:
		return fmt.Sprintf("%s already runs %s", res.Path, res.Ref)
	}
	return fmt.Sprintf("%s runs %s (commit %s on %s)", res.Path, res.Ref, ShortCommit(res.Commit), res.Branch)
}

// Record records the bump's outputs into r: image, digest, version,
// commit, changed, branch and compare_url.
func (res *BumpResult) Record(r *result.Run) {
	r.SetOutput("image", res.Ref)
	if res.Image.Digest != "" {
		r.SetOutput("digest", res.Image.Digest)
	}
	if res.Image.Tag != "" {
		r.SetOutput("version", res.Image.Tag)
	}
	recordGitOutputs(r, res.Outcome)
}

// recordGitOutputs records commit (the pushed one, or the one that
// already holds the change), changed, branch and compare_url.
func recordGitOutputs(r *result.Run, out gitrepo.Outcome) {
	switch {
	case out.Pushed:
		r.SetOutput("commit", out.Commit)
	case out.Unchanged:
		r.SetOutput("commit", out.Parent)
	}
	r.SetOutput("changed", fmt.Sprint(out.Pushed))
	r.SetOutput("branch", out.Branch)
	if out.CompareURL != "" {
		r.SetOutput("compare_url", out.CompareURL)
	}
}

// Print writes what the bump changed and its outcome, as golden bump
// prints it.
func (res *BumpResult) Print(w io.Writer) error {
	var b strings.Builder
	for _, c := range res.Changes {
		fmt.Fprintf(&b, "%s\n", c)
	}
	if res.Policy != nil {
		b.WriteString(res.Policy.Verdict() + "\n")
	}
	name := res.Image.Name
	switch {
	case res.DryRun:
		b.WriteString(res.Diff)
		fmt.Fprintf(&b, "dry run: would commit %q to %s; nothing pushed\n", commitSubject(res.Message), res.Branch)
	case res.Unchanged:
		fmt.Fprintf(&b, "no change: %s already runs %s (%s at %s); nothing committed\n", res.Path, res.Ref, res.Branch, ShortCommit(res.Parent))
	default:
		fmt.Fprintf(&b, "bumped %s in %s to %s", name, res.Path, res.Ref)
	}
	return writeOutcome(w, &b, res.Outcome)
}

// writeOutcome ends the output of a change: where the commit went (when
// one was pushed) and where a pull or merge request can be opened; then
// it writes it all to w.
func writeOutcome(w io.Writer, b *strings.Builder, out gitrepo.Outcome) error {
	if out.Pushed {
		fmt.Fprintf(b, ": commit %s pushed to %s", out.Commit, out.Branch)
		if out.Attempts > 1 {
			fmt.Fprintf(b, " (attempt %d)", out.Attempts)
		}
		b.WriteString("\n")
	}
	if out.Branch != out.Base && !out.DryRun {
		fmt.Fprintf(b, "branch: %s (open a pull or merge request into %s)\n", out.Branch, out.Base)
		if out.CompareURL != "" {
			fmt.Fprintf(b, "compare: %s\n", out.CompareURL)
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return exitcode.Infraf("writing the output: %w", err)
	}
	return nil
}

func commitSubject(msg string) string {
	s, _, _ := strings.Cut(msg, "\n")
	return s
}

// shortCommit abbreviates a commit hash.
func ShortCommit(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// Summary is the promotion in one line, for the run's stage.
func (res *Result) Summary() string {
	what := fmt.Sprintf("%s %s (%s)", res.TargetRepository, res.Version, ShortDigest(res.Digest))
	switch {
	case res.DryRun && res.AlreadyPromoted:
		return "dry run: already promoted: " + what + "; nothing would change"
	case res.DryRun:
		return "dry run: would promote " + what
	case res.AlreadyPromoted:
		return "already promoted: " + what
	}
	return "promoted " + what
}

// Record records the promotion's outputs into r: digest, version, image,
// source_image, source_commit (the GitOps commit the source environment
// was read at), commit, changed, branch, compare_url, and the image.
func (res *Result) Record(r *result.Run) {
	r.SetOutput("digest", res.Digest)
	r.SetOutput("version", res.Version)
	r.SetOutput("image", res.TargetImage)
	r.SetOutput("source_image", res.SourceImage)
	r.SetOutput("source_commit", res.SourceCommit)
	recordGitOutputs(r, res.Outcome)
	if !res.DryRun {
		r.Image = &result.Image{Name: res.TargetRepository, Digest: res.Digest, Tags: []string{res.Version}}
	}
}

// Print writes what the promotion did, as golden promote prints it; for
// a dry run, what the promotion would do: copy and tag only what is
// missing, commit only a change.
func (res *Result) Print(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "source: %s (read at commit %s)\n", res.SourceImage, ShortCommit(res.SourceCommit))
	how := "new"
	if res.VersionReused {
		how = "the digest already carries it"
	}
	fmt.Fprintf(&b, "version: %s (%s)\n", res.Version, how)
	copied, tagged, copyVerb, tagVerb := res.Copied, res.Tagged, "copied", "tagged"
	if res.DryRun {
		copied, tagged, copyVerb, tagVerb = res.WouldCopy, res.WouldTag, "would copy", "would tag"
	}
	if res.TargetRepository != res.SourceRepository {
		if copied {
			fmt.Fprintf(&b, "%s: %s to %s\n", copyVerb, res.SourceImage, res.TargetRepository)
		} else {
			fmt.Fprintf(&b, "already copied: %s is in %s\n", res.Digest, res.TargetRepository)
		}
	}
	if tagged {
		fmt.Fprintf(&b, "%s: %s\n", tagVerb, res.TargetImage)
	} else {
		fmt.Fprintf(&b, "already tagged: %s\n", res.TargetImage)
	}
	for _, c := range res.Changes {
		fmt.Fprintf(&b, "%s\n", c)
	}
	if res.Policy != nil {
		b.WriteString(res.Policy.Verdict() + "\n")
	}
	switch {
	case res.DryRun && res.AlreadyPromoted:
		fmt.Fprintf(&b, "dry run: already promoted: %s runs %s (%s at %s); nothing would change\n", res.To, res.TargetImage, res.Branch, ShortCommit(res.Parent))
	case res.DryRun && res.Unchanged:
		fmt.Fprintf(&b, "dry run: no change: %s already runs %s (%s at %s); nothing would be committed; nothing copied, tagged or pushed\n",
			res.To, res.TargetImage, res.Branch, ShortCommit(res.Parent))
	case res.DryRun:
		b.WriteString(res.Diff)
		fmt.Fprintf(&b, "dry run: would commit %q to %s; nothing copied, tagged or pushed\n", commitSubject(res.Message), res.Branch)
	case res.AlreadyPromoted:
		fmt.Fprintf(&b, "already promoted: %s runs %s (%s at %s); nothing changed\n", res.To, res.TargetImage, res.Branch, ShortCommit(res.Parent))
	case res.Unchanged:
		fmt.Fprintf(&b, "no change: %s already runs %s (%s at %s); nothing committed\n", res.To, res.TargetImage, res.Branch, ShortCommit(res.Parent))
	default:
		fmt.Fprintf(&b, "promoted: %s", commitSubject(res.Message))
	}
	return writeOutcome(w, &b, res.Outcome)
}
