package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/sariftest"
	"github.com/goldenci/golden/internal/testsupport/scantest"
	"github.com/goldenci/golden/internal/testsupport/testtool"
)

// TestMonorepoPaths is a service in a subdirectory of a git repository
// (services/api), linted by the real golangci-lint and tested with
// coverage by the real go test in that directory, gated with --source
// services/api and rendered in every format golden writes: each names the
// files from the repository root, as GitHub and GitLab map them.
func TestMonorepoPaths(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	svc := filepath.Join(root, "services", "api")
	testtool.WriteFiles(t, root, map[string]string{
		"README.md":                   "# monorepo\n",
		"services/api/go.mod":         "module example.com/api\n\ngo 1.22\n",
		"services/api/calc.go":        "package api\n\n// Add adds.\nfunc Add(a, b int) int { return a + b }\n\n// Sub subtracts.\nfunc Sub(a, b int) int { return a - b }\n",
		"services/api/calc_test.go":   "package api\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal(\"1+2\")\n\t}\n}\n",
		"services/api/sub_dir/odd.go": "package sub_dir\n\nimport \"os\"\n\n// F removes x.\nfunc F() {\n\tos.Remove(\"x\")\n}\n",
	})
	gitCmd(t, root, "init", "-q", "-b", "main")
	gitCmd(t, root, "add", ".")
	gitCmd(t, root, "commit", "-q", "-m", "monorepo")

	out := t.TempDir()
	lintReport, profile := filepath.Join(out, "golangci-lint.json"), filepath.Join(out, "cover.out")
	if err := os.WriteFile(lintReport, testtool.GolangciLint(t, svc, "--output.json.path=stdout", "--issues-exit-code=0", "--show-stats=false", "./..."), 0o644); err != nil {
		t.Fatal(err)
	}
	goTest := exec.CommandContext(context.Background(), testtool.LookPath(t, "go"), "test", "-count=1", "-coverprofile="+profile, "./...")
	goTest.Dir = svc
	goTest.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
	if b, err := goTest.CombinedOutput(); err != nil {
		t.Fatalf("go test: %v\n%s", err, b)
	}

	const (
		odd  = "services/api/sub_dir/odd.go"
		calc = "services/api/calc.go"
	)
	res := filepath.Join(out, "golden-result.json")
	sarifFile := filepath.Join(out, "lint.sarif")
	got := golden(t, nil, "lint-gate", "--report", lintReport, "--format", "golangci-lint", "--source", svc,
		"--sarif", sarifFile, "--result", res)
	if got.code != exitcode.Failed || !strings.HasPrefix(got.stdout, odd+":7:11: errcheck: ") {
		t.Errorf("lint-gate: exit %d, stdout %q (want the finding in %s)", got.code, got.stdout, odd)
	}
	got = golden(t, nil, "coverage", "--profile", profile, "--source", svc, "--result", res)
	if got.code != exitcode.Passed {
		t.Fatalf("coverage: exit %d\n%s", got.code, got.stderr)
	}

	// SARIF, from lint-gate and from report.
	reportSARIF := filepath.Join(out, "report.sarif")
	if got = golden(t, nil, "report", "--platform", "local", "--result", res, "--sarif", reportSARIF); got.code != exitcode.Passed {
		t.Fatalf("report: exit %d\n%s", got.code, got.stderr)
	}
	if !strings.Contains(got.stdout, odd+":7:11") {
		t.Errorf("terminal summary does not name %s:\n%s", odd, got.stdout)
	}
	for _, f := range []string{sarifFile, reportSARIF} {
		sariftest.ValidateFile(t, f)
		if data := reportReadFile(t, f); !strings.Contains(data, `"uri": "`+odd+`"`) {
			t.Errorf("%s: no artifact %s:\n%s", filepath.Base(f), odd, data)
		}
	}

	// GitHub: annotations and the job summary.
	gh := t.TempDir()
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": filepath.Join(gh, "output"), "GITHUB_STEP_SUMMARY": filepath.Join(gh, "summary.md")}
	if got = golden(t, env, "report", "--result", res); got.code != exitcode.Passed {
		t.Fatalf("report github: exit %d\n%s", got.code, got.stderr)
	}
	if !strings.Contains(got.stdout, "file="+odd+",line=7") {
		t.Errorf("no annotation on %s:\n%s", odd, got.stdout)
	}
	if s := reportReadFile(t, env["GITHUB_STEP_SUMMARY"]); !strings.Contains(s, odd+":7:11") {
		t.Errorf("job summary does not name %s:\n%s", odd, s)
	}

	// GitLab: Code Quality, JUnit and Cobertura, run from the service's
	// directory as a job with its default CI_PROJECT_DIR (the checkout).
	gl := t.TempDir()
	if got = golden(t, map[string]string{"CI_PROJECT_DIR": root}, "report", "--platform", "gitlab", "--result", res, "--out", gl); got.code != exitcode.Passed {
		t.Fatalf("report gitlab: exit %d\n%s", got.code, got.stderr)
	}
	var issues []struct {
		Location struct{ Path string } `json:"location"`
	}
	if err := json.Unmarshal([]byte(reportReadFile(t, filepath.Join(gl, "gl-code-quality-report.json"))), &issues); err != nil {
		t.Fatal(err)
	}
	if len(issues) != 1 || issues[0].Location.Path != odd {
		t.Errorf("Code Quality issues %+v, want one in %s", issues, odd)
	}
	if s := reportReadFile(t, filepath.Join(gl, "junit.xml")); !strings.Contains(s, odd+":7:11") {
		t.Errorf("JUnit does not name %s:\n%s", odd, s)
	}
	var cob struct {
		Sources []string `xml:"sources>source"`
		Classes []struct {
			Filename string `xml:"filename,attr"`
		} `xml:"packages>package>classes>class"`
	}
	data := reportReadFile(t, filepath.Join(gl, "cobertura.xml"))
	if err := xml.NewDecoder(bytes.NewReader([]byte(data))).Decode(&cob); err != nil {
		t.Fatal(err)
	}
	top, _ := filepath.EvalSymlinks(root)
	if len(cob.Sources) != 1 || (cob.Sources[0] != root && cob.Sources[0] != top) || len(cob.Classes) != 2 ||
		cob.Classes[0].Filename != calc || cob.Classes[1].Filename != odd {
		t.Errorf("Cobertura sources %v, classes %+v; want the repository root, %s and %s\n%s", cob.Sources, cob.Classes, calc, odd, data)
	}
	// report --source services/api (what worked before) gives the same.
	gl2 := t.TempDir()
	if got = golden(t, nil, "report", "--platform", "gitlab", "--result", res, "--out", gl2, "--source", svc); got.code != exitcode.Passed {
		t.Fatalf("report gitlab --source: exit %d\n%s", got.code, got.stderr)
	}
	if s := reportReadFile(t, filepath.Join(gl2, "cobertura.xml")); !strings.Contains(s, `filename="`+calc+`"`) {
		t.Errorf("Cobertura with --source %s does not name %s:\n%s", svc, calc, s)
	}
}

// TestMonorepoScanPaths: scan-gate --source maps the files of a tree that
// trivy fs scanned in a subdirectory of a repository to paths from the
// repository root, and leaves the OS package target (which names the
// system, not a file) alone.
func TestMonorepoScanPaths(t *testing.T) {
	t.Parallel()
	fx := scantest.NewFixture(t) // its own: the shared one's tree goes with the test that made it
	report := filepath.Join(t.TempDir(), "trivy.json")
	if err := os.WriteFile(report, fx.Report, 0o644); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	svc := filepath.Join(root, "services", "app")
	if err := os.CopyFS(svc, os.DirFS(fx.Dir)); err != nil {
		t.Fatal(err)
	}
	gitCmd(t, root, "init", "-q", "-b", "main")
	sarifFile := filepath.Join(t.TempDir(), "scan.sarif")
	got := golden(t, nil, "scan-gate", "--report", report, "--source", svc, "--ignorefile", "", "--sarif", sarifFile)
	if got.code != exitcode.Failed {
		t.Fatalf("scan-gate: exit %d\n%s%s", got.code, got.stdout, got.stderr)
	}
	for _, want := range []string{"services/app/config/app.env:2", "services/app/Dockerfile:", "services/app/go.mod", "app (debian 12.5)"} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, got.stdout)
		}
	}
	if strings.Contains(got.stdout, "services/app/app (debian") {
		t.Errorf("the OS package target was mapped as a file:\n%s", got.stdout)
	}
	b, err := os.ReadFile(sarifFile)
	if err != nil {
		t.Fatal(err)
	}
	sariftest.Validate(t, b)
	if !strings.Contains(string(b), `"uri": "services/app/config/app.env"`) {
		t.Errorf("SARIF does not name the file from the repository root:\n%s", b)
	}
}
