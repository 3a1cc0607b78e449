package registry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The tests run go-containerregistry's in-process registry
// (pkg/registry.New) behind httptest servers: a real implementation of the
// OCI distribution API. Two thin wrappers observe it:
//
//   - counter counts the bytes of blob uploads and blob downloads and the
//     manifest writes, which is how the tests prove what moved;
//   - scoped adds what that registry leaves out of the distribution spec:
//     it stores blobs globally, so every repository "has" every blob and a
//     client never needs to mount. scoped makes a blob visible only in the
//     repositories it was uploaded or mounted to, answers cross-repository
//     mount requests (POST .../blobs/uploads/?mount=D&from=REPO) the way
//     distribution does, and rejects image manifests whose blobs are not
//     in the repository. Behind it a copy that failed to mount would
//     either upload bytes (counted) or fail.

// counts is what a counter saw.
type counts struct {
	blobBytesIn  int64 // request body bytes of blob uploads
	blobBytesOut int64 // response body bytes of blob GETs
	blobGets     int
	uploads      int // blob upload sessions started without a mount (POST answered 202)
	mounts       int // blob mounts (POST answered 201)
	manifestPuts int
	requests     []string // "METHOD /path"
}

// counter is an http.Handler that counts traffic to the handler it wraps.
type counter struct {
	next http.Handler

	mu         sync.Mutex
	n          counts
	userAgents map[string]bool
}

func (c *counter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n = counts{}
}

// snapshot returns a copy of the counts.
func (c *counter) snapshot() counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	n.requests = append([]string(nil), c.n.requests...)
	return n
}

func (c *counter) add(f func(n *counts)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(&c.n)
}

type countingReader struct {
	r io.ReadCloser
	c *counter
}

func (r countingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.c.add(func(c *counts) { c.blobBytesIn += int64(n) })
	return n, err
}

func (r countingReader) Close() error { return r.r.Close() }

type statusWriter struct {
	http.ResponseWriter
	status int
	count  func(n int)
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	if w.count != nil {
		w.count(n)
	}
	return n, err
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.n.requests = append(c.n.requests, r.Method+" "+r.URL.Path)
	if c.userAgents == nil {
		c.userAgents = map[string]bool{}
	}
	c.userAgents[r.Header.Get("User-Agent")] = true
	c.mu.Unlock()
	p := r.URL.Path
	sw := &statusWriter{ResponseWriter: w}
	switch {
	case strings.Contains(p, "/blobs/uploads"):
		if r.Body != nil {
			r.Body = countingReader{r: r.Body, c: c}
		}
		c.next.ServeHTTP(sw, r)
		if r.Method == http.MethodPost {
			c.add(func(c *counts) {
				switch sw.status {
				case http.StatusCreated:
					c.mounts++
				case http.StatusAccepted:
					c.uploads++
				}
			})
		}
	case strings.Contains(p, "/blobs/") && r.Method == http.MethodGet:
		sw.count = func(n int) { c.add(func(c *counts) { c.blobBytesOut += int64(n) }) }
		c.next.ServeHTTP(sw, r)
		c.add(func(c *counts) { c.blobGets++ })
	case strings.Contains(p, "/manifests/") && r.Method == http.MethodPut:
		c.next.ServeHTTP(sw, r)
		c.add(func(c *counts) { c.manifestPuts++ })
	default:
		c.next.ServeHTTP(w, r)
	}
}

// scoped gives blobs per-repository visibility and implements
// cross-repository mounts in front of the in-process registry.
type scoped struct {
	next  http.Handler
	mu    sync.Mutex
	links map[string]map[string]bool // repository -> blob digest -> visible
}

func newScoped(next http.Handler) *scoped {
	return &scoped{next: next, links: map[string]map[string]bool{}}
}

func (s *scoped) linked(repo, digest string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.links[repo][digest]
}

func (s *scoped) link(repo, digest string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.links[repo] == nil {
		s.links[repo] = map[string]bool{}
	}
	s.links[repo][digest] = true
}

// split splits "/v2/REPO/KIND/REST" at the last "/blobs/" or "/manifests/".
func split(p string) (repo, kind, rest string) {
	for _, k := range []string{"/blobs/", "/manifests/"} {
		if i := strings.LastIndex(p, k); i > len("/v2") {
			return p[len("/v2/"):i], strings.Trim(k, "/"), p[i+len(k):]
		}
	}
	return "", "", ""
}

func regError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
}

func (s *scoped) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	repo, kind, rest := split(r.URL.Path)
	switch {
	case kind == "blobs" && strings.HasPrefix(rest, "sha256:") && (r.Method == http.MethodHead || r.Method == http.MethodGet):
		if !s.linked(repo, rest) {
			regError(w, http.StatusNotFound, "BLOB_UNKNOWN", "blob unknown to repository")
			return
		}
	case kind == "blobs" && strings.HasPrefix(rest, "uploads") && r.Method == http.MethodPost:
		q := r.URL.Query()
		if d, from := q.Get("mount"), q.Get("from"); d != "" && from != "" && s.linked(from, d) {
			s.link(repo, d)
			w.Header().Set("Location", "/v2/"+repo+"/blobs/"+d)
			w.Header().Set("Docker-Content-Digest", d)
			w.WriteHeader(http.StatusCreated)
			return
		}
		if d := q.Get("digest"); d != "" { // monolithic upload
			sw := &statusWriter{ResponseWriter: w}
			s.next.ServeHTTP(sw, r)
			if sw.status == http.StatusCreated {
				s.link(repo, d)
			}
			return
		}
	case kind == "blobs" && strings.HasPrefix(rest, "uploads/") && r.Method == http.MethodPut:
		sw := &statusWriter{ResponseWriter: w}
		s.next.ServeHTTP(sw, r)
		if d := r.URL.Query().Get("digest"); d != "" && sw.status == http.StatusCreated {
			s.link(repo, d)
		}
		return
	case kind == "manifests" && r.Method == http.MethodPut:
		body, err := io.ReadAll(r.Body)
		if err != nil {
			regError(w, http.StatusBadRequest, "MANIFEST_INVALID", err.Error())
			return
		}
		if types.MediaType(r.Header.Get("Content-Type")).IsImage() {
			m, err := v1.ParseManifest(bytes.NewReader(body))
			if err != nil {
				regError(w, http.StatusBadRequest, "MANIFEST_INVALID", err.Error())
				return
			}
			for _, d := range append([]v1.Descriptor{m.Config}, m.Layers...) {
				if !s.linked(repo, d.Digest.String()) {
					regError(w, http.StatusBadRequest, "MANIFEST_BLOB_UNKNOWN", "blob "+d.Digest.String()+" unknown to repository "+repo)
					return
				}
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	s.next.ServeHTTP(w, r)
}

// testRegistry is one in-process registry server.
type testRegistry struct {
	srv  *httptest.Server
	host string // "127.0.0.1:PORT"
	c    *counter
}

// newTestRegistry starts a registry; scopedBlobs puts scoped in front of it;
// wrap, when not nil, wraps the whole handler (e.g. with basic auth).
func newTestRegistry(t testing.TB, scopedBlobs bool, wrap func(http.Handler) http.Handler) *testRegistry {
	t.Helper()
	h := ggcrregistry.New(ggcrregistry.Logger(discardLogger()))
	if scopedBlobs {
		h = newScoped(h)
	}
	c := &counter{next: h}
	h = c
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &testRegistry{srv: srv, host: strings.TrimPrefix(srv.URL, "http://"), c: c}
}

func (r *testRegistry) ref(s string) string { return r.host + "/" + s }

// push writes an image or index to ref with plain go-containerregistry and
// returns its digest.
func push(t testing.TB, ref string, artifact remote.Taggable, opts ...remote.Option) string {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	var d v1.Hash
	switch a := artifact.(type) {
	case v1.ImageIndex:
		err = remote.WriteIndex(r, a, opts...)
		if err == nil {
			d, err = a.Digest()
		}
	case v1.Image:
		err = remote.Write(r, a, opts...)
		if err == nil {
			d, err = a.Digest()
		}
	default:
		t.Fatalf("push: unexpected %T", artifact)
	}
	if err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
	return d.String()
}

// contents is what an image or index consists of.
type contents struct {
	manifests int              // manifests, the top one included
	blobs     map[string]int64 // distinct blobs (configs and layers) -> size
}

func (c contents) blobBytes() int64 {
	var n int64
	for _, s := range c.blobs {
		n += s
	}
	return n
}

// walk lists the manifests and distinct blobs of an image or index.
func walk(t testing.TB, artifact remote.Taggable) contents {
	t.Helper()
	c := contents{blobs: map[string]int64{}}
	var visit func(a remote.Taggable)
	visit = func(a remote.Taggable) {
		c.manifests++
		switch a := a.(type) {
		case v1.ImageIndex:
			im, err := a.IndexManifest()
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range im.Manifests {
				if d.MediaType.IsIndex() {
					child, err := a.ImageIndex(d.Digest)
					if err != nil {
						t.Fatal(err)
					}
					visit(child)
					continue
				}
				child, err := a.Image(d.Digest)
				if err != nil {
					t.Fatal(err)
				}
				visit(child)
			}
		case v1.Image:
			m, err := a.Manifest()
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range append([]v1.Descriptor{m.Config}, m.Layers...) {
				c.blobs[d.Digest.String()] = d.Size
			}
		}
	}
	visit(artifact)
	return c
}

// randomImage returns a random single-platform image.
func randomImage(t testing.TB, layers int64) v1.Image {
	t.Helper()
	img, err := random.Image(2048, layers)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// sharedIndex returns a multi-platform index (of media type mt) whose
// images share their base layers, like a real multi-arch build.
func sharedIndex(t testing.TB, mt types.MediaType) v1.ImageIndex {
	t.Helper()
	base := randomImage(t, 2)
	var adds []mutate.IndexAddendum
	for _, arch := range []string{"amd64", "arm64", "s390x"} {
		l, err := random.Layer(4096, types.DockerLayer)
		if err != nil {
			t.Fatal(err)
		}
		img, err := mutate.AppendLayers(base, l)
		if err != nil {
			t.Fatal(err)
		}
		adds = append(adds, mutate.IndexAddendum{
			Add:        withPlatform(t, img, arch),
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}},
		})
	}
	return mutate.IndexMediaType(mutate.AppendManifests(empty.Index, adds...), mt)
}

// nestedIndex returns an index holding another index and an image.
func nestedIndex(t testing.TB) v1.ImageIndex {
	t.Helper()
	inner, err := random.Index(1024, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	return mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: inner},
		mutate.IndexAddendum{Add: withPlatform(t, randomImage(t, 1), "riscv64"), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "riscv64"}}},
	)
}

func fmtCounts(c counts) string {
	return fmt.Sprintf("blob bytes in %d, out %d; blob GETs %d; uploads %d; mounts %d; manifest PUTs %d",
		c.blobBytesIn, c.blobBytesOut, c.blobGets, c.uploads, c.mounts, c.manifestPuts)
}

func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }

// withPlatform sets the platform in img's config, as a real build does.
func withPlatform(t testing.TB, img v1.Image, arch string) v1.Image {
	t.Helper()
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", arch
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
