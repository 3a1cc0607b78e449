// Package gitserver runs real git servers for tests: Debian's
// git http-backend over smart HTTP behind net/http/cgi on 127.0.0.1, with
// optional HTTP basic auth, and OpenSSH's sshd on a high loopback port.
// Its helpers create bare repositories and read them back with the git CLI
// for assertions, with or without a server.
//
// Nothing here imitates git: every byte on the wire comes from
// git-upload-pack and git-receive-pack.
//
// The helpers that take a testing.TB fail the test on error, so call them
// from the test's goroutine; a Server itself serves any number of
// concurrent clients.
package gitserver

import (
	"bytes"
	"crypto/subtle"
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Options configures a Server.
type Options struct {
	// Username and Password, when Username is set, are the HTTP basic
	// credentials every request must carry; a request without them or
	// with others is answered 401 with a WWW-Authenticate challenge.
	// Empty means no authentication (anyone may fetch and push).
	Username string
	Password string
}

// Requests counts the requests a Server answered.
type Requests struct {
	Total        int // every request
	Unauthorized int // answered 401
	Injected     int // answered with a status set by FailNext
	InfoRefs     int // GET .../info/refs (ref advertisement)
	UploadPack   int // POST .../git-upload-pack (fetch, clone)
	ReceivePack  int // POST .../git-receive-pack (push)
}

// Server is a git smart-HTTP server on 127.0.0.1 serving the bare
// repositories under Root. It is closed when the test ends.
type Server struct {
	t       testing.TB
	root    string
	opts    Options
	backend string
	srv     *httptest.Server

	mu       sync.Mutex
	requests Requests
	failures []int
}

// New starts a server with an empty repository root.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	backend := httpBackend(t)
	s := &Server{t: t, root: t.TempDir(), opts: opts, backend: backend}
	if err := os.MkdirAll(filepath.Join(s.root, ".home"), 0o755); err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// httpBackend finds git-http-backend in git's exec path.
func httpBackend(t testing.TB) string {
	t.Helper()
	out, err := runGit("", "--exec-path")
	if err != nil {
		t.Fatalf("git is required: %v", err)
	}
	p := filepath.Join(strings.TrimSpace(out), "git-http-backend")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("git-http-backend not found: %v", err)
	}
	return p
}

// BaseURL is the server's address, http://127.0.0.1:PORT.
func (s *Server) BaseURL() string { return s.srv.URL }

// URL is the clone URL of the repository named repo, e.g.
// http://127.0.0.1:PORT/gitops.git.
func (s *Server) URL(repo string) string { return s.srv.URL + "/" + repo }

// Root is the directory holding the served bare repositories.
func (s *Server) Root() string { return s.root }

// Path is the directory of the bare repository named repo.
func (s *Server) Path(repo string) string { return filepath.Join(s.root, filepath.FromSlash(repo)) }

// CreateRepo creates the bare repository name (e.g. "gitops.git") with an
// initial commit on main holding files, made with the git CLI, and returns
// its URL.
func (s *Server) CreateRepo(t testing.TB, name string, files map[string]string) string {
	t.Helper()
	InitBare(t, s.Path(name), files)
	return s.URL(name)
}

// ReadFile returns path at ref in the repository repo.
func (s *Server) ReadFile(t testing.TB, repo, ref, path string) string {
	t.Helper()
	return ReadFile(t, s.Path(repo), ref, path)
}

// Log returns the commits reachable from ref in the repository repo, newest
// first.
func (s *Server) Log(t testing.TB, repo, ref string) []Commit {
	t.Helper()
	return Log(t, s.Path(repo), ref)
}

// Requests returns the request counters so far.
func (s *Server) Requests() Requests {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// FailNext makes the next n requests fail with the HTTP status code, e.g.
// 503, before authentication and before git sees them.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, status)
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests.Total++
	fail := 0
	if len(s.failures) > 0 {
		fail, s.failures = s.failures[0], s.failures[1:]
		s.requests.Injected++
	}
	s.mu.Unlock()
	if fail != 0 {
		http.Error(w, http.StatusText(fail), fail)
		return
	}

	user := "anonymous"
	if s.opts.Username != "" {
		u, p, ok := r.BasicAuth()
		if !ok || !equal(u, s.opts.Username) || !equal(p, s.opts.Password) {
			s.count(func(c *Requests) { c.Unauthorized++ })
			w.Header().Set("WWW-Authenticate", `Basic realm="gitserver", charset="UTF-8"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		user = u
	}

	switch {
	case strings.HasSuffix(r.URL.Path, "/info/refs"):
		s.count(func(c *Requests) { c.InfoRefs++ })
	case strings.HasSuffix(r.URL.Path, "/git-upload-pack"):
		s.count(func(c *Requests) { c.UploadPack++ })
	case strings.HasSuffix(r.URL.Path, "/git-receive-pack"):
		s.count(func(c *Requests) { c.ReceivePack++ })
	}

	// The CGI program sees neither the credentials (net/http/cgi would
	// pass the header on as HTTP_AUTHORIZATION) nor a chunked body, which
	// net/http/cgi refuses.
	r = r.Clone(r.Context())
	r.Header.Del("Authorization")
	if r.ContentLength < 0 || len(r.TransferEncoding) > 0 {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "reading request body: "+err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.TransferEncoding = nil
	}

	h := &cgi.Handler{
		Path: s.backend,
		Dir:  s.root,
		Env: []string{
			"GIT_PROJECT_ROOT=" + s.root,
			"GIT_HTTP_EXPORT_ALL=1",
			// git http-backend allows receive-pack (push) only to an
			// authenticated user.
			"REMOTE_USER=" + user,
			"GIT_CONFIG_NOSYSTEM=1",
			"GIT_CONFIG_GLOBAL=" + os.DevNull,
			"HOME=" + filepath.Join(s.root, ".home"),
		},
		Stderr: logWriter{s.t},
	}
	h.ServeHTTP(w, r)
}

func (s *Server) count(f func(*Requests)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.requests)
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// logWriter sends git http-backend's stderr to the test log.
type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Logf("git http-backend: %s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
