package junit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/result"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with fresh reports of the real tools, and the golden files")

// reportTool is a real test runner that writes a JUnit report of one of the
// fixture projects in testdata.
type reportTool struct {
	name    string // testdata/<name>.xml, testdata/<name>/ and testdata/<name>.golden.json
	find    func(t testing.TB) string
	command func(bin, out string) []string
}

var reportTools = []reportTool{
	{
		name: "pytest",
		find: testtool.PytestPython,
		// junit_logging=all puts the captured output into the report.
		command: func(bin, out string) []string {
			return []string{bin, "-m", "pytest", "-p", "no:cacheprovider", "-o", "junit_logging=all", "--junitxml=" + out}
		},
	},
	{
		name: "node",
		find: func(t testing.TB) string { return testtool.LookPath(t, "node") },
		command: func(bin, out string) []string {
			return []string{bin, "--test", "--test-reporter=junit", "--test-reporter-destination=" + out, "sample.test.js"}
		},
	},
}

// runReport runs tool on a copy of its fixture project and returns the
// report. The fixtures fail on purpose: the runners exit 1.
func runReport(t *testing.T, tool reportTool) []byte {
	t.Helper()
	bin := tool.find(t)
	dir := filepath.Join(t.TempDir(), tool.name)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", tool.name))); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "report.xml")
	argv := tool.command(bin, out)
	cmd := exec.CommandContext(context.Background(), argv[0], argv[1:]...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("%s: %v, want exit code 1 (the fixture fails on purpose)\n%s", strings.Join(argv, " "), err, stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// identity is what a fresh run must agree on with the committed report:
// times and output (paths, stack traces) vary.
func identity(cases []result.TestCase) []result.TestCase {
	out := make([]result.TestCase, len(cases))
	for i, c := range cases {
		out[i] = result.TestCase{Suite: c.Suite, Name: c.Name, Status: c.Status}
	}
	return out
}

// TestRealReports runs pytest and node's test runner on the fixture
// projects and parses their fresh reports; it also checks that the
// committed reports (testdata/*.xml, which -update rewrites) parse into the
// golden cases (testdata/*.golden.json).
func TestRealReports(t *testing.T) {
	for _, tool := range reportTools {
		t.Run(tool.name, func(t *testing.T) {
			t.Parallel()
			committedPath := filepath.Join("testdata", tool.name+".xml")
			goldenPath := filepath.Join("testdata", tool.name+".golden.json")

			t.Run("fresh", func(t *testing.T) {
				data := runReport(t, tool)
				got, err := Parse(bytes.NewReader(data), "report.xml")
				if err != nil {
					t.Fatalf("Parse: %v\n%s", err, data)
				}
				if *update {
					if err := os.WriteFile(committedPath, data, 0o644); err != nil {
						t.Fatal(err)
					}
					writeGolden(t, goldenPath, got)
				}
				want := readGolden(t, goldenPath)
				if diff := cmp.Diff(identity(want), identity(got)); diff != "" {
					t.Errorf("fresh %s report (-golden +got):\n%s", tool.name, diff)
				}
				for _, c := range got {
					if c.Status == result.Failed && c.Output == "" {
						t.Errorf("failed case %s/%s has no output", c.Suite, c.Name)
					}
				}
			})
			t.Run("committed", func(t *testing.T) {
				got, err := ParseFile(committedPath)
				if err != nil {
					t.Fatal(err)
				}
				want := readGolden(t, goldenPath)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s (-golden +got):\n%s", committedPath, diff)
				}
			})

		})
	}
}

func readGolden(t *testing.T, path string) []result.TestCase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	var cases []result.TestCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cases
}

func writeGolden(t *testing.T, path string, cases []result.TestCase) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(cases); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCommittedOutcomes spells out what the committed reports say, so
// that a regenerated golden file cannot quietly change the rules.
func TestCommittedOutcomes(t *testing.T) {
	t.Parallel()
	pytest, err := ParseFile(filepath.Join("testdata", "pytest.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []result.TestCase{
		{Suite: "test_sample", Name: "test_passes", Status: result.Passed},
		{Suite: "test_sample", Name: "test_fails", Status: result.Failed},
		{Suite: "test_sample", Name: "test_skipped", Status: result.Skipped},
		{Suite: "test_sample", Name: "test_xfail", Status: result.Skipped},
		{Suite: "test_sample", Name: "test_error", Status: result.Failed},
		{Suite: "test_sample.TestGroup", Name: "test_param[1]", Status: result.Passed},
		{Suite: "test_sample.TestGroup", Name: "test_param[2]", Status: result.Failed},
	}
	if diff := cmp.Diff(want, identity(pytest)); diff != "" {
		t.Errorf("pytest (-want +got):\n%s", diff)
	}
	checkOutput(t, pytest, "test_fails", "AssertionError: metals differ", "checking the metals")
	checkOutput(t, pytest, "test_error", `failed on setup with "RuntimeError: fixture exploded"`)
	checkOutput(t, pytest, "test_skipped", "not on this platform")
	checkOutput(t, pytest, "test_param[2]", "assert 2 == 1", "stderr of 2")

	node, err := ParseFile(filepath.Join("testdata", "node.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want = []result.TestCase{
		{Suite: "", Name: "top-level passes", Status: result.Passed},
		{Suite: "", Name: "top-level fails", Status: result.Failed},
		{Suite: "", Name: "skipped", Status: result.Skipped},
		{Suite: "", Name: "todo", Status: result.Skipped},
		{Suite: "outer", Name: "inner passes", Status: result.Passed},
		{Suite: "outer", Name: "nested/deep fails", Status: result.Failed},
		{Suite: "outer", Name: "nested/deep passes", Status: result.Passed},
	}
	if diff := cmp.Diff(want, identity(node)); diff != "" {
		t.Errorf("node (-want +got):\n%s", diff)
	}
	checkOutput(t, node, "nested/deep fails", "boom")
	checkOutput(t, node, "todo", "write it")
	for _, c := range append(pytest, node...) {
		if c.Seconds < 0 || c.Seconds > 5 {
			t.Errorf("%s: seconds = %v", c.Name, c.Seconds)
		}
	}
}

func checkOutput(t *testing.T, cases []result.TestCase, name string, want ...string) {
	t.Helper()
	for _, c := range cases {
		if c.Name != name {
			continue
		}
		for _, w := range want {
			if !strings.Contains(c.Output, w) {
				t.Errorf("%s: output does not contain %q:\n%s", name, w, c.Output)
			}
		}
		return
	}
	t.Errorf("no case %q", name)
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []result.TestCase
	}{
		{
			name: "single testsuite root, JUnit proper",
			in: `<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="com.example.CalcTest" tests="3">
  <properties><property name="java.version" value="21"/></properties>
  <testcase classname="com.example.CalcTest" name="adds" time="0.012"/>
  <testcase classname="com.example.CalcTest" name="divides" time="1.5">
    <error message="division by zero" type="java.lang.ArithmeticException">at Calc.divide(Calc.java:9)</error>
    <system-out>dividing</system-out>
  </testcase>
  <testcase classname="com.example.CalcTest" name="later"><skipped/></testcase>
  <system-out>suite output</system-out>
</testsuite>`,
			want: []result.TestCase{
				{Suite: "com.example.CalcTest", Name: "adds", Status: result.Passed, Seconds: 0.012},
				{Suite: "com.example.CalcTest", Name: "divides", Status: result.Failed, Seconds: 1.5,
					Output: "division by zero\nat Calc.divide(Calc.java:9)\ndividing"},
				{Suite: "com.example.CalcTest", Name: "later", Status: result.Skipped},
			},
		},
		{
			name: "no classname: the innermost suite",
			in:   `<testsuites><testsuite name="outer"><testsuite name="inner"><testcase name="a"/></testsuite><testcase name="b"/></testsuite></testsuites>`,
			want: []result.TestCase{
				{Suite: "inner", Name: "a", Status: result.Passed},
				{Suite: "outer", Name: "b", Status: result.Passed},
			},
		},
		{
			name: "node with a file attribute",
			in: `<testsuites><testsuite name="math"><testsuite name="add">
<testcase name="small" classname="test" file="/src/test/math.test.js" time="0.000100"/>
</testsuite></testsuite><testcase name="top" classname="test" file="/src/test/top.test.js"/></testsuites>`,
			want: []result.TestCase{
				{Suite: "/src/test/math.test.js", Name: "math/add/small", Status: result.Passed, Seconds: 0.0001},
				{Suite: "/src/test/top.test.js", Name: "top", Status: result.Passed},
			},
		},
		{
			name: "failure wins over skipped; nested markup in the text",
			in:   `<testsuites><testcase classname="c" name="n"><skipped message="s"/><failure message="m">a<b>bold</b>c</failure></testcase></testsuites>`,
			want: []result.TestCase{{Suite: "c", Name: "n", Status: result.Failed, Output: "s\nm\naboldc"}},
		},
		{
			name: "entities, CDATA and comments",
			in:   "<testsuites><!-- c --><testcase classname=\"c\" name=\"a &amp; b &#233;\"><failure><![CDATA[x < y]]></failure></testcase></testsuites>",
			want: []result.TestCase{{Suite: "c", Name: "a & b é", Status: result.Failed, Output: "x < y"}},
		},
		{
			name: "no cases",
			in:   `<?xml version="1.0"?><testsuites/>`,
			want: []result.TestCase{},
		},
		{
			name: "us-ascii declaration",
			in:   `<?xml version="1.0" encoding="US-ASCII"?><testsuite><testcase name="x" time=" 2 "/></testsuite>`,
			want: []result.TestCase{{Suite: "", Name: "x", Status: result.Passed, Seconds: 2}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(strings.NewReader(tt.in), "in.xml")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "empty", in: "", want: `parsing JUnit report "in.xml": the report is empty`},
		{name: "blank", in: " \n", want: `parsing JUnit report "in.xml": the report is empty`},
		{name: "not XML", in: "{\"Issues\":[]}", want: `parsing JUnit report "in.xml": line 1: text outside the root element: not a JUnit XML report`},
		{name: "another root", in: "<?xml version=\"1.0\"?>\n<coverage/>", want: `parsing JUnit report "in.xml": line 2: root element <coverage>: not a JUnit XML report (want <testsuites> or <testsuite>)`},
		{name: "truncated", in: "<testsuites>\n<testsuite name=\"a\">\n<testcase name=\"x\">", want: `parsing JUnit report "in.xml": line 3: unexpected EOF`},
		{name: "mismatched", in: "<testsuites>\n<testcase name=\"x\"></testsuite>", want: `parsing JUnit report "in.xml": line 2: element <testcase> closed by </testsuite>`},
		{name: "bad time", in: "<testsuites>\n\n<testcase classname=\"c\" name=\"x\" time=\"1,5\"/></testsuites>", want: `parsing JUnit report "in.xml": line 3: testcase "x": bad time "1,5" (want seconds, e.g. 0.25)`},
		{name: "negative time", in: `<testsuites><testcase name="x" time="-1"/></testsuites>`, want: `parsing JUnit report "in.xml": line 1: testcase "x": bad time "-1" (want seconds, e.g. 0.25)`},
		{name: "NaN time", in: `<testsuites><testcase name="x" time="NaN"/></testsuites>`, want: `parsing JUnit report "in.xml": line 1: testcase "x": bad time "NaN" (want seconds, e.g. 0.25)`},
		{name: "no name", in: "<testsuites>\n<testcase classname=\"c\"/></testsuites>", want: `parsing JUnit report "in.xml": line 2: <testcase> without a name`},
		{name: "two roots", in: "<testsuites/>\n<testsuites/>", want: `parsing JUnit report "in.xml": line 2: element <testsuites> after the root element`},
		{name: "latin-1", in: `<?xml version="1.0" encoding="ISO-8859-1"?><testsuites/>`, want: `parsing JUnit report "in.xml": line 1: xml: opening charset "ISO-8859-1": encoding "ISO-8859-1" is not supported (want UTF-8)`},
		{name: "only a declaration", in: `<?xml version="1.0"?>`, want: `parsing JUnit report "in.xml": no root element: not a JUnit XML report`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(strings.NewReader(tt.in), "in.xml")
			if err == nil {
				t.Fatal("no error")
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
			if code := exitcode.Code(err); code != exitcode.Usage {
				t.Errorf("exit code %d, want %d", code, exitcode.Usage)
			}
		})
	}
}

func TestParseFileMissing(t *testing.T) {
	t.Parallel()
	_, err := ParseFile(filepath.Join(t.TempDir(), "nope.xml"))
	if !errors.Is(err, fs.ErrNotExist) || exitcode.Code(err) != exitcode.Usage {
		t.Errorf("err = %v (code %d), want a not-exist input error", err, exitcode.Code(err))
	}
}
