package lint

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/netfail"
	"github.com/goldenci/golden/result"
)

var update = flag.Bool("update", false, "rewrite testdata/golangci-lint.json with the output of a fresh golangci-lint run")

// runTool runs a linter in dir and returns its standard output. Linters
// exit 1 when they find problems, which the fixtures have on purpose.
func runTool(t *testing.T, dir string, env []string, bin string, args ...string) []byte {
	t.Helper()
	cmd := exec.CommandContext(context.Background(), bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && (!errors.As(err, &exit) || exit.ExitCode() != 1) {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(bin), args, err, stderr.String())
	}
	return stdout.Bytes()
}

// sorted returns fs in result.SortFindings order.
func sorted(fs []result.Finding) []result.Finding {
	out := append([]result.Finding(nil), fs...)
	result.SortFindings(out)
	return out
}

// golangciFixture is what golangci-lint finds in testdata/golangci, whose
// .golangci.yml gives ineffassign the severity "warning" and unused
// "info"; the others get the default, "error".
var golangciFixture = []result.Finding{
	{Tool: "golangci-lint", Kind: result.KindLint, RuleID: "errcheck", Severity: result.High,
		Message: "Error return value of `os.Remove` is not checked", File: "fixture.go", Line: 12, Column: 11},
	{Tool: "golangci-lint", Kind: result.KindLint, RuleID: "govet", Severity: result.High,
		Message: "printf: fmt.Sprintf format %s has arg n of wrong type int", File: "fixture.go", Line: 27, Column: 28},
	{Tool: "golangci-lint", Kind: result.KindLint, RuleID: "staticcheck", Severity: result.High,
		Message: "SA1004: sleeping for 10 nanoseconds is probably a bug; be explicit if it isn't", File: "sub/sleep.go", Line: 10, Column: 13},
	{Tool: "golangci-lint", Kind: result.KindLint, RuleID: "ineffassign", Severity: result.Medium,
		Message: "ineffectual assignment to total", File: "fixture.go", Line: 20, Column: 2},
	{Tool: "golangci-lint", Kind: result.KindLint, RuleID: "unused", Severity: result.Low,
		Message: "func unusedHelper is unused", File: "fixture.go", Line: 16, Column: 6},
}

// TestGolangciLintReal runs the real golangci-lint on the fixture module
// testdata/golangci, with paths relative to the module (the default) and
// absolute (--path-mode=abs, made relative again through Options.Source).
// testdata/golangci-lint.json is the relative run's output, kept for the
// CLI tests and as a fuzz seed; -update rewrites it.
func TestGolangciLintReal(t *testing.T) {
	t.Parallel()
	bin := testtool.Path(t, "golangci-lint")
	dir, err := filepath.Abs(filepath.Join("testdata", "golangci"))
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local", "GOLANGCI_LINT_CACHE=" + t.TempDir()}
	args := []string{"run", "--output.json.path=stdout", "--show-stats=false", "--allow-parallel-runners"}

	rel := runTool(t, dir, env, bin, append(args, "./...")...)
	got, err := Parse(bytes.NewReader(rel), "golangci-lint.json", GolangciLint, Options{})
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, rel)
	}
	if diff := cmp.Diff(golangciFixture, sorted(got)); diff != "" {
		t.Errorf("relative paths: findings (-want +got):\n%s", diff)
	}

	abs := runTool(t, dir, env, bin, append(args, "--path-mode=abs", "./...")...)
	if !bytes.Contains(abs, []byte(`"Filename":"`+filepath.ToSlash(dir)+`/`)) {
		t.Fatalf("--path-mode=abs did not give absolute paths:\n%s", abs)
	}
	got, err = Parse(bytes.NewReader(abs), "golangci-lint-abs.json", GolangciLint, Options{Source: dir})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if diff := cmp.Diff(golangciFixture, sorted(got)); diff != "" {
		t.Errorf("absolute paths: findings (-want +got):\n%s", diff)
	}

	golden := filepath.Join("testdata", "golangci-lint.json")
	if *update {
		if err := os.WriteFile(golden, rel, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := ParseFile(golden, GolangciLint, Options{})
	if err != nil {
		t.Fatalf("ParseFile: %v", err)
	}
	if diff := cmp.Diff(golangciFixture, sorted(committed)); diff != "" {
		t.Errorf("%s is stale (run go test -update): findings (-want +got):\n%s", golden, diff)
	}
}

// eslintFixture is what ESLint finds in testdata/eslint with its
// eslint.config.js.
var eslintFixture = []result.Finding{
	{Tool: "eslint", Kind: result.KindLint, RuleID: "no-unused-vars", Severity: result.High,
		Message: "'unused' is assigned a value but never used.", File: "src/app.js", Line: 2, Column: 7, EndLine: 2},
	{Tool: "eslint", Kind: result.KindLint, RuleID: "no-undef", Severity: result.High,
		Message: "'missing' is not defined.", File: "src/app.js", Line: 6, Column: 12, EndLine: 6},
	{Tool: "eslint", Kind: result.KindLint, RuleID: "fatal", Severity: result.High,
		Message: "Parsing error: Unexpected token", File: "src/broken.js", Line: 2, Column: 1},
	{Tool: "eslint", Kind: result.KindLint, RuleID: "eqeqeq", Severity: result.Medium,
		Message: "Expected '===' and instead saw '=='.", File: "src/app.js", Line: 5, Column: 9, EndLine: 5},
	{Tool: "eslint", Kind: result.KindLint, RuleID: "eslint", Severity: result.Medium,
		Message: "Unused eslint-disable directive (no problems were reported from 'no-undef').", File: "src/app.js", Line: 8, Column: 3},
	{Tool: "eslint", Kind: result.KindLint, RuleID: "no-console", Severity: result.Medium,
		Message: "Unexpected console statement.", File: "src/sub/log.js", Line: 2, Column: 3, EndLine: 2},
}

// TestESLintReal runs the real ESLint (flat config) on the fixture project
// testdata/eslint. ESLint reports absolute paths, which Options.Source
// makes relative.
func TestESLintReal(t *testing.T) {
	t.Parallel()
	bin := testtool.Path(t, "eslint")
	dir, err := filepath.Abs(filepath.Join("testdata", "eslint"))
	if err != nil {
		t.Fatal(err)
	}
	out := runTool(t, dir, nil, bin, "--format", "json", ".")
	if !bytes.Contains(out, []byte(`"filePath":"`+filepath.ToSlash(dir)+`/src/app.js"`)) {
		t.Fatalf("ESLint did not report absolute paths:\n%s", out)
	}
	got, err := Parse(bytes.NewReader(out), "eslint.json", ESLint, Options{Source: dir})
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, out)
	}
	if diff := cmp.Diff(eslintFixture, sorted(got)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}

	// Without a source root the paths stay absolute.
	got, err = Parse(bytes.NewReader(out), "eslint.json", ESLint, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range got {
		if !strings.HasPrefix(f.File, filepath.ToSlash(dir)+"/") {
			t.Errorf("without Source, File = %q, want it absolute", f.File)
		}
	}
}

// TestRuffDocumented reads testdata/ruff.json. ruff cannot be installed
// here (no PyPI, no release download), so this file is written by hand
// in the documented shape of "ruff check --output-format=json"
// (https://docs.astral.sh/ruff/settings/#output-format and the JSON
// emitter's snapshots in ruff's crates/ruff_linter/src/message): an array
// of {cell, code, end_location{row,column}, filename, fix, location, message,
// noqa_row, url}, where code and url are null for a syntax error and cell
// is the notebook cell.
func TestRuffDocumented(t *testing.T) {
	t.Parallel()
	got, err := ParseFile(filepath.Join("testdata", "ruff.json"), Ruff, Options{Source: "/src/project"})
	if err != nil {
		t.Fatal(err)
	}
	want := []result.Finding{
		{Tool: "ruff", Kind: result.KindLint, RuleID: "F401", Severity: result.High, Message: "`sys` imported but unused",
			File: "app/main.py", Line: 1, Column: 8, EndLine: 1, URL: "https://docs.astral.sh/ruff/rules/unused-import"},
		{Tool: "ruff", Kind: result.KindLint, RuleID: "E501", Severity: result.High, Message: "Line too long (120 > 88)",
			File: "app/main.py", Line: 12, Column: 89, EndLine: 14, URL: "https://docs.astral.sh/ruff/rules/line-too-long"},
		{Tool: "ruff", Kind: result.KindLint, RuleID: "syntax-error", Severity: result.High, Message: "SyntaxError: Expected ')', found newline",
			File: "app/broken.py", Line: 3, Column: 12, EndLine: 4},
		{Tool: "ruff", Kind: result.KindLint, RuleID: "F841", Severity: result.High, Message: "Local variable `total` is assigned to but never used (cell 2)",
			File: "notebooks/explore.ipynb", Line: 4, Column: 5, EndLine: 4, URL: "https://docs.astral.sh/ruff/rules/unused-variable"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestSeverityMapping(t *testing.T) {
	t.Parallel()
	golangci := map[string]result.Severity{
		"": result.High, "error": result.High, "ERROR": result.High, "warning": result.Medium, "Warning": result.Medium,
		"info": result.Low, "hint": result.Low, "low": result.Low, "whatever": result.Low,
	}
	for in, want := range golangci {
		if got := GolangciSeverity(in); got != want {
			t.Errorf("GolangciSeverity(%q) = %s, want %s", in, got, want)
		}
	}
	eslint := map[int]result.Severity{2: result.High, 1: result.Medium, 0: result.Low, 3: result.Low, -1: result.Low}
	for in, want := range eslint {
		if got := ESLintSeverity(in); got != want {
			t.Errorf("ESLintSeverity(%d) = %s, want %s", in, got, want)
		}
	}
}

func TestParseFormat(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"golangci-lint", "ruff", "eslint", " ESLint "} {
		if _, err := ParseFormat(in); err != nil {
			t.Errorf("ParseFormat(%q): %v", in, err)
		}
	}
	if _, err := ParseFormat("pylint"); err == nil || err.Error() != `unknown lint report format "pylint" (want golangci-lint, ruff or eslint)` {
		t.Errorf("ParseFormat(pylint) err = %v", err)
	}
}

func TestPaths(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(root, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		source, in, want string
	}{
		{source: root, in: filepath.Join(root, "a", "b.go"), want: "a/b.go"},
		{source: root, in: "./a/../c.go", want: "c.go"},
		{source: root, in: "/elsewhere/x.go", want: "/elsewhere/x.go"},
		{source: root, in: filepath.Join(filepath.Dir(root), "sibling.go"), want: filepath.ToSlash(filepath.Join(filepath.Dir(root), "sibling.go"))},
		{source: root, in: filepath.Join(root, "..foo", "x.go"), want: "..foo/x.go"},
		{source: "", in: "/abs/x.go", want: "/abs/x.go"},
		{source: link, in: filepath.Join(root, "via-real.go"), want: "via-real.go"},
		{source: root, in: "", want: ""},
	}
	for _, tt := range tests {
		data := `[{"filePath":` + quote(tt.in) + `,"messages":[{"ruleId":"r","severity":2,"message":"m","line":1,"column":1}]}]`
		got, err := Parse(strings.NewReader(data), "paths.json", ESLint, Options{Source: tt.source})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].File != tt.want {
			t.Errorf("Source %q, path %q: File = %q, want %q", tt.source, tt.in, got[0].File, tt.want)
		}
	}
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	golangci := string(readFile(t, filepath.Join("testdata", "golangci-lint.json")))
	ruff := string(readFile(t, filepath.Join("testdata", "ruff.json")))
	tests := []struct {
		name   string
		format Format
		in     string
		want   string
	}{
		{name: "empty", format: GolangciLint, in: " \n",
			want: `parsing golangci-lint report "in.json": the report is empty`},
		{name: "cut short", format: GolangciLint, in: golangci[:200],
			want: `parsing golangci-lint report "in.json": line 1, column 200: unexpected end of JSON input`},
		{name: "syntax error on line 5", format: Ruff, in: strings.Replace(ruff, `"code": "F401",`, `"code": "F401"`, 1),
			want: `parsing ruff report "in.json": line 5, column 5: invalid character '"' after object key:value pair`},
		{name: "wrong type", format: Ruff, in: strings.Replace(ruff, `"row": 12`, `"row": "12"`, 1),
			want: `parsing ruff report "in.json": line 46, column 18: json: cannot unmarshal string into Go struct field ruffLocation.location.row of type int`},
		{name: "eslint report read as golangci-lint", format: GolangciLint, in: `[{"filePath":"/a.js","messages":[]}]`,
			want: `parsing golangci-lint report "in.json": line 1, column 2: json: cannot unmarshal array into Go value of type lint.golangciReport`},
		{name: "not golangci-lint", format: GolangciLint, in: `{"results":[]}`,
			want: `parsing golangci-lint report "in.json": no "Issues" list: not a golangci-lint JSON report (golangci-lint run --output.json.path=FILE)`},
		{name: "golangci-lint logged an error", format: GolangciLint, in: `{"Issues":[],"Report":{"Error":"can't load config"}}`,
			want: `parsing golangci-lint report "in.json": golangci-lint reported an error, so the report may be incomplete: can't load config`},
		{name: "golangci-lint issue without linter", format: GolangciLint, in: `{"Issues":[{"Text":"x","Pos":{"Line":1}}]}`,
			want: `parsing golangci-lint report "in.json": issue 1: no FromLinter`},
		{name: "negative line", format: GolangciLint, in: `{"Issues":[{"FromLinter":"l","Pos":{"Line":-1}}]}`,
			want: `parsing golangci-lint report "in.json": issue 1: negative position -1:0`},
		{name: "eslint report read as ruff", format: Ruff, in: `[{"filePath":"/a.js","messages":[]}]`,
			want: `parsing ruff report "in.json": diagnostic 1: no "filename" or "message": not a ruff JSON report (ruff check --output-format=json)`},
		{name: "ruff report read as eslint", format: ESLint, in: ruff,
			want: `parsing eslint report "in.json": file 1: no "filePath" or "messages": not an ESLint JSON report (eslint -f json)`},
		{name: "eslint trailing garbage", format: ESLint, in: "[]\n]",
			want: `parsing eslint report "in.json": line 2, column 1: invalid character ']' after top-level value`},
		{name: "eslint negative column", format: ESLint, in: `[{"filePath":"a.js","messages":[{"line":1,"column":-3}]}]`,
			want: `parsing eslint report "in.json": file 1 (a.js): message 1: negative position 1:-3`},
		{name: "unknown format", format: "pylint", in: `[]`,
			want: `parsing pylint report "in.json": unknown lint report format "pylint" (want golangci-lint, ruff or eslint)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(strings.NewReader(tt.in), "in.json", tt.format, Options{})
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v\nwant  %s", err, tt.want)
			}
			if code := exitcode.Code(err); code != exitcode.Usage {
				t.Errorf("exit code = %d, want %d", code, exitcode.Usage)
			}
		})
	}
}

func TestParseEmptyReports(t *testing.T) {
	t.Parallel()
	for format, in := range map[Format]string{
		GolangciLint: `{"Issues":[],"Report":{"Linters":[{"Name":"errcheck","Enabled":true}]}}`,
		Ruff:         "[]",
		ESLint:       `[{"filePath":"/p/a.js","messages":[],"suppressedMessages":[],"errorCount":0}]`,
	} {
		got, err := Parse(strings.NewReader(in), "clean.json", format, Options{})
		if err != nil || len(got) != 0 {
			t.Errorf("%s: findings %v, err %v; want none", format, got, err)
		}
	}
}

func TestParseFileMissing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, path := range []string{filepath.Join(dir, "nope.json"), dir} {
		_, err := ParseFile(path, ESLint, Options{})
		if err == nil || !strings.Contains(err.Error(), path) || exitcode.Code(err) != exitcode.Usage {
			t.Errorf("%s: err = %v (code %d), want a bad-input error naming the file", path, err, exitcode.Code(err))
		}
	}
}

// A format name in another case still parses: no report passes unread.
func TestParseFormatCase(t *testing.T) {
	t.Parallel()
	got, err := ParseFile(filepath.Join("testdata", "ruff.json"), Format("RUFF"), Options{})
	if err != nil || len(got) != 4 || got[0].Tool != "ruff" {
		t.Errorf("findings %+v, err %v", got, err)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// fuzzParse checks what must hold for any input of a format.
func fuzzParse(t *testing.T, format Format, data []byte) {
	got, err := Parse(bytes.NewReader(data), "fuzz.json", format, Options{Source: "/src"})
	if err != nil {
		// golangci-lint could not load the packages because it could not
		// reach the network: infrastructure.
		network := format == GolangciLint && errors.Is(err, netfail.ErrNetwork) && exitcode.Code(err) == exitcode.Infra
		if exitcode.Code(err) != exitcode.Usage && !network {
			t.Fatalf("error %v has exit code %d, want %d", err, exitcode.Code(err), exitcode.Usage)
		}
		if !strings.Contains(err.Error(), `"fuzz.json"`) {
			t.Fatalf("error %q does not name the file", err)
		}
		return
	}
	for _, f := range got {
		if f.Tool != string(format) || f.Kind != result.KindLint || f.RuleID == "" || f.Severity.Rank() == 0 {
			t.Fatalf("bad finding %+v", f)
		}
		if f.Line < 0 || f.Column < 0 || (f.EndLine != 0 && f.EndLine < f.Line) {
			t.Fatalf("bad position %+v", f)
		}
	}
}

func addSeeds(f *testing.F, files ...string) {
	for _, name := range files {
		f.Add(readFile(f, filepath.Join("testdata", name)))
	}
}

func FuzzParseGolangciLint(f *testing.F) {
	addSeeds(f, "golangci-lint.json")
	for _, scenario := range []string{"golangci-lint-refused", "golangci-lint-quoted-compile-error"} {
		f.Add(readFile(f, realReport(f, scenario)))
	}
	f.Add([]byte(`{"Issues":[{"FromLinter":"unused","Severity":"info","Pos":{"Filename":"/src/a.go","Line":3,"Column":1},"LineRange":{"From":3,"To":5}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, GolangciLint, data) })
}

func FuzzParseRuff(f *testing.F) {
	addSeeds(f, "ruff.json")
	f.Add([]byte(`[{"code":null,"filename":"a.py","message":"SyntaxError","location":{"row":1,"column":1},"end_location":{"row":0,"column":0}}]`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, Ruff, data) })
}

func FuzzParseESLint(f *testing.F) {
	f.Add([]byte(`[{"filePath":"/src/app.js","messages":[{"ruleId":null,"fatal":true,"severity":2,"message":"Parsing error","line":2,"column":1}]}]`))
	f.Add([]byte(`[{"filePath":"/src/a.js","messages":[{"ruleId":"eqeqeq","severity":1,"message":"m","line":5,"column":9,"endLine":5}]}]`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, ESLint, data) })
}
