package registry

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/goldenci/golden/exitcode"
)

func TestTags(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t, true, nil)
	repo := reg.ref("prod/app")
	a := push(t, reg.ref("prod/app:build-a"), randomImage(t, 1))
	b := push(t, reg.ref("prod/app:build-b"), sharedIndex(t, types.OCIImageIndex))
	ctx := t.Context()

	// A tag that does not exist yet.
	if d, ok, err := TagDigest(ctx, repo, "1.0.0", Options{}); err != nil || ok || d != "" {
		t.Fatalf("TagDigest(missing) = %q, %v, %v; want \"\", false, nil", d, ok, err)
	}

	// Create it, pointing at the image.
	if err := Tag(ctx, repo, "1.0.0", a, Options{}); err != nil {
		t.Fatalf("Tag: %v", err)
	}
	if d, ok, err := TagDigest(ctx, repo, "1.0.0", Options{}); err != nil || !ok || d != a {
		t.Fatalf("TagDigest = %q, %v, %v; want %s, true, nil", d, ok, err, a)
	}

	// Tagging again with the same digest writes nothing.
	reg.c.reset()
	if err := Tag(ctx, repo, "1.0.0", a, Options{}); err != nil {
		t.Fatal(err)
	}
	if created, err := TagImmutable(ctx, repo, "1.0.0", a, Options{}); err != nil || created {
		t.Fatalf("TagImmutable(same digest) = %v, %v; want false, nil", created, err)
	}
	if c := reg.c.snapshot(); c.manifestPuts != 0 {
		t.Errorf("re-tagging with the same digest wrote %d manifests", c.manifestPuts)
	}

	// A version tag pointing elsewhere is refused, as a failed gate.
	_, err := TagImmutable(ctx, repo, "1.0.0", b, Options{})
	var conflict *TagConflictError
	if !errors.As(err, &conflict) {
		t.Fatalf("TagImmutable(other digest) = %v, want a *TagConflictError", err)
	}
	if exitcode.Code(err) != exitcode.Failed {
		t.Errorf("exit code %d, want %d", exitcode.Code(err), exitcode.Failed)
	}
	if conflict.Existing != a || conflict.Wanted != b || conflict.Tag != "1.0.0" || conflict.Repository != repo {
		t.Errorf("conflict = %+v", conflict)
	}
	for _, s := range []string{`"1.0.0"`, a, b, repo} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %s", err, s)
		}
	}
	if d, _, _ := TagDigest(ctx, repo, "1.0.0", Options{}); d != a {
		t.Errorf("refused TagImmutable moved the tag to %s", d)
	}

	// TagImmutable creates a new tag; the index keeps its digest.
	if created, err := TagImmutable(ctx, repo, "v1.1.0", b, Options{}); err != nil || !created {
		t.Fatalf("TagImmutable(new) = %v, %v; want true, nil", created, err)
	}
	if d, err := Resolve(ctx, repo+":v1.1.0", Options{}); err != nil || d != b {
		t.Fatalf("Resolve(v1.1.0) = %q, %v; want %s", d, err, b)
	}

	// Tag moves an ordinary tag.
	if err := Tag(ctx, repo, "latest", a, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Tag(ctx, repo, "latest", b, Options{}); err != nil {
		t.Fatal(err)
	}
	if d, _, _ := TagDigest(ctx, repo, "latest", Options{}); d != b {
		t.Errorf("latest points to %s, want %s", d, b)
	}

	tags, err := ListTags(ctx, repo, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1.0.0", "build-a", "build-b", "latest", "v1.1.0"}; !slices.Equal(tags, want) {
		t.Errorf("ListTags = %q, want %q", tags, want)
	}
	if tags, err := ListTags(ctx, reg.ref("never/pushed"), Options{}); err != nil || len(tags) != 0 {
		t.Errorf("ListTags(new repository) = %q, %v; want no tags, no error", tags, err)
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t, false, nil)
	d := push(t, reg.ref("app:1.2.3"), randomImage(t, 1))
	missing := "sha256:" + strings.Repeat("a", 64)
	tests := []struct {
		ref  string
		want string
		code int
	}{
		{reg.ref("app:1.2.3"), d, 0},
		{reg.ref("app@" + d), d, 0},
		{reg.ref("app:1.2.3@" + d), d, 0},
		{reg.ref("app:9.9.9"), "", exitcode.Usage},
		{reg.ref("app@" + missing), "", exitcode.Usage},
		{reg.ref("other:1.2.3"), "", exitcode.Usage},
		{reg.ref("app:bad tag"), "", exitcode.Usage},
		{"", "", exitcode.Usage},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			t.Parallel()
			got, err := Resolve(t.Context(), tt.ref, Options{})
			if exitcode.Code(err) != tt.code {
				t.Fatalf("Resolve(%q) error %v (exit %d), want exit %d", tt.ref, err, exitcode.Code(err), tt.code)
			}
			if got != tt.want {
				t.Errorf("Resolve(%q) = %q, want %q", tt.ref, got, tt.want)
			}
			if wantNotFound := tt.code != 0 && !strings.Contains(tt.ref, " ") && tt.ref != ""; IsNotFound(err) != wantNotFound {
				t.Errorf("IsNotFound(%v) = %v, want %v", err, IsNotFound(err), wantNotFound)
			}
			if err != nil && tt.ref != "" && !strings.Contains(err.Error(), strings.TrimPrefix(tt.ref, reg.host+"/")) {
				t.Errorf("error %q does not name the reference", err)
			}
		})
	}
}

func TestTagErrors(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t, false, nil)
	repo := reg.ref("app")
	d := push(t, reg.ref("app:x"), randomImage(t, 1))
	missing := "sha256:" + strings.Repeat("b", 64)
	tests := []struct {
		name, repo, tag, digest string
		mention                 string
	}{
		{"empty tag", repo, "", d, `tag ""`},
		{"tag with colon", repo, "a:b", d, `"a:b"`},
		{"tag with slash", repo, "a/b", d, `"a/b"`},
		{"tag starting with dot", repo, ".hidden", d, `".hidden"`},
		{"tag with space", repo, "1.0 rc", d, `"1.0 rc"`},
		{"tag too long", repo, strings.Repeat("x", 129), d, "xxxx"},
		{"short digest", repo, "1.0.0", "sha256:abc", `"sha256:abc"`},
		{"no algorithm", repo, "1.0.0", strings.Repeat("c", 64), strings.Repeat("c", 64)},
		{"repository with tag", repo + ":x", "1.0.0", d, repo + ":x"},
		{"bad repository", reg.host + "/Bad", "1.0.0", d, "Bad"},
		{"digest not in repository", repo, "1.0.0", missing, missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for fn, call := range map[string]func() error{
				"Tag": func() error { return Tag(t.Context(), tt.repo, tt.tag, tt.digest, Options{}) },
				"TagImmutable": func() error {
					_, err := TagImmutable(t.Context(), tt.repo, tt.tag, tt.digest, Options{})
					return err
				},
			} {
				err := call()
				if exitcode.Code(err) != exitcode.Usage {
					t.Fatalf("%s: error %v (exit %d), want exit 2", fn, err, exitcode.Code(err))
				}
				if !strings.Contains(err.Error(), tt.mention) {
					t.Errorf("%s: error %q does not mention %s", fn, err, tt.mention)
				}
			}
		})
	}
	if _, _, err := TagDigest(t.Context(), repo, "bad tag", Options{}); exitcode.Code(err) != exitcode.Usage {
		t.Errorf("TagDigest(bad tag): %v", err)
	}
	if _, err := ListTags(t.Context(), repo+"@"+d, Options{}); exitcode.Code(err) != exitcode.Usage {
		t.Errorf("ListTags(digest reference): %v", err)
	}
}

// noDigestOnHead hides Docker-Content-Digest from HEAD answers for
// manifests, as some registries and proxies do; golden then GETs and
// hashes the manifest.
func noDigestOnHead(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead && strings.Contains(r.URL.Path, "/manifests/") {
			w = headerStripper{w}
		}
		next.ServeHTTP(w, r)
	})
}

type headerStripper struct{ http.ResponseWriter }

func (h headerStripper) WriteHeader(code int) {
	h.Header().Del("Docker-Content-Digest")
	h.ResponseWriter.WriteHeader(code)
}

func TestHeadWithoutDigestFallsBackToGet(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t, false, noDigestOnHead)
	d := push(t, reg.ref("app:1.0.0"), randomImage(t, 1))
	ctx := t.Context()
	if got, err := Resolve(ctx, reg.ref("app:1.0.0"), Options{}); err != nil || got != d {
		t.Errorf("Resolve = %q, %v; want %s", got, err, d)
	}
	if got, ok, err := TagDigest(ctx, reg.ref("app"), "1.0.0", Options{}); err != nil || !ok || got != d {
		t.Errorf("TagDigest = %q, %v, %v; want %s", got, ok, err, d)
	}
	if _, ok, err := TagDigest(ctx, reg.ref("app"), "2.0.0", Options{}); err != nil || ok {
		t.Errorf("TagDigest(missing) = %v, %v", ok, err)
	}
	for range 2 {
		if got, err := Copy(ctx, reg.ref("app@"+d), reg.ref("prod"), Options{}); err != nil || got != d {
			t.Fatalf("Copy = %q, %v", got, err)
		}
	}
}
