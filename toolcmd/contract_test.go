package toolcmd

// The contract tests: each runs the exact command line a function of this
// package builds, on the host, against the real tool, on golden's example
// services (examples/*-service, copied to a temporary directory wherever
// the tool writes into the tree), and parses the tool's real output with
// golden's own parsers. The only liberty taken is locating argv[0]: the
// tools live in .tools/bin (testtool.Path), on PATH, or, for pytest,
// in the Python that has it.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goldenci/golden/attest"
	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/coverage"
	"github.com/goldenci/golden/gotest"
	"github.com/goldenci/golden/internal/testsupport/sariftest"
	"github.com/goldenci/golden/internal/testsupport/scantest"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/junit"
	"github.com/goldenci/golden/lint"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/scan"
)

// example returns the absolute path of an example service.
func example(name string) string {
	return filepath.Join(testtool.Root(), "examples", name)
}

// copyExample copies an example service into a fresh temporary directory
// and returns the copy.
func copyExample(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dir, os.DirFS(example(name))); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// run is one execution of an argv built by this package.
type run struct {
	argv           []string
	stdout, stderr []byte
	code           int
}

func (r run) String() string {
	return strings.Join(r.argv, " ") + "\n--- stdout\n" + string(r.stdout) + "\n--- stderr\n" + string(r.stderr)
}

// execArgv runs argv in dir with the extra environment env. bin is the
// path of argv[0] (found by the caller). Only exit codes in ok are
// accepted.
func execArgv(t *testing.T, dir string, env []string, bin string, argv []string, ok ...int) run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := run{argv: argv, stdout: stdout.Bytes(), stderr: stderr.Bytes()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		t.Fatalf("%s: %v", strings.Join(argv, " "), err)
	}
	if len(ok) == 0 {
		ok = []int{0}
	}
	if !slices.Contains(ok, r.code) {
		t.Fatalf("exit code %d, want one of %v: %s", r.code, ok, r)
	}
	return r
}

// goEnv keeps the go command to the example module, this toolchain and
// the module cache.
var goEnv = []string{"GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod", "CGO_ENABLED=1"}

// TestGoTestContract runs GoTest (with -race and coverage) on the Go
// example, and on a copy with a failing test, and reads the real
// test2json stream and coverprofile with gotest and coverage.
func TestGoTestContract(t *testing.T) {
	t.Parallel()
	goBin := testtool.LookPath(t, "go")
	if _, err := exec.LookPath("gcc"); err != nil {
		testtool.Missing(t, "gcc (go test -race needs cgo)")
	}

	t.Run("passing", func(t *testing.T) {
		t.Parallel()
		dir := example("go-service")
		profile := filepath.Join(t.TempDir(), "cover.out")
		argv := GoTest(GoTestOptions{Race: true, CoverProfile: profile})
		r := execArgv(t, dir, goEnv, goBin, argv)

		rep, err := gotest.Parse(bytes.NewReader(r.stdout), "go-test.json")
		if err != nil {
			t.Fatalf("gotest.Parse: %v\n%s", err, r)
		}
		if !rep.Summary.OK() || rep.Summary.Passed < 10 || rep.Summary.Packages != 1 {
			t.Errorf("summary %s, want at least 10 passed tests in 1 package", rep.Summary)
		}
		for _, c := range rep.Cases {
			if c.Suite != "example.com/go-service" {
				t.Errorf("case %s in suite %q", c.Name, c.Suite)
			}
		}
		if !slices.ContainsFunc(rep.Cases, func(c result.TestCase) bool { return c.Name == "TestGreeting/too_long" }) {
			t.Errorf("no subtest TestGreeting/too_long in %v", rep.Cases)
		}

		s := analyze(t, profile, coverage.FormatGo, dir)
		meetsOwnGate(t, dir, s)
		if len(s.Warnings) > 0 {
			t.Errorf("coverage warnings: %v", s.Warnings)
		}
		p, err := coverage.ParseFile(profile, coverage.FormatAuto)
		if err != nil {
			t.Fatal(err)
		}
		if p.Mode != "atomic" {
			t.Errorf("cover mode %q, want atomic", p.Mode)
		}
	})

	t.Run("failing", func(t *testing.T) {
		t.Parallel()
		dir := copyExample(t, "go-service")
		writeFile(t, filepath.Join(dir, "broken_test.go"), `package main

import "testing"

func TestBroken(t *testing.T) { t.Fatal("deliberately broken") }

func TestLater(t *testing.T) { t.Skip("not yet") }
`)
		profile := filepath.Join(t.TempDir(), "cover.out")
		r := execArgv(t, dir, goEnv, goBin, GoTest(GoTestOptions{CoverProfile: profile}), 1)
		rep, err := gotest.Parse(bytes.NewReader(r.stdout), "go-test.json")
		if err != nil {
			t.Fatalf("gotest.Parse: %v\n%s", err, r)
		}
		if rep.Summary.OK() || rep.Summary.Failed != 1 || rep.Summary.Skipped != 1 {
			t.Errorf("summary %s, want 1 failed and 1 skipped", rep.Summary)
		}
		failed := rep.Failed()
		if len(failed) != 1 || failed[0].Name != "TestBroken" || !strings.Contains(failed[0].Output, "deliberately broken") {
			t.Errorf("failed cases %+v", failed)
		}
		// The profile is written even when tests fail.
		if s := analyze(t, profile, coverage.FormatGo, dir); s.Statements == 0 {
			t.Error("no statements in the profile of a failing run")
		}
	})
}

// analyze parses a coverage report and computes its summary over dir.
func analyze(t *testing.T, path string, format coverage.Format, dir string) *coverage.Summary {
	t.Helper()
	p, err := coverage.ParseFile(path, format)
	if err != nil {
		data, _ := os.ReadFile(path)
		t.Fatalf("coverage.ParseFile: %v\n%s", err, data)
	}
	src, err := coverage.OpenSource(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := coverage.Analyze(p, src)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// meetsOwnGate checks the coverage of an example against the coverage.min
// of its own golden.yaml, which must set one.
func meetsOwnGate(t *testing.T, dir string, s *coverage.Summary) {
	t.Helper()
	c, err := config.Load(dir, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.Coverage.Min == nil {
		t.Fatalf("%s: golden.yaml sets no coverage.min", c.Service)
	}
	if s.Statements == 0 {
		t.Fatalf("%s: no statements in the coverage report", c.Service)
	}
	for _, f := range (coverage.Gates{Min: c.Coverage.Min, MinPackage: c.Coverage.MinPackage}).Check(s, nil) {
		t.Errorf("%s fails its own coverage gate: %s", c.Service, f)
	}
}

// TestGolangciLintContract runs GolangciLint with the real golangci-lint v2
// on the Go example, which honours its .golangci.yml and is clean, and on
// a copy with deliberate problems, which are found and reported with
// exit code 0 (--issues-exit-code=0).
func TestGolangciLintContract(t *testing.T) {
	t.Parallel()
	bin := testtool.Path(t, "golangci-lint")
	// golangci-lint takes a lock file in $TMPDIR so that two instances do
	// not run at once; a TMPDIR of its own keeps this test from failing
	// when another package's tests run golangci-lint at the same time.
	// Its analysis cache stays the user's (~/.cache/golangci-lint).
	env := append(slices.Clone(goEnv), "TMPDIR="+t.TempDir())

	clean := filepath.Join(t.TempDir(), "clean.json")
	r := execArgv(t, example("go-service"), env, bin, GolangciLint(GolangciLintOptions{JSONOut: clean, Timeout: "5m"}))
	findings, err := lint.ParseFile(clean, lint.GolangciLint, lint.Options{})
	if err != nil {
		t.Fatalf("lint.ParseFile: %v\n%s", err, r)
	}
	if len(findings) != 0 {
		t.Errorf("the example has lint findings: %+v", findings)
	}

	dir := copyExample(t, "go-service")
	writeFile(t, filepath.Join(dir, "sloppy.go"), `package main

import (
	"os"
	"os/exec"
)

func cleanup() {
	os.Remove("/tmp/go-service.pid")
}

func runArg() error {
	return exec.Command(os.Args[1]).Run()
}
`)
	out := filepath.Join(t.TempDir(), "sloppy.json")
	r = execArgv(t, dir, env, bin, GolangciLint(GolangciLintOptions{JSONOut: out}))
	findings, err = lint.ParseFile(out, lint.GolangciLint, lint.Options{})
	if err != nil {
		t.Fatalf("lint.ParseFile: %v\n%s", err, r)
	}
	rules := map[string]bool{}
	for _, f := range findings {
		if f.File != "sloppy.go" || f.Line == 0 || f.Tool != "golangci-lint" {
			t.Errorf("finding %+v, want one in sloppy.go with a line", f)
		}
		rules[f.RuleID] = true
	}
	// errcheck is a standard linter; gosec (G204, a command built from
	// input) is enabled only by the example's .golangci.yml, which is
	// therefore honoured; unused finds the dead code.
	for _, want := range []string{"errcheck", "gosec", "unused"} {
		if !rules[want] {
			t.Errorf("no %s finding in %+v\n%s", want, findings, r)
		}
	}
	if !bytes.Contains(r.stdout, []byte("sloppy.go")) {
		t.Errorf("the text report on stdout does not name sloppy.go:\n%s", r)
	}
}

// writeEmptyIgnore writes an empty ignore file, which keeps Trivy from
// applying a .trivyignore of the scanned tree: golden's gate applies it.
func writeEmptyIgnore(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "empty.trivyignore")
	writeFile(t, p, "")
	return p
}

// trivyCache builds the fixture vulnerability database of scantest in a
// fresh cache directory.
func trivyCache(t *testing.T) string {
	t.Helper()
	cache := t.TempDir()
	if err := scantest.WriteDB(cache, time.Now(), scantest.Advisories); err != nil {
		t.Fatal(err)
	}
	return cache
}

func trivyFindings(t *testing.T, path string) []scan.Finding {
	t.Helper()
	rep, err := scan.LoadReport(path)
	if err != nil {
		data, _ := os.ReadFile(path)
		t.Fatalf("scan.LoadReport: %v\n%s", err, data)
	}
	fs, err := scan.Findings(rep)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// TestTrivyFSContract runs TrivyFS (vuln, secret and misconfig scanners,
// offline against the fixture database) on the Go example, which is clean,
// and on a copy with a vulnerable go.mod, a leaked secret and
// misconfigurations; then TrivyConvert turns the report into SARIF.
func TestTrivyFSContract(t *testing.T) {
	t.Parallel()
	bin := testtool.Path(t, "trivy")
	cache := trivyCache(t)
	opts := TrivyOptions{
		Scanners:     []string{"vuln", "secret", "misconfig"},
		CacheDir:     cache,
		SkipDBUpdate: true,
		// Accepted with a pre-seeded DB too (nothing is downloaded).
		Insecure:   true,
		IgnoreFile: writeEmptyIgnore(t),
	}

	t.Run("clean example", func(t *testing.T) {
		o := opts
		o.Output = filepath.Join(t.TempDir(), "trivy.json")
		r := execArgv(t, example("go-service"), nil, bin, TrivyFS(o, "."))
		if fs := trivyFindings(t, o.Output); len(fs) != 0 {
			t.Errorf("the example has findings: %+v\n%s", fs, r)
		}
	})

	dir := copyExample(t, "go-service")
	scantest.WriteGoModule(t, dir)
	sec := scantest.NewSecret(t.Name())
	scantest.WriteSecrets(t, dir, sec)
	scantest.WriteMisconfigs(t, dir)

	t.Run("findings and SARIF", func(t *testing.T) {
		o := opts
		o.Output = filepath.Join(t.TempDir(), "trivy.json")
		r := execArgv(t, dir, nil, bin, TrivyFS(o, "."))
		fs := trivyFindings(t, o.Output)
		kinds := map[result.Kind]int{}
		ids := map[string]bool{}
		for _, f := range fs {
			kinds[f.Kind]++
			ids[f.RuleID] = true
			for _, s := range sec.All() {
				if strings.Contains(f.Message, s) || strings.Contains(f.Title, s) {
					t.Errorf("finding %s carries secret material", f.RuleID)
				}
			}
		}
		for _, k := range scan.Kinds {
			if kinds[k] == 0 {
				t.Errorf("no %s finding: %v\n%s", k, kinds, r)
			}
		}
		for _, id := range []string{"CVE-2022-32149", "CVE-2023-39325", "aws-access-key-id"} {
			if !ids[id] {
				t.Errorf("no %s finding", id)
			}
		}

		// The repository's ignore file applies while converting, so
		// the SARIF upload leaves ignored findings out.
		writeFile(t, filepath.Join(dir, ".trivyignore"), "CVE-2023-39325\n")
		sarifOut := filepath.Join(t.TempDir(), "trivy.sarif")
		execArgv(t, dir, nil, bin, TrivyConvert(o.Output, "sarif", sarifOut))
		data, err := os.ReadFile(sarifOut)
		if err != nil {
			t.Fatal(err)
		}
		validateSARIF(t, data)
		var log struct {
			Version string `json:"version"`
			Runs    []struct {
				Tool struct {
					Driver struct{ Name string } `json:"driver"`
				} `json:"tool"`
				Results []struct {
					RuleID string `json:"ruleId"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal(data, &log); err != nil {
			t.Fatal(err)
		}
		if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "Trivy" {
			t.Fatalf("SARIF version %q, %d runs", log.Version, len(log.Runs))
		}
		rules := map[string]bool{}
		for _, res := range log.Runs[0].Results {
			rules[res.RuleID] = true
		}
		if !rules["CVE-2022-32149"] || rules["CVE-2023-39325"] {
			t.Errorf("SARIF rules %v: want CVE-2022-32149 and not the ignored CVE-2023-39325", rules)
		}
		// Trivy masks the secrets themselves in what it writes.
		for _, s := range []string{sec.AWSKeyID, sec.GitHubToken} {
			if bytes.Contains(data, []byte(s)) {
				t.Error("SARIF carries a canary secret")
			}
		}
	})

	t.Run("skip dirs and ignore file", func(t *testing.T) {
		ignore := filepath.Join(t.TempDir(), "ignore")
		writeFile(t, ignore, "CVE-2022-32149\n")
		o := opts
		o.Output = filepath.Join(t.TempDir(), "trivy.json")
		o.SkipDirs = []string{"config", "deploy"}
		o.IgnoreFile = ignore
		o.Severity = []string{"HIGH", "CRITICAL"}
		r := execArgv(t, dir, nil, bin, TrivyFS(o, "."))
		for _, f := range trivyFindings(t, o.Output) {
			switch {
			case f.RuleID == "CVE-2022-32149":
				t.Errorf("ignored %s reported", f.RuleID)
			case f.Kind == result.KindSecret, strings.HasPrefix(f.Target, "config/"), strings.HasPrefix(f.Target, "deploy/"):
				t.Errorf("finding %s in a skipped directory (%s)\n%s", f.RuleID, f.Target, r)
			case f.Severity != result.High && f.Severity != result.Critical:
				t.Errorf("finding %s of severity %s", f.RuleID, f.Severity)
			}
		}
	})
}

// validateSARIF checks data against the official SARIF 2.1.0 schema that
// package sarif's tests keep (Trivy's own SARIF, so GitHub's requirements
// on golden's logs are not asked of it).
func validateSARIF(t *testing.T, data []byte) {
	t.Helper()
	if err := sariftest.SchemaError(data); err != nil {
		t.Errorf("SARIF does not validate against the 2.1.0 schema: %v", err)
	}
}

// TestTrivyImageContract runs TrivyImage on an image tarball built here
// (a layer with a leaked secret), as the pipeline scans the built image
// before it publishes it.
func TestTrivyImageContract(t *testing.T) {
	t.Parallel()
	bin := testtool.Path(t, "trivy")
	sec := scantest.NewSecret(t.Name())
	tarball := writeImageTarball(t, sec)
	o := TrivyOptions{
		Scanners:     []string{"vuln", "secret"},
		CacheDir:     trivyCache(t),
		SkipDBUpdate: true,
		IgnoreFile:   writeEmptyIgnore(t),
		Output:       filepath.Join(t.TempDir(), "image.json"),
	}
	r := execArgv(t, t.TempDir(), nil, bin, TrivyImage(o, tarball))
	fs := trivyFindings(t, o.Output)
	found := false
	for _, f := range fs {
		if f.Kind == result.KindSecret && f.RuleID == "aws-access-key-id" && strings.HasSuffix(f.Target, "config/app.env") {
			found = true
		}
	}
	if !found {
		t.Errorf("no aws-access-key-id secret in the image: %+v\n%s", fs, r)
	}
}

// TestTrivySBOMContract runs TrivySBOM on an image tarball built here (a
// Debian system with one package), as publish makes the SBOM it attests:
// with an empty cache and the database downloads allowed, on a machine
// without network, so the SBOM needs no database. The output is CycloneDX
// JSON that attest.SBOMPredicate accepts, listing the image's package.
func TestTrivySBOMContract(t *testing.T) {
	t.Parallel()
	bin := testtool.Path(t, "trivy")
	root := t.TempDir()
	scantest.WriteDebian(t, root)
	tarball := scantest.WriteImageTarball(t, root)
	for _, tc := range []struct {
		name string
		o    TrivyOptions
	}{
		{"downloads allowed", TrivyOptions{CacheDir: t.TempDir()}},
		{"pipeline options", TrivyOptions{
			Scanners: []string{"vuln", "secret", "misconfig"}, CacheDir: t.TempDir(), SkipDBUpdate: true,
			IgnoreFile: writeEmptyIgnore(t), Format: "json",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := tc.o
			o.Output = filepath.Join(t.TempDir(), "sbom.cdx.json")
			r := execArgv(t, t.TempDir(), nil, bin, TrivySBOM(o, tarball))
			data, err := os.ReadFile(o.Output)
			if err != nil {
				t.Fatalf("%v\n%s", err, r)
			}
			pred, err := attest.SBOMPredicate(data)
			if err != nil {
				t.Fatalf("attest.SBOMPredicate: %v\n%.2000s", err, data)
			}
			if pred.Type != attest.CycloneDXType {
				t.Errorf("predicate type %q", pred.Type)
			}
			var bom struct {
				Components []struct {
					Name    string `json:"name"`
					Version string `json:"version"`
					PURL    string `json:"purl"`
				} `json:"components"`
				Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
			}
			if err := json.Unmarshal(data, &bom); err != nil {
				t.Fatal(err)
			}
			found := false
			for _, c := range bom.Components {
				if c.Name == scantest.DebianPackage && c.Version == scantest.DebianInstalled && strings.HasPrefix(c.PURL, "pkg:deb/debian/") {
					found = true
				}
			}
			if !found {
				t.Errorf("no component %s %s in the SBOM: %+v", scantest.DebianPackage, scantest.DebianInstalled, bom.Components)
			}
			if len(bom.Vulnerabilities) > 0 {
				t.Errorf("the SBOM lists %d vulnerabilities: it should scan for nothing", len(bom.Vulnerabilities))
			}
		})
	}
}

// TestPytestContract runs Pytest (with pytest-cov) on the Python example
// and on a copy with a failing test, and reads the real JUnit XML and
// Cobertura XML with junit and coverage.
func TestPytestContract(t *testing.T) {
	t.Parallel()
	py := testtool.PytestPython(t)

	t.Run("passing", func(t *testing.T) {
		t.Parallel()
		dir := copyExample(t, "python-service")
		out := t.TempDir()
		o := PytestOptions{JUnitOut: filepath.Join(out, "junit.xml"), CoverageXML: filepath.Join(out, "coverage.xml")}
		r := execArgv(t, dir, nil, py, Pytest(o))
		cases, err := junit.ParseFile(o.JUnitOut)
		if err != nil {
			t.Fatalf("junit.ParseFile: %v\n%s", err, r)
		}
		if len(cases) < 10 {
			t.Errorf("%d cases, want at least 10", len(cases))
		}
		for _, c := range cases {
			if c.Status != result.Passed || (c.Suite != "tests.test_app" && c.Suite != "tests.test_main") {
				t.Errorf("case %+v", c)
			}
		}
		s := analyze(t, o.CoverageXML, coverage.FormatCobertura, dir)
		meetsOwnGate(t, dir, s)
		var paths []string
		for _, f := range s.Files {
			paths = append(paths, f.Path)
			if !f.Present {
				t.Errorf("%s is not in the source tree", f.Path)
			}
		}
		// [tool.coverage.run] source = ["service"] is honoured: the
		// tests themselves are not measured.
		if !slices.Contains(paths, "service/app.py") || slices.ContainsFunc(paths, func(p string) bool { return strings.HasPrefix(p, "tests/") }) {
			t.Errorf("covered files %v, want service/app.py and no tests", paths)
		}
		if _, err := os.Stat(filepath.Join(dir, ".pytest_cache")); err == nil {
			t.Error("pytest wrote .pytest_cache into the source tree")
		}
	})

	t.Run("failing", func(t *testing.T) {
		t.Parallel()
		dir := copyExample(t, "python-service")
		writeFile(t, filepath.Join(dir, "tests", "test_broken.py"), "def test_broken():\n    assert 1 == 2, \"deliberately broken\"\n")
		o := PytestOptions{JUnitOut: filepath.Join(t.TempDir(), "junit.xml")}
		r := execArgv(t, dir, nil, py, Pytest(o), 1)
		cases, err := junit.ParseFile(o.JUnitOut)
		if err != nil {
			t.Fatalf("junit.ParseFile: %v\n%s", err, r)
		}
		var failed []result.TestCase
		for _, c := range cases {
			if c.Status == result.Failed {
				failed = append(failed, c)
			}
		}
		if len(failed) != 1 || failed[0].Suite != "tests.test_broken" || !strings.Contains(failed[0].Output, "deliberately broken") {
			t.Errorf("failed cases %+v", failed)
		}
	})
}

// TestNpmTestContract runs NpmTest on the Node example (its test script is
// node's built-in runner) and reads the real JUnit and LCOV reports.
func TestNpmTestContract(t *testing.T) {
	t.Parallel()
	npm := testtool.LookPath(t, "npm")
	testtool.LookPath(t, "node")
	dir := copyExample(t, "node-service")
	out := t.TempDir()
	o := NpmTestOptions{JUnitOut: filepath.Join(out, "junit.xml"), LCOVOut: filepath.Join(out, "lcov.info")}
	r := execArgv(t, dir, nil, npm, NpmTest(o))
	if !bytes.Contains(r.stdout, []byte("✔ greets a name")) {
		t.Errorf("the spec reporter's output is not on stdout:\n%s", r)
	}
	cases, err := junit.ParseFile(o.JUnitOut)
	if err != nil {
		t.Fatalf("junit.ParseFile: %v\n%s", err, r)
	}
	if len(cases) < 10 {
		t.Errorf("%d cases, want at least 10", len(cases))
	}
	suites := map[string]bool{}
	for _, c := range cases {
		suites[c.Suite] = true
		if c.Status != result.Passed {
			t.Errorf("case %+v", c)
		}
	}
	if !suites["greeting"] || !suites["routes"] {
		t.Errorf("suites %v, want the describe blocks greeting and routes", suites)
	}
	s := analyze(t, o.LCOVOut, coverage.FormatLCOV, dir)
	meetsOwnGate(t, dir, s)
	for _, f := range s.Files {
		if f.Path == "src/app.js" && f.Covered != f.Statements {
			t.Errorf("src/app.js: %d of %d lines covered, want all", f.Covered, f.Statements)
		}
	}
}

// TestESLintContract runs ESLint through the Node example's lint script
// (npm run lint) with the pinned ESLint of .tools on PATH, on the example,
// which is clean, and on a copy with problems (exit code 1).
func TestESLintContract(t *testing.T) {
	t.Parallel()
	npm := testtool.LookPath(t, "npm")
	eslint := testtool.Path(t, "eslint")
	env := []string{"PATH=" + filepath.Dir(eslint) + string(os.PathListSeparator) + os.Getenv("PATH")}

	dir := copyExample(t, "node-service")
	clean := filepath.Join(t.TempDir(), "eslint.json")
	r := execArgv(t, dir, env, npm, ESLint(ESLintOptions{JSONOut: clean, UseNpmScript: true}))
	findings, err := lint.ParseFile(clean, lint.ESLint, lint.Options{Source: dir})
	if err != nil {
		t.Fatalf("lint.ParseFile: %v\n%s", err, r)
	}
	if len(findings) != 0 {
		t.Errorf("the example has lint findings: %+v", findings)
	}

	writeFile(t, filepath.Join(dir, "src", "sloppy.js"), "\"use strict\";\n\nvar unused = 1;\nif (process.env.X == \"1\") {\n  missing();\n}\n")
	out := filepath.Join(t.TempDir(), "eslint.json")
	r = execArgv(t, dir, env, npm, ESLint(ESLintOptions{JSONOut: out, UseNpmScript: true}), 1)
	findings, err = lint.ParseFile(out, lint.ESLint, lint.Options{Source: dir})
	if err != nil {
		t.Fatalf("lint.ParseFile: %v\n%s", err, r)
	}
	rules := map[string]bool{}
	for _, f := range findings {
		if f.File != "src/sloppy.js" {
			t.Errorf("finding %+v, want one in src/sloppy.js", f)
		}
		rules[f.RuleID] = true
	}
	for _, want := range []string{"no-var", "no-unused-vars", "eqeqeq", "no-undef"} {
		if !rules[want] {
			t.Errorf("no %s finding in %+v", want, findings)
		}
	}
}

// TestNpmCIContract installs the Node example's locked dependencies with
// NpmCI (from npm's cache when it has them, else from the registry) and
// then runs ESLint both ways: through the lint script, with the project's
// own eslint, and through npx at the pinned version, which the project's
// installed eslint satisfies.
func TestNpmCIContract(t *testing.T) {
	t.Parallel()
	npm := testtool.LookPath(t, "npm")
	npx := testtool.LookPath(t, "npx")
	dir := copyExample(t, "node-service")
	env := []string{"npm_config_prefer_offline=true", "npm_config_update_notifier=false"}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	argv := NpmCI()
	cmd := exec.CommandContext(ctx, npm, argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		if testtool.Required() {
			t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
		}
		t.Skipf("%s failed (no npm registry?): %v\n%s", strings.Join(argv, " "), err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", ".bin", "eslint")); err != nil {
		t.Fatalf("npm ci did not install eslint: %v", err)
	}

	for _, o := range []ESLintOptions{
		{JSONOut: filepath.Join(t.TempDir(), "script.json"), UseNpmScript: true},
		{JSONOut: filepath.Join(t.TempDir(), "npx.json")},
	} {
		bin := npm
		if !o.UseNpmScript {
			bin = npx
		}
		r := execArgv(t, dir, env, bin, ESLint(o))
		findings, err := lint.ParseFile(o.JSONOut, lint.ESLint, lint.Options{Source: dir})
		if err != nil {
			t.Fatalf("lint.ParseFile: %v\n%s", err, r)
		}
		if len(findings) != 0 {
			t.Errorf("%s: findings %+v", strings.Join(r.argv, " "), findings)
		}
		data, err := os.ReadFile(o.JSONOut)
		if err != nil {
			t.Fatal(err)
		}
		// node_modules is not linted.
		if bytes.Contains(data, []byte("node_modules")) {
			t.Errorf("%s linted node_modules", strings.Join(r.argv, " "))
		}
	}
}

// TestRuffArgv only checks the command line: ruff cannot be installed on
// this machine (no Debian package, no PyPI), so its JSON parser is tested
// on ruff's documented output in package lint (TestRuffDocumented), and
// the pipeline runs this argv in the python image after
// PipInstallPackages("ruff==VERSION").
func TestRuffArgv(t *testing.T) {
	t.Parallel()
	argv := Ruff(RuffOptions{JSONOut: "/out/ruff.json"})
	if argv[0] != "ruff" || argv[1] != "check" || argv[len(argv)-1] != "." {
		t.Errorf("argv %q: want ruff check ... .", argv)
	}
	for _, flag := range []string{"--output-format=json", "--output-file=/out/ruff.json", "--exit-zero"} {
		if !slices.Contains(argv, flag) {
			t.Errorf("argv %q lacks %s", argv, flag)
		}
	}
}
