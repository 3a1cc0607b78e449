package promote

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitops"
	"github.com/goldenci/golden/gitrepo"
)

// TestPromoteDryRunSaysWhatTheRunWould: in every state a promotion can
// find (nothing done, everything done, copied and tagged but not
// committed, committed but not copied or tagged) a dry run changes
// nothing, and says what the real run that follows it then does: it
// would copy only a digest the target repository lacks, tag only when the
// tag does not exist yet, commit only a change, and says "already
// promoted ... nothing would change" when the real run changes nothing.
func TestPromoteDryRunSaysWhatTheRunWould(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	prod := f.reg.Repo("acme/go-service-prod")
	hook := filepath.Join(f.srv.Path("gitops.git"), "hooks", "pre-receive")

	type want struct {
		copy, tag, unchanged, already bool
		text                          []string // in the dry run's text
		notText                       []string // not in it
	}
	// check dry-runs o, checks that it changed nothing and says w, then
	// runs o and checks that the run did what the dry run said.
	check := func(t *testing.T, o Options, w want) {
		t.Helper()
		head, receives, tags := f.head(t), f.srv.Requests().ReceivePack, f.reg.Tags(t, "acme/go-service-prod")
		dry := o
		dry.DryRun = true
		d, err := Promote(testContext(t), dry)
		if err != nil {
			t.Fatal(err)
		}
		if f.head(t) != head || f.srv.Requests().ReceivePack != receives {
			t.Error("the dry run pushed")
		}
		if got := f.reg.Tags(t, "acme/go-service-prod"); !slices.Equal(got, tags) {
			t.Errorf("the dry run changed the tags of %s: %v, were %v", prod, got, tags)
		}
		if w.copy && f.reg.Digest(t, "acme/go-service-prod@"+d.Digest) != "" {
			t.Error("the dry run copied")
		}
		if !d.DryRun || d.Pushed || d.Copied || d.Tagged || d.Commit != "" || d.WouldCopy != w.copy || d.WouldTag != w.tag ||
			d.Unchanged != w.unchanged || d.AlreadyPromoted != w.already {
			t.Errorf("dry run = %+v\nwant would copy %v, would tag %v, unchanged %v, already promoted %v", d, w.copy, w.tag, w.unchanged, w.already)
		}
		var b strings.Builder
		if err := d.Print(&b); err != nil {
			t.Fatal(err)
		}
		for _, s := range w.text {
			if !strings.Contains(b.String(), s) {
				t.Errorf("dry run text lacks %q:\n%s", s, b.String())
			}
		}
		for _, s := range w.notText {
			if strings.Contains(b.String(), s) {
				t.Errorf("dry run text holds %q:\n%s", s, b.String())
			}
		}
		wantSummary := "dry run: would promote "
		if w.already {
			wantSummary = "dry run: already promoted: "
		}
		if s := d.Summary(); !strings.HasPrefix(s, wantSummary) {
			t.Errorf("dry run summary %q, want it to start with %q", s, wantSummary)
		}

		r, err := Promote(testContext(t), o)
		if err != nil {
			t.Fatal(err)
		}
		if r.Copied != d.WouldCopy || r.Tagged != d.WouldTag || r.Unchanged != d.Unchanged || r.AlreadyPromoted != d.AlreadyPromoted ||
			r.Pushed == d.Unchanged || r.WouldCopy || r.WouldTag {
			t.Errorf("the run did not do what its dry run said:\nrun %+v\ndry run %+v", r, d)
		}
	}

	d1 := f.reg.PushIndex(t, "acme/go-service", "1.0.0")
	f.stage(t, "acme/go-service", "1.0.0", d1)
	o := f.options("acme/go-service-prod")
	o.Version = "1.0.0"

	t.Run("nothing done", func(t *testing.T) {
		check(t, o, want{copy: true, tag: true,
			text:    []string{"would copy: " + f.reg.Repo("acme/go-service") + "@" + d1 + " to " + prod, "would tag: " + prod + ":1.0.0@" + d1, "dry run: would commit "},
			notText: []string{"already"}})
	})
	t.Run("already promoted", func(t *testing.T) {
		check(t, o, want{unchanged: true, already: true,
			text:    []string{"already copied: " + d1 + " is in " + prod, "already tagged: " + prod + ":1.0.0@" + d1, "dry run: already promoted: " + prodOverlay + " runs " + prod + ":1.0.0@" + d1, "nothing would change"},
			notText: []string{"would copy", "would tag", "would commit", "+    "}})
	})

	// A first run copies and tags, and its push is declined.
	d2 := f.reg.PushIndex(t, "acme/go-service", "1.1.0")
	f.stage(t, "acme/go-service", "1.1.0", d2)
	o.Version = "1.1.0"
	if err := os.WriteFile(hook, []byte("#!/bin/sh\necho 'deploy freeze' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Promote(testContext(t), o)
	assertClass(t, err, exitcode.Usage, gitrepo.ErrRejected)
	if err := os.Remove(hook); err != nil {
		t.Fatal(err)
	}
	// A declined push leaves the digest copied but not tagged: the tag
	// follows the push.
	t.Run("copied, not tagged or committed", func(t *testing.T) {
		check(t, o, want{tag: true,
			text:    []string{"already copied: " + d2, "would tag: " + prod + ":1.1.0@" + d2, "+    digest: " + d2, "dry run: would commit "},
			notText: []string{"would copy", "already tagged", "already promoted"}})
	})

	// Production is set by hand to an image that is neither in the target
	// repository nor tagged there.
	d3 := f.reg.PushIndex(t, "acme/go-service", "1.2.0")
	f.stage(t, "acme/go-service", "1.2.0", d3)
	if _, err := Bump(testContext(t), BumpOptions{
		Repo:  f.repo(),
		Path:  prodOverlay,
		Image: gitops.Image{Name: exampleImage, NewName: prod, Tag: "1.2.0", Digest: d3},
	}); err != nil {
		t.Fatal(err)
	}
	o.Version = "1.2.0"
	t.Run("committed, not copied or tagged", func(t *testing.T) {
		check(t, o, want{copy: true, tag: true, unchanged: true,
			text:    []string{"would copy: ", "would tag: " + prod + ":1.2.0@" + d3, "dry run: no change: " + prodOverlay + " already runs " + prod + ":1.2.0@" + d3, "nothing would be committed"},
			notText: []string{"would commit", "already promoted"}})
	})
}
