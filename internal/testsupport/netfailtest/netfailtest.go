// Package netfailtest runs the real tools golden's pipeline runs (go test,
// golangci-lint, pip, npm, npx) into network failures, for golden's tests:
// the command lines are package toolcmd's, run on tiny projects that need
// one dependency, with the proxy, index or registry pointed at an endpoint
// that cannot answer.
//
// Only two kinds of address are ever contacted: 127.0.0.1 (port 1, where
// nothing listens, or a server of the test's own that answers every request
// with one HTTP status) and names under .invalid, which never resolve (RFC
// 2606). Proxy variables are cleared, so no request can leave through a
// proxy, and each run has its own empty caches, so that the tool really
// tries to fetch. The timeouts (pip's 2 s, npm's 2000 ms) only bound a run
// that hangs: a refused connection or a name that does not resolve fails at
// once, whatever the machine's speed.
package netfailtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/toolcmd"
)

// Closed is an address where nothing listens: connecting is refused.
const Closed = "127.0.0.1:1"

// Tool is what a scenario runs.
type Tool string

// The tools of the scenarios.
const (
	// GoTest is toolcmd.GoTest, as the test stage runs it.
	GoTest Tool = "go test"
	// GolangciLint is toolcmd.GolangciLint, as the lint stage runs it.
	GolangciLint Tool = "golangci-lint"
	// ESLint is toolcmd.ESLint through npx, as the lint stage runs it for
	// a Node project without a lint script.
	ESLint Tool = "npx eslint"
	// Pip is a toolcmd.PipInstall or PipInstallPackages step, as the test
	// and lint stages run it before the tool (a step that must succeed).
	Pip Tool = "pip"
	// Npm is toolcmd.NpmCI, as the test and lint stages run it before the
	// tool (a step that must succeed).
	Npm Tool = "npm"
)

// Scenario is one real run of a tool, and what golden must make of it.
type Scenario struct {
	// Name names the scenario and its golden files.
	Name string
	Tool Tool
	// Exit is the exit code golden must give the run: 3 when the tool
	// could not reach the network; for the other scenarios, the code of
	// what the run really says (1 a failed test or finding, 2 a dependency
	// that does not exist).
	Exit int
	// Raw says whether netfail.Find reports a failure in the run's raw
	// output (standard error, then standard output). It does for every
	// network failure, and also for the runs that merely quote a network
	// error (a compile error, a test's output): only callers that know
	// which part of the output is the tool's own can tell those apart.
	Raw bool
	// Host is how the failure's Host starts, when Raw; empty when the run
	// does not name it.
	Host string
	// Cause is the failure's Cause when it does not depend on the
	// machine's resolver; empty otherwise.
	Cause string

	files    map[string]string
	endpoint func(t *testing.T) string
	argv     func(r *Run) []string
	gosum    bool // go: verify against an unreachable checksum database
}

// Run is a scenario prepared in a temporary directory.
type Run struct {
	Scenario
	// Dir is the project; the command runs there.
	Dir string
	// Env is added to the environment of the process.
	Env []string
	// Bin is the program (argv[0] found on this host).
	Bin  string
	Argv []string
	// Stdout is the file the standard output goes to: the go test -json
	// events, else a log.
	Stdout string
	// Report is the linter's JSON report (GolangciLint, ESLint), and
	// Profile go test's coverage profile.
	Report, Profile string
	// Endpoint is the URL the tool was pointed at.
	Endpoint string
}

// Outputs are the files a run may write, to read back afterwards.
func (r *Run) Outputs() []string {
	var out []string
	for _, p := range []string{r.Stdout, r.Report, r.Profile} {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Output is what a run printed and exited with.
type Output struct {
	Code           int
	Stdout, Stderr string
	// Report is the linter's report, when it wrote one.
	Report string
}

// refused, nxdomain and status are the endpoints of the scenarios.
func refused(*testing.T) string { return "http://" + Closed }

func nxdomain(service string) func(*testing.T) string {
	return func(*testing.T) string { return "https://" + service + ".invalid" }
}

func status(code int) func(*testing.T) string {
	return func(t *testing.T) string { return Server(t, code) }
}

// Server starts an HTTP server on 127.0.0.1 that answers every request
// with code and an empty body, and returns its URL. It stops when the test
// ends.
func Server(t *testing.T, code int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on 127.0.0.1: %v", err)
	}
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = srv.Serve(ln) }() // returns when Close is called
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// The Go projects. example.invalid/dep can never be downloaded: .invalid
// does not resolve, and no proxy golden's tests use has it.
var (
	depModule = map[string]string{
		"go.mod":          "module example.com/app\n\ngo 1.22\n\nrequire example.invalid/dep v1.0.0\n",
		"app.go":          "package app\n\nimport \"example.invalid/dep\"\n\n// Hello greets.\nfunc Hello() string { return dep.Hello() }\n",
		"app_test.go":     "package app\n\nimport \"testing\"\n\nfunc TestHello(t *testing.T) {\n\tif Hello() == \"\" {\n\t\tt.Fatal(\"no greeting\")\n\t}\n}\n",
		"sub/sub.go":      "package sub\n\nimport \"example.invalid/dep\"\n\n// Twice greets twice.\nfunc Twice() string { return dep.Hello() + dep.Hello() }\n",
		"sub/sub_test.go": "package sub\n\nimport \"testing\"\n\nfunc TestTwice(t *testing.T) {\n\tif Twice() == \"\" {\n\t\tt.Fatal(\"no greeting\")\n\t}\n}\n",
		// A package that needs the dependency only in its tests.
		"tonly/tonly.go":      "package tonly\n\n// One is one.\nfunc One() int { return 1 }\n",
		"tonly/tonly_test.go": "package tonly\n\nimport (\n\t\"testing\"\n\n\t\"example.invalid/dep\"\n)\n\nfunc TestOne(t *testing.T) {\n\tif One() != 1 || dep.Hello() == \"\" {\n\t\tt.Fatal(\"no\")\n\t}\n}\n",
		// A package that does not need it, whose test passes.
		"clean/clean.go":      "package clean\n\n// Two is two.\nfunc Two() int { return 2 }\n",
		"clean/clean_test.go": "package clean\n\nimport \"testing\"\n\nfunc TestTwo(t *testing.T) {\n\tif Two() != 2 {\n\t\tt.Fatal(\"two is not 2\")\n\t}\n}\n",
	}
	// missingModule imports the dependency without requiring it: with
	// -mod=mod the go command looks for the module that provides it.
	missingModule = with(depModule, map[string]string{"go.mod": "module example.com/app\n\ngo 1.22\n"})
	// graphModule is a go 1.16 module: its module graph is not pruned, so
	// the go command needs the dependency's go.mod before it can list any
	// package, and reports no test events at all.
	graphModule = with(depModule, map[string]string{"go.mod": "module example.com/app\n\ngo 1.16\n\nrequire example.invalid/dep v1.0.0\n"})
	// sumModule requires a real module, without a go.sum: the go command
	// verifies it against the checksum database.
	sumModule = map[string]string{
		"go.mod":      "module example.com/app\n\ngo 1.22\n\nrequire github.com/google/go-cmp v0.7.0\n",
		"app.go":      "package app\n\nimport \"github.com/google/go-cmp/cmp\"\n\n// Same compares.\nfunc Same(a, b int) bool { return cmp.Equal(a, b) }\n",
		"app_test.go": "package app\n\nimport \"testing\"\n\nfunc TestSame(t *testing.T) {\n\tif !Same(1, 1) {\n\t\tt.Fatal(\"1 != 1\")\n\t}\n}\n",
	}
	// quotedModule does not compile, and its compile error quotes a
	// network error: a string constant of the user's.
	quotedModule = map[string]string{
		"go.mod":         "module example.com/quoted\n\ngo 1.22\n",
		"quoted.go":      "package quoted\n\n// Code is the code.\nfunc Code() int {\n\treturn \"" + QuotedError + "\"\n}\n",
		"quoted_test.go": "package quoted\n\nimport \"testing\"\n\nfunc TestCode(t *testing.T) { _ = Code() }\n",
	}
	// testOutputModule has a test that fails printing a network error of
	// its own.
	testOutputModule = map[string]string{
		"go.mod":         "module example.com/dialer\n\ngo 1.22\n",
		"dialer.go":      "package dialer\n\n// Addr is where it dials.\nconst Addr = \"" + Closed + "\"\n",
		"dialer_test.go": "package dialer\n\nimport (\n\t\"net\"\n\t\"testing\"\n)\n\nfunc TestDial(t *testing.T) {\n\tc, err := net.Dial(\"tcp\", Addr)\n\tif err != nil {\n\t\tt.Fatal(err)\n\t}\n\t_ = c.Close()\n}\n",
	}
)

// QuotedError is the network error quotedModule's compile error quotes.
const QuotedError = "dial tcp 127.0.0.1:1: connect: connection refused"

// The Python and Node projects. golden-netfail-probe does not exist on any
// index or registry; nothing installs it, whatever the host has.
const probe = "golden-netfail-probe"

var (
	requirementsProject = map[string]string{"requirements.txt": probe + "==1.0.0\n"}
	pyproject           = map[string]string{
		"pyproject.toml":          "[project]\nname = \"netfail-app\"\nversion = \"0.1.0\"\ndependencies = [\"" + probe + "==1.0.0\"]\n",
		"netfail_app/__init__.py": "",
	}
	nodeProject = map[string]string{
		"package.json": `{"name": "netfail-app", "version": "1.0.0", "private": true, "dependencies": {"` + probe + `": "1.0.0"}}` + "\n",
		"package-lock.json": `{
  "name": "netfail-app",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {"name": "netfail-app", "version": "1.0.0", "dependencies": {"` + probe + `": "1.0.0"}},
    "node_modules/` + probe + `": {"version": "1.0.0"}
  }
}
`,
		"index.js": "\"use strict\";\n\nmodule.exports = 1;\n",
	}
)

func with(base, over map[string]string) map[string]string {
	m := make(map[string]string, len(base))
	for k, v := range base {
		m[k] = v
	}
	for k, v := range over {
		m[k] = v
	}
	return m
}

func goTestArgv(r *Run) []string {
	return toolcmd.GoTest(toolcmd.GoTestOptions{CoverProfile: r.Profile})
}

func golangciArgv(r *Run) []string {
	return toolcmd.GolangciLint(toolcmd.GolangciLintOptions{JSONOut: r.Report, Timeout: "5m"})
}

func eslintArgv(r *Run) []string {
	return toolcmd.ESLint(toolcmd.ESLintOptions{JSONOut: r.Report})
}

// pip's argv[0], "python", is found on this host as python3 or python.
func pipArgv(requirements string) func(*Run) []string {
	return func(*Run) []string { return toolcmd.PipInstall(requirements) }
}

func pipPackagesArgv(*Run) []string { return toolcmd.PipInstallPackages(probe + "==1.0.0") }

func npmCIArgv(*Run) []string { return toolcmd.NpmCI() }

// Scenarios are the runs golden's network failure tests make, network
// failures and look-alikes.
func Scenarios() []Scenario {
	return []Scenario{
		{Name: "go-test-refused", Tool: GoTest, Exit: 3, Raw: true, Host: Closed, Cause: "connection refused",
			files: depModule, endpoint: refused, argv: goTestArgv},
		{Name: "go-test-nxdomain", Tool: GoTest, Exit: 3, Raw: true, Host: "proxy.invalid",
			files: depModule, endpoint: nxdomain("proxy"), argv: goTestArgv},
		{Name: "go-test-list-refused", Tool: GoTest, Exit: 3, Raw: true, Host: Closed, Cause: "connection refused",
			files: missingModule, endpoint: refused, argv: goTestArgv},
		{Name: "go-test-graph-refused", Tool: GoTest, Exit: 3, Raw: true, Host: Closed, Cause: "connection refused",
			files: graphModule, endpoint: refused, argv: goTestArgv},
		{Name: "go-test-sumdb-refused", Tool: GoTest, Exit: 3, Raw: true, Host: Closed, Cause: "connection refused",
			files: sumModule, endpoint: refused, argv: goTestArgv, gosum: true},
		{Name: "go-test-proxy-503", Tool: GoTest, Exit: 3, Raw: true, Host: "127.0.0.1:", Cause: "server error 503 Service Unavailable",
			files: depModule, endpoint: status(http.StatusServiceUnavailable), argv: goTestArgv},
		// The proxy answered that the module does not exist: the packages
		// that need it fail to build, as they would on any machine.
		{Name: "go-test-proxy-404", Tool: GoTest, Exit: 1,
			files: depModule, endpoint: status(http.StatusNotFound), argv: goTestArgv},
		{Name: "go-test-quoted-compile-error", Tool: GoTest, Exit: 1, Raw: true, Host: Closed,
			files: quotedModule, endpoint: refused, argv: goTestArgv},
		{Name: "go-test-test-output", Tool: GoTest, Exit: 1, Raw: true, Host: Closed,
			files: testOutputModule, endpoint: refused, argv: goTestArgv},

		{Name: "golangci-lint-refused", Tool: GolangciLint, Exit: 3, Raw: true, Host: Closed, Cause: "connection refused",
			files: depModule, endpoint: refused, argv: golangciArgv},
		{Name: "golangci-lint-nxdomain", Tool: GolangciLint, Exit: 3, Raw: true, Host: "proxy.invalid",
			files: depModule, endpoint: nxdomain("proxy"), argv: golangciArgv},
		{Name: "golangci-lint-graph-refused", Tool: GolangciLint, Exit: 3, Raw: true, Host: Closed, Cause: "connection refused",
			files: graphModule, endpoint: refused, argv: golangciArgv},
		{Name: "golangci-lint-quoted-compile-error", Tool: GolangciLint, Exit: 1, Raw: true, Host: Closed,
			files: quotedModule, endpoint: refused, argv: golangciArgv},

		{Name: "npx-eslint-refused", Tool: ESLint, Exit: 3, Raw: true, Host: Closed, Cause: "connection refused",
			files: nodeProject, endpoint: refused, argv: eslintArgv},

		{Name: "pip-install-refused", Tool: Pip, Exit: 3, Raw: true, Host: Closed, Cause: "connection refused",
			files: requirementsProject, endpoint: refused, argv: pipArgv("requirements.txt")},
		{Name: "pip-install-nxdomain", Tool: Pip, Exit: 3, Raw: true, Host: "pypi.invalid",
			files: requirementsProject, endpoint: nxdomain("pypi"), argv: pipArgv("requirements.txt")},
		{Name: "pip-install-editable-refused", Tool: Pip, Exit: 3, Raw: true, Host: Closed, Cause: "connection refused",
			files: pyproject, endpoint: refused, argv: pipArgv("")},
		{Name: "pip-install-packages-nxdomain", Tool: Pip, Exit: 3, Raw: true, Host: "pypi.invalid",
			files: requirementsProject, endpoint: nxdomain("pypi"), argv: pipPackagesArgv},
		// The index answered that the package does not exist.
		{Name: "pip-install-404", Tool: Pip, Exit: 2,
			files: requirementsProject, endpoint: status(http.StatusNotFound), argv: pipArgv("requirements.txt")},

		{Name: "npm-ci-refused", Tool: Npm, Exit: 3, Raw: true, Host: Closed, Cause: "connection refused",
			files: nodeProject, endpoint: refused, argv: npmCIArgv},
		{Name: "npm-ci-nxdomain", Tool: Npm, Exit: 3, Raw: true, Host: "registry.invalid",
			files: nodeProject, endpoint: nxdomain("registry"), argv: npmCIArgv},
		{Name: "npm-ci-503", Tool: Npm, Exit: 3, Raw: true, Host: "127.0.0.1:", Cause: "server error 503 Service Unavailable",
			files: nodeProject, endpoint: status(http.StatusServiceUnavailable), argv: npmCIArgv},
		// The registry answered that the package does not exist.
		{Name: "npm-ci-404", Tool: Npm, Exit: 2,
			files: nodeProject, endpoint: status(http.StatusNotFound), argv: npmCIArgv},
	}
}

// noProxy clears the proxy settings every tool honours, so that no request
// goes anywhere but where the scenario points it.
var noProxy = []string{
	"http_proxy=", "https_proxy=", "all_proxy=", "HTTP_PROXY=", "HTTPS_PROXY=", "ALL_PROXY=",
	"no_proxy=*", "NO_PROXY=*", "npm_config_proxy=", "npm_config_https_proxy=", "PIP_PROXY=",
}

// Prepare writes the scenario's project into a temporary directory and
// returns how to run it. It skips the test (fails it under CI) when the
// tool is not installed.
func (s Scenario) Prepare(t *testing.T) *Run {
	t.Helper()
	r := &Run{Scenario: s, Dir: filepath.Join(t.TempDir(), "project")}
	testtool.WriteFiles(t, r.Dir, s.files)
	out := t.TempDir()
	r.Stdout = filepath.Join(out, "stdout")
	r.Endpoint = s.endpoint(t)
	env := append([]string{}, noProxy...)
	switch s.Tool {
	case GoTest, GolangciLint:
		env = append(env, goEnv(t, r.Endpoint, s.gosum)...)
		if s.Tool == GoTest {
			r.Bin = testtool.LookPath(t, "go")
			r.Stdout = filepath.Join(out, "go-test.json")
			r.Profile = filepath.Join(out, "cover.out")
		} else {
			r.Bin = testtool.Path(t, "golangci-lint")
			r.Report = filepath.Join(out, "golangci-lint.json")
			// Its lock file and caches are the run's own.
			env = append(env, "GOLANGCI_LINT_CACHE="+t.TempDir(), "TMPDIR="+t.TempDir())
		}
	case Pip:
		r.Bin = pythonBin(t)
		env = append(env,
			"PIP_CONFIG_FILE="+os.DevNull,
			"PIP_INDEX_URL="+r.Endpoint+"/simple",
			"PIP_EXTRA_INDEX_URL=", "PIP_FIND_LINKS=",
			// With no retry, pip says nothing about the connection at
			// its default verbosity; one retry is the least that shows
			// what the pipeline's pip (5 retries) prints.
			"PIP_RETRIES=1", "PIP_TIMEOUT=2", "PIP_DEFAULT_TIMEOUT=2",
			"PIP_CACHE_DIR="+t.TempDir(), "PIP_BREAK_SYSTEM_PACKAGES=1",
			"PIP_DISABLE_PIP_VERSION_CHECK=1", "PYTHONDONTWRITEBYTECODE=1")
	case Npm, ESLint:
		if s.Tool == Npm {
			r.Bin = testtool.LookPath(t, "npm")
		} else {
			r.Bin = testtool.LookPath(t, "npx")
			r.Report = filepath.Join(out, "eslint.json")
		}
		env = append(env,
			"npm_config_userconfig="+os.DevNull,
			"npm_config_registry="+r.Endpoint+"/",
			"npm_config_fetch_retries=0", "npm_config_fetch_timeout=2000",
			"npm_config_cache="+t.TempDir(), "npm_config_prefer_offline=false", "npm_config_offline=false",
			"npm_config_update_notifier=false", "npm_config_fund=false", "npm_config_audit=false")
	default:
		t.Fatalf("scenario %s: unknown tool %q", s.Name, s.Tool)
	}
	r.Env = env
	r.Argv = s.argv(r)
	return r
}

// goEnv points the go command at proxy, with an empty module cache and
// GOPATH of the run's own, no fallback to direct downloads, and either no
// checksum database or (gosum) an unreachable one behind a proxy that has
// the module: the module cache of this host, read as a file:// proxy.
func goEnv(t *testing.T, proxy string, gosum bool) []string {
	t.Helper()
	gopath := t.TempDir()
	env := []string{
		"GOTOOLCHAIN=local", "GOWORK=off", "GOFLAGS=-mod=mod -modcacherw",
		"GOPATH=" + gopath, "GOMODCACHE=" + filepath.Join(gopath, "pkg", "mod"),
		"GOPRIVATE=", "GONOPROXY=", "GONOSUMDB=", "GONOSUMCHECK=", "GOINSECURE=",
	}
	if !gosum {
		return append(env, "GOPROXY="+proxy, "GOSUMDB=off")
	}
	cache := hostModCache(t)
	if _, err := os.Stat(filepath.Join(cache, "github.com", "google", "go-cmp", "@v", "v0.7.0.zip")); err != nil {
		testtool.Missing(t, "github.com/google/go-cmp v0.7.0 in the module cache (go mod download)")
	}
	return append(env, "GOPROXY=file://"+filepath.ToSlash(cache), "GOSUMDB=sum.golang.org "+proxy)
}

// hostModCache is the download cache of this host's module cache.
func hostModCache(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(testtool.LookPath(t, "go"), "env", "GOMODCACHE")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go env GOMODCACHE: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "cache", "download")
}

// pythonBin is a Python with pip.
func pythonBin(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"python3", "python"} {
		if p, err := exec.LookPath(name); err == nil && exec.Command(p, "-m", "pip", "--version").Run() == nil {
			return p
		}
	}
	testtool.Missing(t, "python3 with pip")
	return ""
}

// Exec runs the scenario and returns what it printed; any exit code is an
// outcome. The standard output also goes to r.Stdout.
func (r *Run) Exec(t *testing.T) Output {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.Bin, r.Argv[1:]...)
	cmd.Dir = r.Dir
	cmd.Env = append(os.Environ(), r.Env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	o := Output{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		o.Code = exit.ExitCode()
	default:
		t.Fatalf("running %s: %v", strings.Join(r.Argv, " "), err)
	}
	if err := os.WriteFile(r.Stdout, stdout.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if r.Report != "" {
		if data, err := os.ReadFile(r.Report); err == nil {
			o.Report = string(data)
		}
	}
	return o
}

// Command describes the run for a golden file: the settings that point the
// tool at its endpoint, then the argv, with the temporary directories
// written as $TMP.
func (r *Run) Command() string {
	var b strings.Builder
	for _, kv := range r.Env {
		k, v, _ := strings.Cut(kv, "=")
		if v == "" || strings.HasSuffix(k, "_proxy") || strings.HasSuffix(k, "_PROXY") {
			continue
		}
		fmt.Fprintf(&b, "%s=%s\n", k, v)
	}
	b.WriteString(strings.Join(r.Argv, " ") + "\n")
	return tempPath.Replace(b.String())
}

var tempPath = strings.NewReplacer(os.TempDir()+string(filepath.Separator), "$TMP/")
