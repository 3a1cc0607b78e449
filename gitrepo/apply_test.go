package gitrepo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goldenci/golden/internal/testsupport/gitserver"
	"github.com/goldenci/golden/internal/testsupport/testtool"
)

func TestApplyCommitsAndPushes(t *testing.T) {
	t.Parallel()
	srv := gitserver.New(t, gitserver.Options{Username: canaryUser, Password: canaryPassword})
	url := srv.CreateRepo(t, "gitops.git", map[string]string{
		"envs/staging/web.yaml": "image: ghcr.io/o/web:1.0.0\n",
		"envs/prod/web.yaml":    "image: ghcr.io/o/web:0.9.0\n",
	})
	initial := srv.Log(t, "gitops.git", "main")[0].Hash
	var progress syncBuffer

	out, err := Apply(testContext(t), Options{
		CloneOptions: CloneOptions{
			URL:      url,
			Auth:     Auth{Username: canaryUser, Password: canaryPassword},
			Progress: &progress,
		},
		Author:    Signature{Name: "Release Bot", Email: "release@example.com"},
		Committer: Signature{Name: "golden", Email: "golden@example.com"},
		Message:   "staging: web 1.1.0\n\nBumped by golden.",
		Trailers: []Trailer{
			{Key: "Golden-Image", Value: "ghcr.io/o/web:1.1.0"},
			{Key: "Golden-Digest", Value: "sha256:abc"},
			{Key: "Golden-Source-Commit", Value: "0123456789abcdef"},
		},
		Now: testNow,
	}, writeFile("envs/staging/web.yaml", "image: ghcr.io/o/web:1.1.0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !out.Pushed || out.Unchanged || out.Attempts != 1 || out.Branch != "main" || out.Parent != initial {
		t.Errorf("outcome = %+v", out)
	}
	if fmt.Sprint(out.Files) != "[envs/staging/web.yaml]" {
		t.Errorf("files = %v", out.Files)
	}
	for _, want := range []string{"--- a/envs/staging/web.yaml", "+++ b/envs/staging/web.yaml", "-image: ghcr.io/o/web:1.0.0", "+image: ghcr.io/o/web:1.1.0"} {
		if !strings.Contains(out.Diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, out.Diff)
		}
	}

	log := srv.Log(t, "gitops.git", "main")
	if len(log) != 2 {
		t.Fatalf("remote log has %d commits, want 2", len(log))
	}
	c := log[0]
	if c.Hash != out.Commit || len(c.Parents) != 1 || c.Parents[0] != initial {
		t.Errorf("commit %s parents %v; outcome commit %s", c.Hash, c.Parents, out.Commit)
	}
	wantMsg := "staging: web 1.1.0\n\nBumped by golden.\n\n" +
		"Golden-Image: ghcr.io/o/web:1.1.0\nGolden-Digest: sha256:abc\nGolden-Source-Commit: 0123456789abcdef\n"
	if c.Message != wantMsg {
		t.Errorf("message = %q, want %q", c.Message, wantMsg)
	}
	if c.AuthorName != "Release Bot" || c.AuthorEmail != "release@example.com" || c.CommitterName != "golden" {
		t.Errorf("author %s <%s>, committer %s", c.AuthorName, c.AuthorEmail, c.CommitterName)
	}
	if got := srv.ReadFile(t, "gitops.git", "main", "envs/staging/web.yaml"); got != "image: ghcr.io/o/web:1.1.0\n" {
		t.Errorf("staging file = %q", got)
	}
	if got := srv.ReadFile(t, "gitops.git", "main", "envs/prod/web.yaml"); got != "image: ghcr.io/o/web:0.9.0\n" {
		t.Errorf("prod file changed: %q", got)
	}
	p := progress.String()
	if !strings.Contains(p, "cloning "+url) || !strings.Contains(p, "pushed ") {
		t.Errorf("progress lacks clone and push lines:\n%s", p)
	}
	assertNoSecret(t, "progress", p)
}

func TestApplyUnchanged(t *testing.T) {
	t.Parallel()
	srv := gitserver.New(t, gitserver.Options{})
	url := srv.CreateRepo(t, "r.git", map[string]string{"a.yaml": "v: 1\n", ".gitignore": "*.tmp\n"})
	for _, tc := range []struct {
		name string
		edit EditFunc
	}{
		{"edit reports no change", func(string) (bool, error) { return false, nil }},
		{"edit rewrites the same content", func(dir string) (bool, error) {
			return true, os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("v: 1\n"), 0o644)
		}},
		{"edit touches only an ignored file", func(dir string) (bool, error) {
			return true, os.WriteFile(filepath.Join(dir, "scratch.tmp"), []byte("x"), 0o644)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Apply(testContext(t), Options{CloneOptions: CloneOptions{URL: url}, Message: "m"}, tc.edit)
			if err != nil {
				t.Fatal(err)
			}
			if !out.Unchanged || out.Pushed || out.Commit != "" || out.Diff != "" || out.Attempts != 1 {
				t.Errorf("outcome = %+v", out)
			}
		})
	}
	if n := srv.Requests().ReceivePack; n != 0 {
		t.Errorf("%d pushes, want none", n)
	}
	if n := len(srv.Log(t, "r.git", "main")); n != 1 {
		t.Errorf("%d commits, want 1", n)
	}
}

func TestApplyDeletesAndAddsFiles(t *testing.T) {
	t.Parallel()
	repo := gitserver.NewBareRepo(t, map[string]string{"old.yaml": "x\n", "keep.yaml": "k\n", "dir/gone.yaml": "g\n"})
	out, err := Apply(testContext(t), Options{CloneOptions: CloneOptions{URL: repo}, Message: "reshape"},
		func(dir string) (bool, error) {
			for _, f := range []string{"old.yaml", "dir/gone.yaml"} {
				if err := os.Remove(filepath.Join(dir, f)); err != nil {
					return false, err
				}
			}
			if err := os.MkdirAll(filepath.Join(dir, "new", "sub"), 0o755); err != nil {
				return false, err
			}
			return true, os.WriteFile(filepath.Join(dir, "new", "sub", "n.yaml"), []byte("n\n"), 0o644)
		})
	if err != nil {
		t.Fatal(err)
	}
	if got := gitserver.ListFiles(t, repo, "main"); fmt.Sprint(got) != "[keep.yaml new/sub/n.yaml]" {
		t.Errorf("files after = %v", got)
	}
	if fmt.Sprint(out.Files) != "[dir/gone.yaml new/sub/n.yaml old.yaml]" {
		t.Errorf("outcome files = %v", out.Files)
	}
	if !strings.Contains(out.Diff, "--- a/old.yaml\n+++ /dev/null") || !strings.Contains(out.Diff, "--- /dev/null\n+++ b/new/sub/n.yaml") {
		t.Errorf("diff:\n%s", out.Diff)
	}
}

// TestApplyRetriesOnNewHead makes another writer push while the first
// attempt's edit runs, so the push is rejected; the second attempt must
// run the edit again on the new head, without what the first attempt
// left behind.
func TestApplyRetriesOnNewHead(t *testing.T) {
	t.Parallel()
	srv := gitserver.New(t, gitserver.Options{Username: canaryUser, Password: canaryPassword})
	srv.CreateRepo(t, "r.git", map[string]string{"web.yaml": "image: web:1\n", "api.yaml": "image: api:1\n"})
	var heads []string
	attempt := 0
	var progress syncBuffer
	out, err := Apply(testContext(t), Options{
		CloneOptions: CloneOptions{URL: srv.URL("r.git"), Auth: Auth{Username: canaryUser, Password: canaryPassword}, Progress: &progress},
		Message:      "bump web",
		Backoff:      fastBackoff,
	}, func(dir string) (bool, error) {
		attempt++
		api, err := os.ReadFile(filepath.Join(dir, "api.yaml"))
		if err != nil {
			return false, err
		}
		heads = append(heads, string(api))
		if attempt == 1 {
			// Another service lands first.
			gitserver.CommitFiles(t, srv.Path("r.git"), "main", map[string]string{"api.yaml": "image: api:2\n"}, "bump api")
			// Left behind by this attempt only: must not survive.
			if err := os.WriteFile(filepath.Join(dir, "stale.txt"), []byte("stale"), 0o644); err != nil {
				return false, err
			}
		}
		return true, os.WriteFile(filepath.Join(dir, "web.yaml"), []byte("image: web:2\n"), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Attempts != 2 || !out.Pushed {
		t.Errorf("outcome = %+v", out)
	}
	if fmt.Sprint(heads) != "[image: api:1\n image: api:2\n]" {
		t.Errorf("edit saw api.yaml = %q, want the old then the new head", heads)
	}
	log := srv.Log(t, "r.git", "main")
	if len(log) != 3 || log[0].Subject() != "bump web" || log[1].Subject() != "bump api" {
		t.Fatalf("log = %+v", log)
	}
	if got := gitserver.ListFiles(t, srv.Path("r.git"), "main"); fmt.Sprint(got) != "[api.yaml web.yaml]" {
		t.Errorf("files = %v (stale.txt must not be pushed)", got)
	}
	if srv.ReadFile(t, "r.git", "main", "api.yaml") != "image: api:2\n" || srv.ReadFile(t, "r.git", "main", "web.yaml") != "image: web:2\n" {
		t.Errorf("an update was lost")
	}
	if !strings.Contains(progress.String(), "retrying on the new head") {
		t.Errorf("progress does not mention the retry:\n%s", progress.String())
	}
	assertNoSecret(t, "progress", progress.String())
}

// TestApplySameChangeAlreadyLanded: the other writer made the very same
// change, so after the rejected push there is nothing left to do.
func TestApplySameChangeAlreadyLanded(t *testing.T) {
	t.Parallel()
	repo := gitserver.NewBareRepo(t, map[string]string{"web.yaml": "image: web:1\n"})
	attempt := 0
	edit := writeFile("web.yaml", "image: web:2\n")
	out, err := Apply(testContext(t), Options{CloneOptions: CloneOptions{URL: repo}, Message: "bump web", Backoff: fastBackoff},
		func(dir string) (bool, error) {
			attempt++
			if attempt == 1 {
				gitserver.CommitFiles(t, repo, "main", map[string]string{"web.yaml": "image: web:2\n"}, "someone else bumped web")
			}
			return edit(dir)
		})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Unchanged || out.Pushed || out.Attempts != 2 {
		t.Errorf("outcome = %+v", out)
	}
	if log := gitserver.Log(t, repo, "main"); len(log) != 2 || log[0].Subject() != "someone else bumped web" {
		t.Errorf("log = %+v", log)
	}
}

func TestApplyGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	repo := gitserver.NewBareRepo(t, map[string]string{"web.yaml": "image: web:1\n"})
	n := 0
	out, err := Apply(testContext(t), Options{CloneOptions: CloneOptions{URL: repo}, Message: "bump web", MaxAttempts: 3, Backoff: fastBackoff},
		func(dir string) (bool, error) {
			n++
			gitserver.CommitFiles(t, repo, "main", map[string]string{fmt.Sprintf("other-%d", n): "x"}, "other writer")
			return writeFile("web.yaml", "image: web:2\n")(dir)
		})
	assertClass(t, err, 3, ErrRetriesExhausted)
	if out != nil {
		t.Errorf("outcome = %+v, want nil", out)
	}
	if n != 3 || !strings.Contains(err.Error(), "gave up after 3 attempts") || !strings.Contains(err.Error(), repo) {
		t.Errorf("edits = %d, err = %v", n, err)
	}
	if log := gitserver.Log(t, repo, "main"); log[0].Subject() != "other writer" || len(log) != 4 {
		t.Errorf("log = %+v", log)
	}
}

func TestApplyContextCancelledDuringBackoff(t *testing.T) {
	t.Parallel()
	repo := gitserver.NewBareRepo(t, map[string]string{"a": "1"})
	ctx, cancel := contextWithCancel(t)
	// The progress line announcing the retry cancels the context, so the
	// cancellation arrives during the (long) backoff.
	progress := &cancelOn{substr: "retrying", cancel: cancel}
	_, err := Apply(ctx, Options{
		CloneOptions: CloneOptions{URL: repo, Progress: progress},
		Message:      "m",
		Backoff:      Backoff{Initial: 10 * time.Minute, Max: 10 * time.Minute},
	}, func(dir string) (bool, error) {
		gitserver.CommitFiles(t, repo, "main", map[string]string{"b": "2"}, "other")
		return writeFile("a", "3")(dir)
	})
	assertClass(t, err, 3, context.Canceled)
	if !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("err = %v", err)
	}
}

func TestApplyKeepsEditErrorClass(t *testing.T) {
	t.Parallel()
	repo := gitserver.NewBareRepo(t, map[string]string{"a": "1"})
	_, err := Apply(testContext(t), Options{CloneOptions: CloneOptions{URL: repo}, Message: "m"},
		func(string) (bool, error) { return false, errInput("envs/prod/kustomization.yaml: line 3: bad image") })
	assertClass(t, err, 2, nil)
	if !strings.Contains(err.Error(), "editing the clone of "+repo+": envs/prod/kustomization.yaml: line 3") {
		t.Errorf("err = %v", err)
	}
}

// TestApplyConcurrentWriters is the lost-update test: 20 services bump
// their own file in one repository at the same time through the HTTP
// server. Every one must land. Meanwhile no process on the machine may
// carry the token in its arguments or environment.
func TestApplyConcurrentWriters(t *testing.T) {
	t.Parallel()
	const writers = 20
	srv := gitserver.New(t, gitserver.Options{Username: canaryUser, Password: canaryToken})
	files := map[string]string{"README.md": "gitops\n"}
	for i := range writers {
		files[fmt.Sprintf("apps/svc-%02d.yaml", i)] = "image: svc:1.0.0\n"
	}
	url := srv.CreateRepo(t, "gitops.git", files)

	stop := testtool.WatchProcesses(t, canaryToken)
	var wg sync.WaitGroup
	outs := make([]*Outcome, writers)
	errs := make([]error, writers)
	progress := make([]syncBuffer, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("apps/svc-%02d.yaml", i)
			outs[i], errs[i] = Apply(testContext(t), Options{
				CloneOptions: CloneOptions{URL: url, Auth: Auth{Username: canaryUser, Token: canaryToken}, Progress: &progress[i]},
				Message:      fmt.Sprintf("svc-%02d: 1.1.0", i),
				Trailers:     []Trailer{{Key: "Golden-Image", Value: fmt.Sprintf("svc-%02d:1.1.0", i)}},
				// A backoff shorter than DefaultBackoff keeps the test
				// quick but packs the retries tighter, so more of them
				// collide: on a loaded 2-core machine one writer needed up
				// to 13 attempts (up to 9 with the defaults), hence the
				// headroom.
				Backoff:     Backoff{Initial: 50 * time.Millisecond, Max: time.Second},
				MaxAttempts: 40,
			}, writeFile(name, "image: svc:1.1.0\n"))
		}()
	}
	wg.Wait()
	seen := stop()

	attempts, most := 0, 0
	for i := range writers {
		if errs[i] != nil {
			t.Errorf("writer %d: %v", i, errs[i])
			continue
		}
		if !outs[i].Pushed {
			t.Errorf("writer %d: not pushed: %+v", i, outs[i])
		}
		attempts += outs[i].Attempts
		most = max(most, outs[i].Attempts)
		assertNoSecret(t, "progress", progress[i].String())
	}
	log := srv.Log(t, "gitops.git", "main")
	if len(log) != writers+1 {
		t.Fatalf("remote has %d commits, want %d", len(log), writers+1)
	}
	subjects := map[string]bool{}
	for _, c := range log[:writers] {
		subjects[c.Subject()] = true
		if len(c.Parents) != 1 {
			t.Errorf("commit %s has parents %v: want a linear history", c.Hash, c.Parents)
		}
	}
	for i := range writers {
		if !subjects[fmt.Sprintf("svc-%02d: 1.1.0", i)] {
			t.Errorf("commit of writer %d is missing", i)
		}
		name := fmt.Sprintf("apps/svc-%02d.yaml", i)
		if got := srv.ReadFile(t, "gitops.git", "main", name); got != "image: svc:1.1.0\n" {
			t.Errorf("%s = %q: update lost", name, got)
		}
	}
	t.Logf("%d writers landed in %d attempts (at most %d for one); %d requests; watched %d processes",
		writers, attempts, most, srv.Requests().Total, seen)
}

// TestApplyPushBranch pushes to a review branch: first created from main,
// then built on, then left alone when it already has the change.
func TestApplyPushBranch(t *testing.T) {
	t.Parallel()
	srv := gitserver.New(t, gitserver.Options{})
	url := srv.CreateRepo(t, "r.git", map[string]string{"prod/web.yaml": "image: web:1\n", "prod/api.yaml": "image: api:1\n"})
	mainHead := srv.Log(t, "r.git", "main")[0].Hash
	opts := Options{CloneOptions: CloneOptions{URL: url}, Message: "promote web", PushBranch: "golden/promote-prod"}

	out, err := Apply(testContext(t), opts, writeFile("prod/web.yaml", "image: web:2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !out.Pushed || out.Branch != "golden/promote-prod" || out.Parent != mainHead {
		t.Errorf("first outcome = %+v", out)
	}
	if out.CompareURL != "" {
		t.Errorf("compare URL for a 127.0.0.1 remote = %q, want none", out.CompareURL)
	}
	branches := gitserver.Branches(t, srv.Path("r.git"))
	if branches["main"] != mainHead || branches["golden/promote-prod"] != out.Commit {
		t.Errorf("branches = %v", branches)
	}

	opts.Message = "promote api"
	out2, err := Apply(testContext(t), opts, writeFile("prod/api.yaml", "image: api:2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if out2.Parent != out.Commit {
		t.Errorf("second change based on %s, want the branch head %s", out2.Parent, out.Commit)
	}
	log := srv.Log(t, "r.git", "golden/promote-prod")
	if len(log) != 3 || log[0].Subject() != "promote api" || log[1].Subject() != "promote web" {
		t.Errorf("branch log = %+v", log)
	}

	out3, err := Apply(testContext(t), opts, writeFile("prod/api.yaml", "image: api:2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !out3.Unchanged || out3.Pushed {
		t.Errorf("third outcome = %+v", out3)
	}
	if gitserver.Head(t, srv.Path("r.git"), "main") != mainHead {
		t.Errorf("main moved")
	}
}

// TestApplyPushBranchCreatedMeanwhile: the review branch appears while the
// first attempt runs; the retry builds on it.
func TestApplyPushBranchCreatedMeanwhile(t *testing.T) {
	t.Parallel()
	repo := gitserver.NewBareRepo(t, map[string]string{"web.yaml": "image: web:1\n"})
	attempt := 0
	out, err := Apply(testContext(t), Options{CloneOptions: CloneOptions{URL: repo}, Message: "bump", PushBranch: "review", Backoff: fastBackoff},
		func(dir string) (bool, error) {
			attempt++
			if attempt == 1 {
				gitserver.Git(t, "", "--git-dir", repo, "branch", "review", "main")
				gitserver.CommitFiles(t, repo, "review", map[string]string{"other.yaml": "o\n"}, "other change on review")
			}
			return writeFile("web.yaml", "image: web:2\n")(dir)
		})
	if err != nil {
		t.Fatal(err)
	}
	if out.Attempts != 2 || !out.Pushed {
		t.Errorf("outcome = %+v", out)
	}
	if got := gitserver.ListFiles(t, repo, "review"); fmt.Sprint(got) != "[other.yaml web.yaml]" {
		t.Errorf("review files = %v", got)
	}
}

func TestApplyDryRun(t *testing.T) {
	t.Parallel()
	srv := gitserver.New(t, gitserver.Options{})
	url := srv.CreateRepo(t, "r.git", map[string]string{
		"envs/prod/kustomization.yaml": "images:\n- name: web\n  newTag: 1.0.0\n",
		"envs/prod/old.txt":            "remove me\n",
	})
	before := srv.Log(t, "r.git", "main")
	out, err := Apply(testContext(t), Options{CloneOptions: CloneOptions{URL: url}, Message: "m", DryRun: true},
		func(dir string) (bool, error) {
			if err := os.Remove(filepath.Join(dir, "envs/prod/old.txt")); err != nil {
				return false, err
			}
			if err := os.WriteFile(filepath.Join(dir, "envs/prod/new.txt"), []byte("added\n"), 0o644); err != nil {
				return false, err
			}
			return writeFile("envs/prod/kustomization.yaml", "images:\n- name: web\n  newTag: 1.1.0\n")(dir)
		})
	if err != nil {
		t.Fatal(err)
	}
	if out.Pushed || !out.DryRun || out.Commit != "" || out.Unchanged {
		t.Errorf("outcome = %+v", out)
	}
	golden(t, "dryrun.diff", out.Diff)
	if fmt.Sprint(out.Files) != "[envs/prod/kustomization.yaml envs/prod/new.txt envs/prod/old.txt]" {
		t.Errorf("files = %v", out.Files)
	}
	// The real git applies the diff to the remote's tree and gets the
	// edited files.
	work := filepath.Join(t.TempDir(), "work")
	gitserver.Git(t, "", "clone", "--quiet", srv.Path("r.git"), work)
	patch := filepath.Join(t.TempDir(), "change.diff")
	if err := os.WriteFile(patch, []byte(out.Diff), 0o644); err != nil {
		t.Fatal(err)
	}
	gitserver.Git(t, work, "apply", "--index", patch)
	status := gitserver.Git(t, work, "status", "--porcelain")
	if status != "M  envs/prod/kustomization.yaml\nA  envs/prod/new.txt\nD  envs/prod/old.txt\n" {
		t.Errorf("git status after git apply:\n%s", status)
	}
	if b, _ := os.ReadFile(filepath.Join(work, "envs/prod/kustomization.yaml")); !strings.Contains(string(b), "newTag: 1.1.0") {
		t.Errorf("kustomization.yaml after git apply = %q", b)
	}
	if srv.Requests().ReceivePack != 0 {
		t.Errorf("dry run pushed")
	}
	if after := srv.Log(t, "r.git", "main"); len(after) != len(before) || after[0].Hash != before[0].Hash {
		t.Errorf("remote changed on a dry run")
	}
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestApplyRejectsSecretInMessage(t *testing.T) {
	t.Parallel()
	repo := gitserver.NewBareRepo(t, map[string]string{"a": "1"})
	_, err := Apply(testContext(t), Options{
		CloneOptions: CloneOptions{URL: repo, Auth: Auth{Token: canaryToken}},
		Message:      "oops",
		Trailers:     []Trailer{{Key: "Token", Value: canaryToken}},
	}, writeFile("a", "2"))
	assertClass(t, err, 2, nil)
	assertNoSecret(t, "error", err.Error())
	if len(gitserver.Log(t, repo, "main")) != 1 {
		t.Errorf("a commit was pushed")
	}
}

func TestApplyBadOptions(t *testing.T) {
	t.Parallel()
	repo := gitserver.NewBareRepo(t, map[string]string{"a": "1"})
	edit := writeFile("a", "2")
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"no message", Options{CloneOptions: CloneOptions{URL: repo}}, "empty commit message"},
		{"bad trailer key", Options{CloneOptions: CloneOptions{URL: repo}, Message: "m", Trailers: []Trailer{{Key: "Bad Key", Value: "v"}}}, `trailer 1: invalid key "Bad Key"`},
		{"bad branch", Options{CloneOptions: CloneOptions{URL: repo, Branch: "a..b"}, Message: "m"}, `invalid branch name "a..b"`},
		{"bad push branch", Options{CloneOptions: CloneOptions{URL: repo}, PushBranch: "x y", Message: "m"}, `invalid branch name "x y"`},
		{"bad author", Options{CloneOptions: CloneOptions{URL: repo}, Author: Signature{Name: "a<b", Email: "e"}, Message: "m"}, "commit author"},
		{"no URL", Options{Message: "m"}, "no repository URL"},
		{"unknown scheme", Options{CloneOptions: CloneOptions{URL: "ftp://example.com/r.git"}, Message: "m"}, `unsupported scheme "ftp"`},
		{"missing branch", Options{CloneOptions: CloneOptions{URL: repo, Branch: "nope"}, Message: "m"}, `branch "nope" not found`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Apply(testContext(t), tc.o, edit)
			assertClass(t, err, 2, nil)
			if err != nil && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
