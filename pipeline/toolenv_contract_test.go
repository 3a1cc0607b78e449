package pipeline

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/internal/testsupport/gitserver"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/toolcmd"
)

// The contract tests of ToolEnv run the real go, pip, npm and git of this
// host against HTTPS mirrors on 127.0.0.1 that only a private CA vouches
// for and that answer 401 without credentials, with an environment made of
// ToolEnv's variables alone (its container files written to temporary
// files, the variables pointed at them) and what the pipeline sets
// besides (PATH, HOME, the caches). Each download succeeds with all of
// them, and fails the way the tool fails without the CA bundle, without
// the one variable the tool reads it from, or without the credentials:
// each variable golden sets is one the tool reads. No run prints a
// credential.

// contractTimeout bounds one tool run: every mirror is on this host.
const contractTimeout = 90 * time.Second

// containerHome is HOME in the tool images: they run as root (the
// pipeline's caches are under /root too). A run's temporary HOME stands
// for it: a file ToolEnv mounts under /root is written under that HOME.
const containerHome = "/root"

// testCA is a private CA and a server certificate for 127.0.0.1 it signed.
type testCA struct {
	pem  []byte // the CA certificate, the bundle a user would give golden
	leaf tls.Certificate
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "golden contract test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{
		pem:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		leaf: tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey},
	}
}

// serve starts an HTTPS server on 127.0.0.1 with the CA's certificate.
func (ca *testCA) serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.leaf}, MinVersion: tls.VersionTLS12}
	// The runs without the CA fail the handshake on purpose.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// newCanary is a credential no output may quote.
func newCanary(t *testing.T, what string) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "golden-canary-" + what + "-" + hex.EncodeToString(b)
}

// mirrorCounts counts what a mirror answered.
type mirrorCounts struct {
	authorized, unauthorized, artifacts atomic.Int64
}

// basicAuth lets through requests with the user and password and answers
// 401 to the others.
func (m *mirrorCounts) basicAuth(user, password string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(user)) != 1 || subtle.ConstantTimeCompare([]byte(p), []byte(password)) != 1 {
			m.unauthorized.Add(1)
			w.Header().Set("WWW-Authenticate", `Basic realm="golden contract test"`)
			http.Error(w, "401 unauthorized", http.StatusUnauthorized)
			return
		}
		m.authorized.Add(1)
		h.ServeHTTP(w, r)
	})
}

// bearerAuth lets through requests with the token and answers 401 to the
// others.
func (m *mirrorCounts) bearerAuth(token string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+token)) != 1 {
			m.unauthorized.Add(1)
			w.Header().Set("WWW-Authenticate", `Bearer realm="golden contract test"`)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"unauthorized"}`))
			return
		}
		m.authorized.Add(1)
		h.ServeHTTP(w, r)
	})
}

// secretFiles are the contents of the files ToolEnv mounts: the CA bundle,
// the netrc and the npmrc ("" is a file the run does not have).
type secretFiles struct{ caCerts, netrc, npmrc string }

// contractCase is one run of a tool: the files and variables ToolEnv gives
// it, and what must come of it.
type contractCase struct {
	name string
	// noCA and noCredentials leave out the CA bundle, and the netrc and
	// npmrc, with their variables.
	noCA, noCredentials bool
	// drop are variables of ToolEnv's left out.
	drop []string
	// netrcElsewhere puts the netrc outside HOME: only NETRC finds it.
	netrcElsewhere bool
	// machine is the netrc's machine: "host" (127.0.0.1) or "host:port"
	// (127.0.0.1:PORT); "" is the one the tool matches.
	machine string
	// fail is "" for a run that must succeed, else a regular expression
	// its output must match.
	fail string
	// unauthorized is whether the mirror must have answered 401 (else a
	// failed run never got past the TLS handshake).
	unauthorized bool
}

// netrcMachine is the machine of the netrc of case c for a server at
// hostPort: c.machine, else def.
func netrcMachine(c contractCase, hostPort, def string) string {
	m := c.machine
	if m == "" {
		m = def
	}
	if m == "host" {
		h, _, _ := strings.Cut(hostPort, ":")
		return h
	}
	return hostPort
}

// netrcText is a netrc with one machine.
func netrcText(machine, login, password string) string {
	return fmt.Sprintf("machine %s\nlogin %s\npassword %s\n", machine, login, password)
}

// linuxHost skips a contract test elsewhere than on Linux, where the tool
// containers run: on macOS and Windows the go command, for one, verifies
// certificates with the system's verifier, which reads no SSL_CERT_FILE.
func linuxHost(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("the tool containers run Linux, not %s", runtime.GOOS)
	}
}

// contractDirs are a run's temporary directory and its HOME in it.
type contractDirs struct{ tmp, home string }

func newContractDirs(t *testing.T) contractDirs {
	t.Helper()
	d := contractDirs{tmp: t.TempDir()}
	d.home = filepath.Join(d.tmp, "home")
	if err := os.Mkdir(d.home, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// caseEnv is the environment of case c on this host: PATH, HOME, extra and
// the variables of ToolEnv(cfg, ...) with the files f (less those c leaves
// out). It writes the files where a container has them, a file under
// containerHome under the run's HOME (unless c.netrcElsewhere), the
// others under the run's directory, and points the variables at them; a
// variable that points at a container file the run does not have fails
// the test.
func caseEnv(t *testing.T, c contractCase, cfg *config.Config, f secretFiles, d contractDirs, extra ...string) []string {
	t.Helper()
	if c.noCA {
		f.caCerts = ""
	}
	if c.noCredentials {
		f.netrc, f.npmrc = "", ""
	}
	te := ToolEnv(cfg, ToolSecrets{CACerts: f.caCerts != "", Netrc: f.netrc != "", Npmrc: f.npmrc != ""})
	hostPaths := map[string]string{}
	for _, file := range []struct{ path, content string }{{te.CACertsPath, f.caCerts}, {te.NetrcPath, f.netrc}, {te.NpmrcPath, f.npmrc}} {
		if file.content == "" {
			continue
		}
		p := filepath.Join(d.tmp, "fs", filepath.FromSlash(file.path))
		if rel, ok := strings.CutPrefix(file.path, containerHome+"/"); ok && (!c.netrcElsewhere || file.path != te.NetrcPath) {
			p = filepath.Join(d.home, filepath.FromSlash(rel))
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(file.content), 0o600); err != nil {
			t.Fatal(err)
		}
		hostPaths[file.path] = p
	}
	env := append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + d.home}, extra...)
	for _, v := range te.Vars {
		if slices.Contains(c.drop, v.Name) {
			continue
		}
		val := v.Value
		if p, ok := hostPaths[val]; ok {
			val = p
		} else if slices.Contains([]string{te.CACertsPath, te.NetrcPath, te.NpmrcPath}, val) {
			t.Fatalf("%s=%s: the run has no such file", v.Name, val)
		}
		env = append(env, v.Name+"="+val)
	}
	return env
}

// contractRun runs bin with exactly env (nothing of this process's
// environment) in dir and returns its exit error and combined output.
func contractRun(t *testing.T, dir string, env []string, bin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), contractTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s %s: timed out after %v:\n%s", bin, strings.Join(args, " "), contractTimeout, out)
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("%s %s: %v", bin, strings.Join(args, " "), err)
	}
	return string(out), err
}

// checkRun asserts the outcome of case c: success with the artifact
// downloaded and installed (installed is whether it is where the tool
// puts it), or failure with the expected text, and either a 401 or no
// answer at all, and no artifact; and no canary in out.
func checkRun(t *testing.T, c contractCase, m *mirrorCounts, out string, err error, installed bool, canaries ...string) {
	t.Helper()
	t.Logf("exit: %v\n%s", err, out)
	testtool.AssertNoCanary(t, "the output", out, canaries...)
	if c.fail == "" {
		if err != nil {
			t.Fatalf("%v, want success:\n%s", err, out)
		}
		if m.artifacts.Load() == 0 {
			t.Errorf("success without downloading the artifact from the mirror:\n%s", out)
		}
		if !installed {
			t.Errorf("success, but the artifact is not where the tool puts it")
		}
		return
	}
	if err == nil {
		t.Fatalf("success, want a failure that matches %q:\n%s", c.fail, out)
	}
	if !regexp.MustCompile(c.fail).MatchString(out) {
		t.Errorf("the output does not match %q:\n%s", c.fail, out)
	}
	if n := m.artifacts.Load(); n != 0 {
		t.Errorf("the mirror served the artifact %d times", n)
	}
	if installed {
		t.Errorf("failure, but the artifact is where the tool puts it")
	}
	if c.unauthorized && m.unauthorized.Load() == 0 {
		t.Errorf("the mirror never answered 401:\n%s", out)
	}
	if !c.unauthorized && m.authorized.Load()+m.unauthorized.Load() != 0 {
		t.Errorf("the mirror answered %d requests, want none (a failed TLS handshake):\n%s", m.authorized.Load()+m.unauthorized.Load(), out)
	}
}

// pathExists reports whether path exists.
func pathExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// The module the Go proxy serves.
const (
	helloModule  = "example.test/hello"
	helloVersion = "v1.0.0"
	helloGoMod   = "module example.test/hello\n\ngo 1.21\n"
	helloGo      = "package hello\n\n// Hello greets.\nfunc Hello() string { return \"hello\" }\n"
)

// goModuleZip is the module zip of example.test/hello v1.0.0.
func goModuleZip(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	prefix := helloModule + "@" + helloVersion + "/"
	for _, f := range []struct{ name, content string }{{"go.mod", helloGoMod}, {"hello.go", helloGo}} {
		w, err := zw.Create(prefix + f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(f.content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// goProxy serves the GOPROXY protocol for example.test/hello v1.0.0.
func goProxy(t *testing.T, m *mirrorCounts) http.Handler {
	zipData := goModuleZip(t)
	base := "/" + helloModule + "/@v/"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case base + "list":
			_, _ = fmt.Fprintln(w, helloVersion)
		case base + helloVersion + ".info":
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"Version":%q,"Time":"2024-01-02T03:04:05Z"}`, helloVersion)
		case base + helloVersion + ".mod":
			_, _ = w.Write([]byte(helloGoMod))
		case base + helloVersion + ".zip":
			m.artifacts.Add(1)
			w.Header().Set("Content-Type", "application/zip")
			_, _ = w.Write(zipData)
		default:
			http.NotFound(w, r)
		}
	})
}

// The wheel the Python index serves.
const helloWheel = "hello-1.0.0-py3-none-any.whl"

// pythonWheel is a minimal pure-Python wheel of hello 1.0.0.
func pythonWheel(t *testing.T) []byte {
	t.Helper()
	files := []struct{ name, content string }{
		{"hello.py", "def hello():\n    return \"hello\"\n"},
		{"hello-1.0.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: hello\nVersion: 1.0.0\nSummary: golden contract test\n"},
		{"hello-1.0.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: golden-contract-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
	}
	var record strings.Builder
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		sum := sha256.Sum256([]byte(f.content))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", f.name, base64.RawURLEncoding.EncodeToString(sum[:]), len(f.content))
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(f.content)); err != nil {
			t.Fatal(err)
		}
	}
	record.WriteString("hello-1.0.0.dist-info/RECORD,,\n")
	w, err := zw.Create("hello-1.0.0.dist-info/RECORD")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(record.String())); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pythonIndex serves a PEP 503 simple index with the wheel of hello 1.0.0.
func pythonIndex(t *testing.T, m *mirrorCounts) http.Handler {
	wheel := pythonWheel(t)
	sum := sha256.Sum256(wheel)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/simple/hello/":
			w.Header().Set("Content-Type", "text/html")
			_, _ = fmt.Fprintf(w, "<!DOCTYPE html>\n<html><body>\n<a href=\"/files/%s#sha256=%x\">%s</a>\n</body></html>\n", helloWheel, sum, helloWheel)
		case "/files/" + helloWheel:
			m.artifacts.Add(1)
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write(wheel)
		default:
			http.NotFound(w, r)
		}
	})
}

// contractPython is a Python interpreter with pip: the executable itself,
// not a pyenv shim, which needs the environment the runs do not have.
func contractPython(t *testing.T) string {
	t.Helper()
	candidates := []string{}
	for _, name := range []string{"python3", "python"} {
		if p, err := exec.LookPath(name); err == nil {
			candidates = append(candidates, p)
		}
	}
	for _, py := range append(candidates, "/usr/bin/python3") {
		out, err := exec.Command(py, "-c", "import sys, pip; print(sys.executable)").Output()
		if err == nil && strings.TrimSpace(string(out)) != "" {
			return strings.TrimSpace(string(out))
		}
	}
	testtool.Missing(t, "python3 with pip")
	return ""
}

// npmTarball is the package tarball of hello 1.0.0.
func npmTarball(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range []struct{ name, content string }{
		{"package/package.json", `{"name":"hello","version":"1.0.0","main":"index.js","license":"MIT"}` + "\n"},
		{"package/index.js", "module.exports = () => \"hello\";\n"},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.content)), Typeflag: tar.TypeReg, ModTime: time.Unix(1704164645, 0)}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// npmRegistry serves the packument and the tarball of hello 1.0.0, which
// the packument names with the registry's own URL.
func npmRegistry(t *testing.T, m *mirrorCounts) http.Handler {
	tgz := npmTarball(t)
	sha1sum := sha1.Sum(tgz)
	sha512sum := sha512.Sum512(tgz)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hello":
			doc := map[string]any{
				"name":      "hello",
				"dist-tags": map[string]string{"latest": "1.0.0"},
				"versions": map[string]any{"1.0.0": map[string]any{
					"name": "hello", "version": "1.0.0", "main": "index.js", "license": "MIT",
					"dist": map[string]string{
						"tarball":   "https://" + r.Host + "/hello/-/hello-1.0.0.tgz",
						"shasum":    hex.EncodeToString(sha1sum[:]),
						"integrity": "sha512-" + base64.StdEncoding.EncodeToString(sha512sum[:]),
					},
				}},
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(doc)
		case "/hello/-/hello-1.0.0.tgz":
			m.artifacts.Add(1)
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write(tgz)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"not found"}`))
		}
	})
}

// statusWriter records the status of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// gitFront is the HTTPS front of a git smart-HTTP server (which answers
// 401 itself): it counts the answers, a fetch (git-upload-pack) as the
// artifact.
func gitFront(t *testing.T, backend string, m *mirrorCounts) http.Handler {
	t.Helper()
	target, err := neturl.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		proxy.ServeHTTP(sw, r)
		switch {
		case sw.status == http.StatusUnauthorized:
			m.unauthorized.Add(1)
		case strings.HasSuffix(r.URL.Path, "/git-upload-pack") && sw.status == http.StatusOK:
			m.authorized.Add(1)
			m.artifacts.Add(1)
		default:
			m.authorized.Add(1)
		}
	})
}

// TestToolEnvContractGo: go mod download of a module from a GOPROXY behind
// a private CA that wants basic auth, with ToolEnv's variables: the go
// command trusts the CA through SSL_CERT_FILE and reads the credentials
// from NETRC (a netrc machine is host:port for it).
func TestToolEnvContractGo(t *testing.T) {
	t.Parallel()
	linuxHost(t)
	goBin := testtool.LookPath(t, "go")
	const badCert = "x509: certificate signed by unknown authority"
	for _, c := range []contractCase{
		{name: "all"},
		{name: "NETRC alone", netrcElsewhere: true},
		{name: "no CA", noCA: true, fail: badCert},
		{name: "without SSL_CERT_FILE", drop: []string{"SSL_CERT_FILE"}, fail: badCert},
		{name: "no netrc", noCredentials: true, fail: "401 Unauthorized", unauthorized: true},
		// What libcurl and Python's requests match.
		{name: "netrc machine without the port", machine: "host", fail: "401 Unauthorized", unauthorized: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			user, password := "golden", newCanary(t, "password")
			m := &mirrorCounts{}
			ca := newTestCA(t)
			srv := ca.serve(t, m.basicAuth(user, password, goProxy(t, m)))
			hostPort := strings.TrimPrefix(srv.URL, "https://")
			cfg := config.Default(config.Go)
			cfg.Env = map[string]string{
				"GOPROXY":   srv.URL,
				"GONOSUMDB": helloModule,
				// The module cache is a temporary directory the test
				// removes.
				"GOFLAGS": "-modcacherw",
			}
			d := newContractDirs(t)
			modCache := filepath.Join(d.tmp, "gomodcache")
			env := caseEnv(t, c, cfg, secretFiles{caCerts: string(ca.pem), netrc: netrcText(netrcMachine(c, hostPort, "host:port"), user, password)}, d,
				// What withGoCaches sets.
				"GOMODCACHE="+modCache, "GOCACHE="+filepath.Join(d.tmp, "gocache"),
				"GOTOOLCHAIN=local")
			// Telemetry off: its child process would outlive the go
			// command and write into the temporary directory.
			writeFile(t, filepath.Join(d.home, ".config", "go", "telemetry", "mode"), "off\n")
			out, err := contractRun(t, d.tmp, env, goBin, "mod", "download", "-x", helloModule+"@"+helloVersion)
			checkRun(t, c, m, out, err, pathExists(filepath.Join(modCache, helloModule+"@"+helloVersion, "hello.go")), password)
		})
	}
}

// TestToolEnvContractPip: the pipeline's pip install of a wheel from a
// simple index behind a private CA that wants basic auth, with ToolEnv's
// variables: pip trusts the CA through PIP_CERT or REQUESTS_CA_BUNDLE
// (either is enough) and reads the credentials from NETRC (a netrc
// machine is the host without the port for it).
func TestToolEnvContractPip(t *testing.T) {
	t.Parallel()
	linuxHost(t)
	python := contractPython(t)
	const badCert, notFound = "CERTIFICATE_VERIFY_FAILED", `No matching distribution found for hello==1\.0\.0`
	for _, c := range []contractCase{
		{name: "all"},
		{name: "NETRC alone", netrcElsewhere: true},
		{name: "no CA", noCA: true, fail: badCert},
		{name: "PIP_CERT alone", drop: []string{"REQUESTS_CA_BUNDLE"}},
		{name: "REQUESTS_CA_BUNDLE alone", drop: []string{"PIP_CERT"}},
		{name: "without PIP_CERT and REQUESTS_CA_BUNDLE", drop: []string{"PIP_CERT", "REQUESTS_CA_BUNDLE"}, fail: badCert},
		// pip names the 401 only with -v.
		{name: "no netrc", noCredentials: true, fail: notFound, unauthorized: true},
		// What the go command matches.
		{name: "netrc machine with the port", machine: "host:port", fail: notFound, unauthorized: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			user, password := "golden", newCanary(t, "password")
			m := &mirrorCounts{}
			ca := newTestCA(t)
			srv := ca.serve(t, m.basicAuth(user, password, pythonIndex(t, m)))
			hostPort := strings.TrimPrefix(srv.URL, "https://")
			cfg := config.Default(config.Python)
			cfg.Env = map[string]string{"PIP_INDEX_URL": srv.URL + "/simple"}
			d := newContractDirs(t)
			target := filepath.Join(d.tmp, "target")
			env := caseEnv(t, c, cfg, secretFiles{caCerts: string(ca.pem), netrc: netrcText(netrcMachine(c, hostPort, "host"), user, password)}, d,
				// What withPipCache sets.
				"PIP_CACHE_DIR="+filepath.Join(d.tmp, "pipcache"), "PIP_BREAK_SYSTEM_PACKAGES=1", "PIP_DISABLE_PIP_VERSION_CHECK=1",
				// No configuration file of this host's (Debian's
				// /etc/pip.conf names a cert of its own).
				"PIP_CONFIG_FILE="+os.DevNull)
			// The pipeline's command line (with --no-input, without which
			// pip prompts for a user on a 401), into a directory of the
			// test's, with no retry.
			args := append(toolcmd.PipInstallPackages("hello==1.0.0")[1:], "--target", target, "--retries", "0", "--timeout", "20")
			out, err := contractRun(t, d.tmp, env, python, args...)
			checkRun(t, c, m, out, err, pathExists(filepath.Join(target, "hello.py")), password)
		})
	}
}

// TestToolEnvContractNpm: npm install of a package from a registry behind
// a private CA that wants a token, with ToolEnv's variables: npm trusts
// the CA through NODE_EXTRA_CA_CERTS and reads the token from the npmrc
// NPM_CONFIG_USERCONFIG names. Neither the output nor npm's debug logs
// quote the token.
func TestToolEnvContractNpm(t *testing.T) {
	t.Parallel()
	linuxHost(t)
	npm := testtool.LookPath(t, "npm")
	const badCert = "UNABLE_TO_VERIFY_LEAF_SIGNATURE"
	for _, c := range []contractCase{
		{name: "all"},
		{name: "no CA", noCA: true, fail: badCert},
		{name: "without NODE_EXTRA_CA_CERTS", drop: []string{"NODE_EXTRA_CA_CERTS"}, fail: badCert},
		{name: "no npmrc", noCredentials: true, fail: "E401", unauthorized: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			token := newCanary(t, "token")
			m := &mirrorCounts{}
			ca := newTestCA(t)
			srv := ca.serve(t, m.bearerAuth(token, npmRegistry(t, m)))
			hostPort := strings.TrimPrefix(srv.URL, "https://")
			cfg := config.Default(config.Node)
			cfg.Env = map[string]string{"npm_config_registry": srv.URL + "/"}
			d := newContractDirs(t)
			project, cache := filepath.Join(d.tmp, "project"), filepath.Join(d.tmp, "npmcache")
			writeFile(t, filepath.Join(project, "package.json"), `{"name":"contract","version":"0.0.0","private":true}`+"\n")
			env := caseEnv(t, c, cfg, secretFiles{caCerts: string(ca.pem), npmrc: fmt.Sprintf("//%s/:_authToken=%s\n", hostPort, token)}, d,
				// What withNpmCache sets.
				"npm_config_cache="+cache, "npm_config_update_notifier=false", "npm_config_fund=false", "npm_config_audit=false",
				// No global npmrc of this host's: its cafile would
				// replace the CAs NODE_EXTRA_CA_CERTS adds to.
				"NPM_CONFIG_GLOBALCONFIG="+filepath.Join(d.tmp, "no-global-npmrc"))
			out, err := contractRun(t, project, env, npm, "install", "--fetch-retries=0", "--fetch-timeout=20000", "hello@1.0.0")
			checkRun(t, c, m, out, err, pathExists(filepath.Join(project, "node_modules", "hello", "index.js")), token)
			logs, err := filepath.Glob(filepath.Join(cache, "_logs", "*"))
			if err != nil {
				t.Fatal(err)
			}
			if len(logs) == 0 {
				t.Errorf("npm wrote no debug log to check")
			}
			for _, l := range logs {
				b, err := os.ReadFile(l)
				if err != nil {
					t.Fatal(err)
				}
				testtool.AssertNoCanary(t, "npm's log "+filepath.Base(l), string(b), token)
			}
		})
	}
}

// TestToolEnvContractGit: git clone of a repository behind a private CA
// that wants basic auth (what the go command runs for a module it fetches
// directly, as it does a GOPRIVATE one), with ToolEnv's variables: git
// trusts the CA through GIT_SSL_CAINFO, and finds the netrc only at
// $HOME/.netrc, where ToolEnv mounts it: git (libcurl) reads no NETRC.
func TestToolEnvContractGit(t *testing.T) {
	t.Parallel()
	linuxHost(t)
	gitBin := testtool.Path(t, "git")
	// libcurl with GnuTLS (Debian's git) or OpenSSL.
	const badCert, noUser = "server certificate verification failed|SSL certificate problem", "could not read Username"
	for _, c := range []contractCase{
		{name: "all"},
		{name: "NETRC alone", netrcElsewhere: true, fail: noUser, unauthorized: true},
		{name: "no CA", noCA: true, fail: badCert},
		{name: "without GIT_SSL_CAINFO", drop: []string{"GIT_SSL_CAINFO"}, fail: badCert},
		{name: "no netrc", noCredentials: true, fail: noUser, unauthorized: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			user, password := "golden", newCanary(t, "password")
			gs := gitserver.New(t, gitserver.Options{Username: user, Password: password})
			gs.CreateRepo(t, "hello.git", map[string]string{"hello.txt": "hello\n"})
			m := &mirrorCounts{}
			ca := newTestCA(t)
			srv := ca.serve(t, gitFront(t, gs.BaseURL(), m))
			hostPort := strings.TrimPrefix(srv.URL, "https://")
			d := newContractDirs(t)
			clone := filepath.Join(d.tmp, "hello")
			env := caseEnv(t, c, config.Default(config.Go), secretFiles{caCerts: string(ca.pem), netrc: netrcText(netrcMachine(c, hostPort, "host"), user, password)}, d,
				// What the go command sets when it runs git.
				"GIT_TERMINAL_PROMPT=0",
				// No configuration of this host's.
				"GIT_CONFIG_NOSYSTEM=1")
			out, err := contractRun(t, d.tmp, env, gitBin, "clone", srv.URL+"/hello.git", clone)
			checkRun(t, c, m, out, err, pathExists(filepath.Join(clone, "hello.txt")), password)
		})
	}
}
