// Package promotetest provides the real components the tests of golden
// bump and golden promote run against: an in-process OCI registry
// (go-containerregistry's pkg/registry, a real implementation of the
// distribution API) on 127.0.0.1, optionally behind HTTP basic auth,
// multi-platform images to put in it, the example GitOps repository's
// files, and a watch on the machine's processes for leaked secrets.
//
// The git side is package internal/testsupport/gitserver.
package promotetest

import (
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/goldenci/golden/internal/testsupport/testtool"
)

// Registry is an in-process registry on 127.0.0.1, closed when the test
// ends.
type Registry struct {
	// Host is "127.0.0.1:PORT", the registry part of its references.
	Host string
	auth authn.Authenticator
}

// NewRegistry starts a registry. With a username, every request must
// carry these basic credentials; others are answered 401 with a Basic
// challenge, as a registry behind a simple proxy does.
func NewRegistry(t testing.TB, username, password string) *Registry {
	t.Helper()
	h := http.Handler(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	r := &Registry{auth: authn.Anonymous}
	if username != "" {
		next := h
		h = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			u, p, ok := req.BasicAuth()
			if !ok || u != username || p != password {
				w.Header().Set("WWW-Authenticate", `Basic realm="promotetest"`)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
				return
			}
			next.ServeHTTP(w, req)
		})
		r.auth = &authn.Basic{Username: username, Password: password}
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	r.Host = strings.TrimPrefix(srv.URL, "http://")
	return r
}

// Repo returns the reference of the repository path in this registry,
// e.g. "127.0.0.1:PORT/acme/go-service".
func (r *Registry) Repo(path string) string { return r.Host + "/" + path }

func (r *Registry) ref(t testing.TB, s string) name.Reference {
	t.Helper()
	ref, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// PushIndex pushes a random multi-platform image index (linux/amd64 and
// linux/arm64, two layers each) as repo:tag (repo is a path in the
// registry, e.g. "acme/go-service") and returns its digest.
func (r *Registry) PushIndex(t testing.TB, repo, tag string) string {
	t.Helper()
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := random.Image(256, 2)
		if err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}},
		})
	}
	if err := remote.WriteIndex(r.ref(t, r.Repo(repo)+":"+tag), idx, remote.WithAuth(r.auth)); err != nil {
		t.Fatal(err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// Digest returns the digest ref ("acme/go-service:1.0.0" or
// "acme/go-service@sha256:...") points to, or "" when the registry does
// not have it.
func (r *Registry) Digest(t testing.TB, ref string) string {
	t.Helper()
	desc, err := remote.Head(r.ref(t, r.Host+"/"+ref), remote.WithAuth(r.auth))
	var terr *transport.Error
	if errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return desc.Digest.String()
}

// Platforms returns the platforms of the index ref, "os/arch" each.
func (r *Registry) Platforms(t testing.TB, ref string) []string {
	t.Helper()
	idx, err := remote.Index(r.ref(t, r.Host+"/"+ref), remote.WithAuth(r.auth))
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range m.Manifests {
		if d.Platform != nil {
			out = append(out, d.Platform.OS+"/"+d.Platform.Architecture)
		}
	}
	return out
}

// Tags returns the tags of repo (a path in the registry), sorted by the
// registry; none when the repository does not exist.
func (r *Registry) Tags(t testing.TB, repo string) []string {
	t.Helper()
	var terr *transport.Error
	rep, err := name.NewRepository(r.Repo(repo))
	if err != nil {
		t.Fatal(err)
	}
	tags, err := remote.List(rep, remote.WithAuth(r.auth))
	if errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return tags
}

// ClosedAddr returns "127.0.0.1:PORT" for a port nothing listens on: a
// listener was opened there and closed.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// ExampleFiles returns the files of the example GitOps repository
// (examples/gitops: base, overlays/staging, overlays/production) by
// slash-separated path, to seed a repository with.
func ExampleFiles(t testing.TB) map[string]string {
	t.Helper()
	root := filepath.Join(testtool.Root(), "examples", "gitops")
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no example files under %s", root)
	}
	return files
}
