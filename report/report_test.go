package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/result"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixture loads testdata/run.json, a hand-written run of golden's own
// model with every kind of stage, finding and test.
func fixture(t testing.TB) *result.Run {
	t.Helper()
	run, err := result.Load(filepath.Join("testdata", "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// goldenOpts renders the fixture with tight caps, so that the golden
// files show every "... and N more".
var goldenOpts = Options{
	MaxItems:       4,
	MaxAnnotations: 12,
	Source:         "/builds/goldenci/demo",
	ModulePath:     "github.com/goldenci/demo",
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got, run go test -update to accept):\n%s", name, diff)
	}
}

// githubEnv returns a getenv with GitHub's file command paths in dir.
func githubEnv(dir string) (func(string) string, string, string) {
	out, summary := filepath.Join(dir, "github_output"), filepath.Join(dir, "step_summary.md")
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": out, "GITHUB_STEP_SUMMARY": summary}
	return func(k string) string { return env[k] }, out, summary
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGitHubGolden(t *testing.T) {
	t.Parallel()
	getenv, outPath, summaryPath := githubEnv(t.TempDir())
	var stdout bytes.Buffer
	res, err := RenderGitHub(&stdout, getenv, fixture(t), goldenOpts)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "github/stdout.txt", stdout.Bytes())
	checkGolden(t, "github/outputs.txt", readFile(t, outPath))
	checkGolden(t, "github/summary.md", readFile(t, summaryPath))
	if len(res.Warnings) != 0 {
		t.Errorf("warnings %q, want none", res.Warnings)
	}
	if res.Annotations != 12 || res.Omitted == 0 {
		t.Errorf("annotations %d, omitted %d: want 12 and some omitted", res.Annotations, res.Omitted)
	}
	wantKeys := []string{"commit", "coverage", "digest", "image-ref", "notes", "status", "version"}
	var gotKeys []string
	for _, o := range res.Outputs {
		gotKeys = append(gotKeys, o.Key)
	}
	if diff := cmp.Diff(wantKeys, gotKeys); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
}

// The summary with default options, as most users will see it.
func TestGitHubSummaryDefaultGolden(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := GitHubSummary(&b, fixture(t), Options{}); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "github/summary-default.md", b.Bytes())
}

func TestGitLabGolden(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "golden-reports")
	var stdout bytes.Buffer
	res, err := RenderGitLab(dir, &stdout, fixture(t), goldenOpts)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{JUnitFile, CoberturaFile, CodeQualityFile, DotenvFile} {
		checkGolden(t, "gitlab/"+name, readFile(t, filepath.Join(dir, name)))
	}
	checkGolden(t, "gitlab/stdout.txt", []byte(strings.ReplaceAll(stdout.String(), dir, "DIR")))
	if len(res.Files) != 4 {
		t.Errorf("files %q, want 4", res.Files)
	}
	if !regexp.MustCompile(CoverageRegex).MatchString(stdout.String()) {
		t.Errorf("stdout %q does not match the coverage regex %s", stdout.String(), CoverageRegex)
	}
	if got := regexp.MustCompile(CoverageRegex).FindString(stdout.String()); got != "Coverage: 82.10%" {
		t.Errorf("coverage line %q, want %q", got, "Coverage: 82.10%")
	}
}

func TestLocalGolden(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		opts Options
	}{
		{"local.txt", goldenOpts},
		{"local-default.txt", Options{}},
	} {
		var b bytes.Buffer
		if err := Local(&b, fixture(t), tt.opts); err != nil {
			t.Fatal(err)
		}
		checkGolden(t, tt.name, b.Bytes())
		if bytes.ContainsRune(b.Bytes(), 0x1b) {
			t.Errorf("%s: terminal output holds an ESC character", tt.name)
		}
	}
}

// Reports of an empty run are valid too.
func TestEmptyRun(t *testing.T) {
	t.Parallel()
	run := result.New(fixture(t).StartedAt)
	dir := t.TempDir()
	var stdout bytes.Buffer
	if _, err := RenderGitLab(dir, &stdout, run, Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stdout.String(), "Coverage:") {
		t.Errorf("stdout %q: a run without coverage prints no coverage line", stdout.String())
	}
	checkXML(t, readFile(t, filepath.Join(dir, JUnitFile)))
	checkXML(t, readFile(t, filepath.Join(dir, CoberturaFile)))
	if got := strings.TrimSpace(string(readFile(t, filepath.Join(dir, CodeQualityFile)))); got != "[]" {
		t.Errorf("code quality of no findings = %q, want []", got)
	}
	if got := string(readFile(t, filepath.Join(dir, DotenvFile))); got != "GOLDEN_STATUS=passed\n" {
		t.Errorf("dotenv = %q", got)
	}
	getenv, _, summary := githubEnv(dir)
	if _, err := RenderGitHub(io.Discard, getenv, run, Options{}); err != nil {
		t.Fatal(err)
	}
	if s := string(readFile(t, summary)); !strings.Contains(s, "No stages were recorded.") {
		t.Errorf("summary %q", s)
	}
	var local bytes.Buffer
	if err := Local(&local, run, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(local.String(), "golden: PASSED\n") {
		t.Errorf("local %q", local.String())
	}
}

// checkXML asserts that b is well-formed XML: every token decodes.
func checkXML(t testing.TB, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("malformed XML: %v\n%s", err, b)
		}
	}
}

// The JUnit document read back, as a consumer sees it.
type junitRead struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Classname string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Body    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
				Body    string `xml:",chardata"`
			} `xml:"error"`
			Skipped *struct {
				Body string `xml:",chardata"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnitRoundTrip(t *testing.T) {
	t.Parallel()
	run := fixture(t)
	var b bytes.Buffer
	if err := JUnit(&b, run, Options{}); err != nil {
		t.Fatal(err)
	}
	checkXML(t, b.Bytes())
	var doc junitRead
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	// Counts add up, per suite and in total.
	var tests, failures, errs, skipped int
	for _, s := range doc.Suites {
		var f, e, sk int
		for _, c := range s.Cases {
			if c.Failure != nil {
				f++
			}
			if c.Error != nil {
				e++
			}
			if c.Skipped != nil {
				sk++
			}
			if _, err := strconv.ParseFloat(c.Time, 64); err != nil {
				t.Errorf("%s/%s: time %q: %v", s.Name, c.Name, c.Time, err)
			}
		}
		if s.Tests != len(s.Cases) || s.Failures != f || s.Errors != e || s.Skipped != sk {
			t.Errorf("suite %s: attributes tests=%d failures=%d errors=%d skipped=%d, cases %d/%d/%d/%d",
				s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, len(s.Cases), f, e, sk)
		}
		tests, failures, errs, skipped = tests+s.Tests, failures+s.Failures, errs+s.Errors, skipped+s.Skipped
	}
	if doc.Tests != tests || doc.Failures != failures || doc.Errors != errs || doc.Skipped != skipped {
		t.Errorf("testsuites attributes %d/%d/%d/%d, suites sum to %d/%d/%d/%d",
			doc.Tests, doc.Failures, doc.Errors, doc.Skipped, tests, failures, errs, skipped)
	}
	// 7 stages + 8 tests; lint, test, scan failed; publish errored;
	// promote and two tests skipped; three tests failed.
	if tests != 15 || failures != 6 || errs != 1 || skipped != 3 {
		t.Errorf("totals %d/%d/%d/%d, want 15/6/1/3", tests, failures, errs, skipped)
	}
	if doc.Suites[0].Name != "golden" {
		t.Errorf("first suite %q, want golden", doc.Suites[0].Name)
	}
	// The output survives, "]]>" and all; colours are stripped and the
	// BEL character XML cannot hold is replaced.
	var div string
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if c.Name == "TestDiv" && c.Failure != nil {
				div = c.Failure.Body
			}
		}
	}
	want := "    calc_test.go:22: got <nil> & \"]]>\" red \ufffdbell\n"
	if !strings.Contains(div, want) {
		t.Errorf("TestDiv failure body %q does not contain %q", div, want)
	}
}

// The Cobertura document read back.
type coberturaRead struct {
	LineRate     string   `xml:"line-rate,attr"`
	LinesCovered int      `xml:"lines-covered,attr"`
	LinesValid   int      `xml:"lines-valid,attr"`
	Sources      []string `xml:"sources>source"`
	Packages     []struct {
		Name     string `xml:"name,attr"`
		LineRate string `xml:"line-rate,attr"`
		Classes  []struct {
			Filename string `xml:"filename,attr"`
			LineRate string `xml:"line-rate,attr"`
			Lines    []struct {
				Number int `xml:"number,attr"`
				Hits   int `xml:"hits,attr"`
			} `xml:"lines>line"`
		} `xml:"classes>class"`
	} `xml:"packages>package"`
}

func parseRate(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1 {
		t.Fatalf("line-rate %q is not a rate: %v", s, err)
	}
	return f
}

func TestCoberturaLineRates(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := Cobertura(&b, fixture(t), goldenOpts); err != nil {
		t.Fatal(err)
	}
	checkXML(t, b.Bytes())
	var doc coberturaRead
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"/builds/goldenci/demo"}, doc.Sources); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
	var covered, valid int
	var files []string
	for _, p := range doc.Packages {
		var pc, pv int
		for _, c := range p.Classes {
			files = append(files, c.Filename)
			var cc int
			last := 0
			for _, l := range c.Lines {
				if l.Number <= last {
					t.Errorf("%s: line %d after %d: lines must be sorted and unique", c.Filename, l.Number, last)
				}
				last = l.Number
				if l.Hits > 0 {
					cc++
				}
			}
			if got, want := parseRate(t, c.LineRate), float64(cc)/float64(len(c.Lines)); got != want {
				t.Errorf("%s: line-rate %v, want %v", c.Filename, got, want)
			}
			pc, pv = pc+cc, pv+len(c.Lines)
		}
		if got, want := parseRate(t, p.LineRate), float64(pc)/float64(pv); got != want {
			t.Errorf("package %s: line-rate %v, want %v", p.Name, got, want)
		}
		covered, valid = covered+pc, valid+pv
	}
	// calc.go: 3,4,5,8 (5 twice: hits 0 and 1 -> covered); api.go:
	// 10,11,12,17; store.go: 20,21,22; main.go: 9.
	if covered != 7 || valid != 12 || doc.LinesCovered != 7 || doc.LinesValid != 12 {
		t.Errorf("covered/valid %d/%d, attributes %d/%d, want 7/12", covered, valid, doc.LinesCovered, doc.LinesValid)
	}
	if got := parseRate(t, doc.LineRate); got != 7.0/12.0 {
		t.Errorf("line-rate %v, want %v", got, 7.0/12.0)
	}
	// File names are relative to the project root, the one source.
	want := []string{"api/api.go", "calc/calc.go", "cmd/demo/main.go", "internal/store/store.go"}
	if diff := cmp.Diff(want, files); diff != "" {
		t.Errorf("file names (-want +got):\n%s", diff)
	}
}

func TestCoberturaPath(t *testing.T) {
	t.Parallel()
	opts := Options{Source: "/builds/g/p/", ModulePath: "example.com/m"}
	tests := map[string]string{
		"example.com/m/pkg/a.go":  "pkg/a.go",
		"example.com/mx/pkg/a.go": "example.com/mx/pkg/a.go",
		"/builds/g/p/pkg/a.go":    "pkg/a.go",
		"/elsewhere/a.go":         "/elsewhere/a.go",
		"./pkg/../pkg/a.go":       "pkg/a.go",
		`pkg\win\a.go`:            "pkg/win/a.go",
		"":                        "",
	}
	for in, want := range tests {
		if got := coberturaPath(in, opts); got != want {
			t.Errorf("coberturaPath(%q) = %q, want %q", in, got, want)
		}
	}
	// A module in a subdirectory of the repository (a monorepo).
	opts.ModuleDir = "services/api"
	for in, want := range map[string]string{
		"example.com/m/pkg/a.go":     "services/api/pkg/a.go",
		"services/api/pkg/a.go":      "services/api/pkg/a.go",
		"/builds/g/p/services/api/a": "services/api/a",
	} {
		if got := coberturaPath(in, opts); got != want {
			t.Errorf("module in services/api: coberturaPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCodeQualityFields(t *testing.T) {
	t.Parallel()
	run := fixture(t)
	var b bytes.Buffer
	if err := CodeQuality(&b, run, Options{}); err != nil {
		t.Fatal(err)
	}
	var issues []map[string]any
	if err := json.Unmarshal(b.Bytes(), &issues); err != nil {
		t.Fatal(err)
	}
	if len(issues) != len(run.Findings()) {
		t.Errorf("%d issues for %d findings", len(issues), len(run.Findings()))
	}
	severities := map[string]bool{"info": true, "minor": true, "major": true, "critical": true, "blocker": true}
	fingerprints := map[string]bool{}
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	for i, is := range issues {
		for _, k := range []string{"description", "check_name", "fingerprint", "severity"} {
			if s, _ := is[k].(string); s == "" {
				t.Errorf("issue %d: %s missing", i, k)
			}
		}
		if s, _ := is["severity"].(string); !severities[s] {
			t.Errorf("issue %d: severity %q", i, s)
		}
		fp, _ := is["fingerprint"].(string)
		if !hex32.MatchString(fp) || fingerprints[fp] {
			t.Errorf("issue %d: fingerprint %q malformed or repeated", i, fp)
		}
		fingerprints[fp] = true
		loc, _ := is["location"].(map[string]any)
		lines, _ := loc["lines"].(map[string]any)
		if p, _ := loc["path"].(string); p == "" {
			t.Errorf("issue %d: location.path missing", i)
		}
		if begin, _ := lines["begin"].(float64); begin < 1 {
			t.Errorf("issue %d: location.lines.begin %v", i, lines["begin"])
		}
	}
	// Most severe first: the first is a blocker, the last info.
	if issues[0]["severity"] != "blocker" || issues[len(issues)-1]["severity"] != "info" {
		t.Errorf("issues not most severe first: %v ... %v", issues[0]["severity"], issues[len(issues)-1]["severity"])
	}
}

func TestFingerprintStable(t *testing.T) {
	t.Parallel()
	f := result.Finding{Tool: "golangci-lint", RuleID: "errcheck", File: "a.go", Line: 3, Message: "m", Severity: result.High}
	g := f
	g.Severity, g.Line, g.Column, g.URL = result.Low, 5, 9, "https://x" // not part of the identity: code moves
	if Fingerprint(f, 0) != Fingerprint(g, 0) {
		t.Error("fingerprint depends on more than tool, rule, file, message and occurrence")
	}
	for _, change := range []func(*result.Finding){
		func(f *result.Finding) { f.Tool = "ruff" },
		func(f *result.Finding) { f.RuleID = "govet" },
		func(f *result.Finding) { f.File = "b.go" },
		func(f *result.Finding) { f.Message = "n" },
		// No ambiguity between fields: "ab"+"c" is not "a"+"bc".
		func(f *result.Finding) { f.Tool, f.RuleID = "golangci-linte", "rrcheck" },
	} {
		h := f
		change(&h)
		if Fingerprint(h, 0) == Fingerprint(f, 0) {
			t.Errorf("fingerprint of %+v equals that of %+v", h, f)
		}
	}
	if Fingerprint(f, 0) == Fingerprint(f, 1) {
		t.Error("the second occurrence has the first's fingerprint")
	}
}

func TestFingerprints(t *testing.T) {
	t.Parallel()
	at := func(line, col int, msg string) result.Finding {
		return result.Finding{Tool: "golangci-lint", RuleID: "errcheck", File: "a.go", Line: line, Column: col, Message: msg}
	}
	// Listed out of line order: the occurrence follows the lines.
	got := Fingerprints([]result.Finding{at(9, 2, "m"), at(3, 2, "m"), at(3, 1, "m"), at(5, 1, "other")})
	want := []string{Fingerprint(at(0, 0, "m"), 2), Fingerprint(at(0, 0, "m"), 1), Fingerprint(at(0, 0, "m"), 0), Fingerprint(at(0, 0, "other"), 0)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fingerprints (-want +got):\n%s", diff)
	}
	if len(Fingerprints(nil)) != 0 {
		t.Error("fingerprints of no findings")
	}
}

func TestDotenv(t *testing.T) {
	t.Parallel()
	run := fixture(t)
	run.SetOutput("bad key!", "x")
	run.SetOutput("bad-key-", "y") // same variable as "bad key!"
	run.SetOutput("empty", "  ")
	var b bytes.Buffer
	if err := Dotenv(&b, run, Options{}); err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^[A-Za-z0-9_]+=\S(.*\S)?$`)
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if !line.MatchString(l) {
			t.Errorf("line %q is not KEY=value as GitLab reads it", l)
		}
		k, v, _ := strings.Cut(l, "=")
		got[k] = v
	}
	want := map[string]string{
		"GOLDEN_BAD_KEY_":  "x",
		"GOLDEN_COMMIT":    "0123456789abcdef0123456789abcdef01234567",
		"GOLDEN_COVERAGE":  "82.1",
		"GOLDEN_DIGEST":    "sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
		"GOLDEN_IMAGE_REF": "ghcr.io/goldenci/demo@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
		"GOLDEN_NOTES":     "line one line two",
		"GOLDEN_STATUS":    "error",
		"GOLDEN_VERSION":   "1.4.0",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dotenv (-want +got):\n%s", diff)
	}
	_, skipped := DotenvVars(run)
	if len(skipped) != 2 {
		t.Errorf("skipped %q, want the duplicate and the empty output", skipped)
	}
}

func TestOutputs(t *testing.T) {
	t.Parallel()
	run := result.New(fixture(t).StartedAt)
	run.SetStage(result.Stage{Name: "test", Status: result.Failed})
	run.Coverage = &result.Coverage{Percent: 82.149}
	run.Image = &result.Image{Name: "r/app", Digest: "sha256:aa"}
	get := func() map[string]string {
		m := map[string]string{}
		for _, o := range Outputs(run) {
			m[o.Key] = o.Value
		}
		return m
	}
	if diff := cmp.Diff(map[string]string{"coverage": "82.1", "digest": "sha256:aa", "status": "failed"}, get()); diff != "" {
		t.Errorf("derived outputs (-want +got):\n%s", diff)
	}
	run.SetOutput("coverage", "82.15")
	run.SetOutput("status", "passed")
	if diff := cmp.Diff(map[string]string{"coverage": "82.15", "digest": "sha256:aa", "status": "failed"}, get()); diff != "" {
		t.Errorf("recorded outputs win, but not over status (-want +got):\n%s", diff)
	}
}

// bigRun has n findings of every severity and n failed tests.
func bigRun(n int) *result.Run {
	run := result.New(fixtureTime)
	var fs []result.Finding
	for i := range n {
		for _, s := range result.Severities {
			fs = append(fs, result.Finding{Tool: "t", Kind: result.KindLint, RuleID: "r" + strconv.Itoa(i), Severity: s,
				Message: "m", File: fmt.Sprintf("f%03d.go", i), Line: i + 1})
		}
	}
	var tests []result.TestCase
	for i := range n {
		tests = append(tests, result.TestCase{Suite: "p", Name: fmt.Sprintf("Test%03d", i), Status: result.Failed, Output: "boom"})
	}
	run.SetStage(result.Stage{Name: "lint", Status: result.Failed, Findings: fs})
	run.SetStage(result.Stage{Name: "test", Status: result.Failed, Tests: tests})
	return run
}

var fixtureTime = mustTime("2026-11-21T09:00:00Z")

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAnnotationsCapAndOrder(t *testing.T) {
	t.Parallel()
	run := bigRun(30) // 150 findings, 30 failed tests, 2 failed stages
	for _, tt := range []struct {
		max, want, omitted int
	}{
		{0, DefaultMaxAnnotations, 182 - DefaultMaxAnnotations},
		{-1, 0, 182},
		{500, 182, 0},
		{7, 7, 175},
	} {
		got, omitted := Annotations(run, Options{MaxAnnotations: tt.max})
		if len(got) != tt.want || omitted != tt.omitted {
			t.Errorf("max %d: %d annotations, %d omitted; want %d, %d", tt.max, len(got), omitted, tt.want, tt.omitted)
		}
		for i := 1; i < len(got); i++ {
			if got[i].Level.rank() < got[i-1].Level.rank() {
				t.Fatalf("max %d: annotation %d (%s) after %s", tt.max, i, got[i].Level, got[i-1].Level)
			}
		}
	}
	all, _ := Annotations(run, Options{MaxAnnotations: 500})
	// Errors: 2 stages, 30 CRITICAL, 30 HIGH, then 30 failed tests.
	if all[0].Title != "stage lint failed" || !strings.HasSuffix(all[2].Title, "(CRITICAL)") ||
		!strings.HasSuffix(all[32].Title, "(HIGH)") || !strings.HasPrefix(all[62].Title, "test Test") ||
		all[92].Level != LevelWarning || all[122].Level != LevelNotice || !strings.HasSuffix(all[181].Title, "(UNKNOWN)") {
		t.Errorf("unexpected order: %+v %+v %+v %+v", all[0], all[2], all[32], all[62])
	}

	// RenderGitHub writes the capped annotations and says how many more.
	getenv, _, _ := githubEnv(t.TempDir())
	var stdout bytes.Buffer
	res, err := RenderGitHub(&stdout, getenv, run, Options{})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) != DefaultMaxAnnotations+1 || res.Annotations != DefaultMaxAnnotations || res.Omitted != 132 {
		t.Fatalf("%d lines, result %+v", len(lines), res)
	}
	if want := "golden: 132 more annotations not shown (limit 50); see the job summary"; lines[len(lines)-1] != want {
		t.Errorf("last line %q, want %q", lines[len(lines)-1], want)
	}
	if !strings.HasPrefix(lines[0], "::error title=stage lint failed::") {
		t.Errorf("first line %q", lines[0])
	}
}

func TestAnnotationFields(t *testing.T) {
	t.Parallel()
	run := result.New(fixtureTime)
	run.SetStage(result.Stage{Name: "lint", Status: result.Passed, Findings: []result.Finding{
		{Tool: "golangci-lint", RuleID: "errcheck", Severity: result.High, File: "a,b:c.go", Line: 3, Column: 4, EndLine: 5, Message: "100% bad\nsecond line"},
		{Tool: "trivy", RuleID: "CVE-1", Severity: result.Medium, Message: "no file", Line: 7},
		{Tool: "x", RuleID: "y", Severity: "BOGUS", File: "f.go", Message: "no line"},
	}})
	var stdout bytes.Buffer
	if _, err := RenderGitHub(&stdout, func(string) string { return "" }, run, Options{}); err != nil {
		t.Fatal(err)
	}
	want := "::error col=4,endLine=5,file=a%2Cb%3Ac.go,line=3,title=golangci-lint/errcheck (HIGH)::100%25 bad%0Asecond line\n" +
		"::warning title=trivy/CVE-1 (MEDIUM)::no file\n" +
		"::notice file=f.go,title=x/y (UNKNOWN)::no line\n"
	if diff := cmp.Diff(want, stdout.String()); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
}

func TestRenderGitHubWithoutFiles(t *testing.T) {
	t.Parallel()
	var stdout bytes.Buffer
	res, err := RenderGitHub(&stdout, func(string) string { return "" }, fixture(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 2 || len(res.Outputs) != 0 {
		t.Errorf("result %+v: want two warnings and no outputs", res)
	}
	if res.Annotations == 0 {
		t.Error("annotations are written without the files")
	}
}

func TestRenderGitHubUnwritable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir() // a directory cannot be appended to
	getenv := func(k string) string {
		if k == "GITHUB_OUTPUT" {
			return dir
		}
		return ""
	}
	_, err := RenderGitHub(io.Discard, getenv, fixture(t), Options{})
	if err == nil || !strings.Contains(err.Error(), "writing GitHub report") {
		t.Errorf("err = %v, want a write error (not a panic)", err)
	}
}

func TestRenderGitHubRefusesForgedOutputs(t *testing.T) {
	t.Parallel()
	run := result.New(fixtureTime)
	run.SetOutput("ok", "fine")
	run.SetOutput("evil", "x\n"+fileCommandDelimiter+"\nstatus<<EOF\npassed")
	run.SetOutput("bad name", "x")
	getenv, outPath, _ := githubEnv(t.TempDir())
	res, err := RenderGitHub(io.Discard, getenv, run, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 2 {
		t.Errorf("warnings %q, want two", res.Warnings)
	}
	out := string(readFile(t, outPath))
	if strings.Contains(out, "evil") || strings.Contains(out, "bad name") || !strings.Contains(out, "ok<<") {
		t.Errorf("output file:\n%s", out)
	}
}

func TestRenderGitLabUnwritable(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := RenderGitLab(filepath.Join(file, "sub"), io.Discard, fixture(t), Options{}); err == nil {
		t.Error("no error for an output directory below a file")
	}
}

func TestPlatform(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		env  map[string]string
		want Platform
	}{
		{nil, PlatformLocal},
		{map[string]string{"GITHUB_ACTIONS": "true"}, PlatformGitHub},
		{map[string]string{"GITLAB_CI": "true"}, PlatformGitLab},
		{map[string]string{"GITHUB_ACTIONS": "false", "GITLAB_CI": "yes"}, PlatformLocal},
	} {
		if got := DetectPlatform(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("DetectPlatform(%v) = %s, want %s", tt.env, got, tt.want)
		}
	}
	for in, want := range map[string]Platform{"github": PlatformGitHub, " GitLab ": PlatformGitLab, "local": PlatformLocal} {
		if got, err := ParsePlatform(in); err != nil || got != want {
			t.Errorf("ParsePlatform(%q) = %s, %v", in, got, err)
		}
	}
	if _, err := ParsePlatform("jenkins"); err == nil {
		t.Error("ParsePlatform(jenkins): no error")
	}
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]string{0: "0.0s", 0.04: "0.0s", 12.42: "12.4s", 59.94: "59.9s", 60: "1m00s", 130: "2m10s", 3723: "1h02m03s", -1: "0.0s"} {
		if got := formatDuration(in); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdownEscaping(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"a | b":            `a \| b`,
		"<b>x</b> & y":     "&lt;b&gt;x&lt;/b&gt; &amp; y",
		"*x* _y_ [l](u) `": "\\*x\\* \\_y\\_ \\[l\\](u) \\`",
		"two\nlines":       "two lines",
	} {
		if got := mdText(in, 100); got != want {
			t.Errorf("mdText(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"plain":  "`plain`",
		"a`b":    "``a`b``",
		"`x`":    "`` `x` ``",
		"a|b":    "`a\\|b`",
		"":       "",
		"l1\nl2": "`l1 l2`",
	} {
		if got := mdCode(in); got != want {
			t.Errorf("mdCode(%q) = %q, want %q", in, got, want)
		}
	}
}
