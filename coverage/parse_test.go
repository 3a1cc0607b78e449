package coverage

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
)

// Malformed input is an input error (exit 2) naming the file and, where
// there is one, the line; never a panic. The inputs are hand-written
// because no tool writes them.
func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format Format
		in     string
		want   string
	}{
		// Detection.
		{"empty", FormatAuto, "", `parsing coverage profile "bad.in": empty file`},
		{"blank", FormatAuto, " \n\n", `parsing coverage profile "bad.in": empty file`},
		{"unknown", FormatAuto, "hello world\n", `parsing coverage profile "bad.in": cannot tell the format from "hello world"`},

		// Go coverprofiles.
		{"go no mode", FormatAuto, "a.go:1.1,2.2 1 1\n", `parsing coverprofile "bad.in": line 1: missing mode line before "a.go:1.1,2.2 1 1"`},
		{"go only blank", FormatGo, "\n", `parsing coverprofile "bad.in": empty profile: no mode line`},
		{"go bad mode", FormatGo, "mode: sometimes\n", `parsing coverprofile "bad.in": line 1: bad mode line "mode: sometimes"`},
		{"go empty mode", FormatGo, "mode:\n", `line 1: bad mode line "mode:"`},
		{"go missing count", FormatGo, "mode: set\na.go:1.1,2.2 1\n", `parsing coverprofile "bad.in": line 2: bad block "a.go:1.1,2.2 1": no ' ' before the statement count (want file.go:line.col,line.col statements count)`},
		{"go letters", FormatGo, "mode: set\na.go:1.x,2.2 1 1\n", `line 2: bad block "a.go:1.x,2.2 1 1": start column: "x" is not a non-negative integer`},
		{"go negative", FormatGo, "mode: count\na.go:1.1,2.2 1 -1\n", `line 2: bad block "a.go:1.1,2.2 1 -1": count: "-1" is not a non-negative integer`},
		{"go overflow", FormatGo, "mode: count\na.go:1.1,2.2 1 99999999999999999999\n", `count: 99999999999999999999 is too large`},
		{"go huge line", FormatGo, "mode: set\na.go:1.1,99999999.2 1 1\n", `end line: 99999999 is too large (at most 16777216)`},
		{"go no name", FormatGo, "mode: set\n:1.1,2.2 1 1\n", `line 2: bad block ":1.1,2.2 1 1": no file name`},
		{"go backwards", FormatGo, "mode: set\na.go:5.1,3.1 1 1\n", `line 2: bad block "a.go:5.1,3.1 1 1": block ends (3.1) before it starts (5.1)`},
		{"go line zero", FormatGo, "mode: set\na.go:0.1,3.1 1 1\n", `start line 0 (lines count from 1)`},
		{"go error on later line", FormatGo, "mode: set\na.go:1.1,2.2 1 1\n\na.go:3.1,4.2 1 1\nb.go:1.1 1 1\n", `line 5: bad block "b.go:1.1 1 1"`},
		{"go inconsistent", FormatGo, "mode: set\na.go:1.1,2.2 1 1\na.go:1.1,2.2 2 1\n", `line 3: inconsistent NumStmt for a.go:1.1,2.2: changed from 1 to 2`},

		// Cobertura.
		{"xml syntax", FormatAuto, "<coverage>\n<packages>\n<oops\n", `parsing Cobertura XML "bad.in": line 4: unexpected EOF`},
		{"xml wrong root", FormatAuto, "<?xml version=\"1.0\"?>\n<report/>\n", `parsing Cobertura XML "bad.in": line 2: root element is <report>, want <coverage>`},
		{"xml no filename", FormatCobertura, "<coverage>\n<packages><package><classes>\n<class name=\"a\">\n</class></classes></package></packages></coverage>\n", `line 3: <class> without a filename attribute`},
		{"xml bad hits", FormatCobertura, "<coverage><packages><package><classes><class filename=\"a.py\"><lines>\n<line number=\"3\" hits=\"many\"/>\n</lines></class></classes></package></packages></coverage>", `line 2: <line number="3">: hits attribute: "many" is not a non-negative integer`},
		{"xml no number", FormatCobertura, "<coverage><packages><package><classes><class filename=\"a.py\"><lines>\n<line hits=\"1\"/>\n</lines></class></classes></package></packages></coverage>", `line 2: <line>: missing number attribute`},
		{"xml line zero", FormatCobertura, "<coverage><packages><package><classes><class filename=\"a.py\"><lines>\n<line number=\"0\" hits=\"1\"/>\n</lines></class></classes></package></packages></coverage>", `line 2: <line>: number 0 (lines count from 1)`},
		{"xml no root", FormatCobertura, "<?xml version=\"1.0\"?>\n", `parsing Cobertura XML "bad.in": no <coverage> element`},
		{"xml unclosed", FormatCobertura, "<coverage>\n<sources>\n", `unexpected EOF`},

		// LCOV.
		{"lcov DA outside", FormatAuto, "TN:\nDA:1,1\n", `parsing LCOV file "bad.in": line 2: DA line outside a record`},
		{"lcov bad DA", FormatAuto, "SF:a.c\nDA:1\nend_of_record\n", `line 2: bad DA line "DA:1" (want DA:line,hits[,checksum])`},
		{"lcov bad hits", FormatAuto, "SF:a.c\nDA:1,x\nend_of_record\n", `line 2: bad DA line "DA:1,x": hits: "x" is not a non-negative integer`},
		{"lcov line zero", FormatAuto, "SF:a.c\nDA:0,1\nend_of_record\n", `line 2: bad DA line "DA:0,1": line 0 (lines count from 1)`},
		{"lcov no end", FormatAuto, "SF:a.c\nDA:1,1\n", `parsing LCOV file "bad.in": line 1: the record of "a.c" has no end_of_record`},
		{"lcov nested SF", FormatAuto, "SF:a.c\nDA:1,1\nSF:b.c\n", `line 3: SF line inside the record of "a.c" (started on line 1) that has no end_of_record`},
		{"lcov garbage", FormatAuto, "SF:a.c\nwhat is this\nend_of_record\n", `line 2: want KEY:VALUE or end_of_record, got "what is this"`},
		{"lcov stray end", FormatAuto, "TN:x\nend_of_record\n", `line 2: end_of_record without an SF line`},
		{"lcov empty SF", FormatAuto, "SF:\nend_of_record\n", `line 1: SF line without a file name`},
		{"lcov no records", FormatLCOV, "TN:x\n", `parsing LCOV file "bad.in": no records (no SF line)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(strings.NewReader(tt.in), "bad.in", tt.format)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q\nwant it to contain %q", err, tt.want)
			}
			if code := exitcode.Code(err); code != exitcode.Usage {
				t.Errorf("exit code %d, want %d", code, exitcode.Usage)
			}
		})
	}
}

func TestParseFileErrors(t *testing.T) {
	t.Parallel()
	_, err := ParseFile(filepath.Join(t.TempDir(), "missing.out"), FormatAuto)
	if err == nil || !strings.Contains(err.Error(), "missing.out") || exitcode.Code(err) != exitcode.Usage {
		t.Errorf("missing file: %v (code %d)", err, exitcode.Code(err))
	}
	_, err = ParseFile(t.TempDir(), FormatAuto)
	if err == nil || exitcode.Code(err) == exitcode.Passed {
		t.Errorf("directory: %v", err)
	}
	if _, err := ParseFormat("yaml"); err == nil || exitcode.Code(err) != exitcode.Usage {
		t.Errorf("ParseFormat(yaml) = %v", err)
	}
}

func TestDetect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Format
	}{
		{"mode: set\n", FormatGo},
		{"\xef\xbb\xbfmode: count\r\n", FormatGo},
		{"example.com/a/b.go:1.2,3.4 5 6\n", FormatGo}, // parseGo then says the mode line is missing
		{"<?xml version=\"1.0\" ?>\n<coverage/>", FormatCobertura},
		{"  \n<!DOCTYPE coverage SYSTEM 'x'>", FormatCobertura},
		{"TN:\nSF:a.c\n", FormatLCOV},
		{"SF:/abs/a.c\n", FormatLCOV},
		{"VER:2\n", FormatLCOV},
	}
	for _, tt := range tests {
		got, err := Detect([]byte(tt.in))
		if err != nil || got != tt.want {
			t.Errorf("Detect(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// Lenient where real files differ: CRLF line ends, blank lines, several
// mode lines (concatenated profiles), LCOV checksums and extra keys,
// Cobertura per-method line copies (not counted twice).
func TestParseTolerates(t *testing.T) {
	t.Parallel()
	goP, err := Parse(strings.NewReader("mode: set\r\na.go:1.1,2.2 1 1\r\n\r\nmode: set\r\na.go:1.1,2.2 1 0\r\na.go:3.1,4.2 2 0\r\n"), "crlf.out", FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	if len(goP.Files) != 1 || len(goP.Files[0].Blocks) != 2 || goP.Files[0].Blocks[0].Count != 1 {
		t.Errorf("go: %+v", goP.Files[0])
	}
	lcovP, err := Parse(strings.NewReader("VER:2\nTN:t\nSF:a.c\nFNL:0,1,3\nDA:1,2,abcdef\nDA:2,0\nLF:2\nLH:1\nend_of_record\nTN:u\nSF:a.c\nDA:1,3\nDA:3,1\nend_of_record\n"), "x.info", FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	if got := lcovP.Files[0].Blocks; len(got) != 3 || got[0].Count != 5 || got[1].Count != 0 || got[2].Count != 1 {
		t.Errorf("lcov blocks: %+v", got)
	}
	cob := `<?xml version="1.0" ?>
<coverage lines-valid="2" lines-covered="1">
  <sources><source>/src</source><source> lib </source></sources>
  <packages><package name="p"><classes>
    <class name="A" filename="p/a.py">
      <methods><method name="f"><lines><line number="1" hits="1"/></lines></method></methods>
      <lines><line number="1" hits="1"/><line number="2" hits="0" branch="true" condition-coverage="50% (1/2)"/></lines>
    </class>
    <class name="A$Inner" filename="p/a.py">
      <lines><line number="2" hits="0"/></lines>
    </class>
  </classes></package></packages>
</coverage>`
	cobP, err := Parse(strings.NewReader(cob), "c.xml", FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	f := cobP.Files[0]
	if len(cobP.Files) != 1 || len(f.Blocks) != 2 || f.Blocks[0].Count != 1 || f.Blocks[1].Count != 0 ||
		strings.Join(f.Sources, "|") != "/src|lib" {
		t.Errorf("cobertura: %+v", f)
	}
}

// Go file names map onto the tree through every go.mod in it, nested
// modules winning; Cobertura and LCOV paths through the tree, the
// <source> directories, or the longest existing suffix.
func TestSourceResolve(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":                     "// the root module\nmodule example.com/root // trailing\n\ngo 1.26\n",
		"root.go":                    "package root\n",
		"tools/gen/go.mod":           "module \"example.com/root/tools/gen\"\n",
		"tools/gen/main.go":          "package main\n",
		"services/api/go.mod":        "module example.com/api\n",
		"services/api/h/h.go":        "package h\n",
		"testdata/mod/go.mod":        "module example.com/api\n", // skipped: testdata
		".hidden/go.mod":             "module example.com/hidden\n",
		"src/pkg/a.py":               "x = 1\n",
		"web/src/app.js":             "1\n",
		"node_modules/dep/go.mod":    "module example.com/dep\n",
		"lib/include/calc/calc.h":    "int x;\n",
		"services/api/h/h_test.go":   "package h\n",
		"services/api/docs/readme.c": "",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := OpenSource(dir)
	if err != nil {
		t.Fatal(err)
	}
	var mods []string
	for _, m := range src.Modules {
		mods = append(mods, m.Path+"="+m.Dir)
	}
	if got := strings.Join(mods, " "); got != "example.com/root/tools/gen=tools/gen example.com/root=. example.com/api=services/api" {
		t.Errorf("modules: %s", got)
	}
	tests := []struct {
		file    File
		path    string
		pkg     string
		present bool
	}{
		{File{Name: "example.com/root/root.go", Format: FormatGo}, "root.go", "example.com/root", true},
		{File{Name: "example.com/root/tools/gen/main.go", Format: FormatGo}, "tools/gen/main.go", "example.com/root/tools/gen", true},
		{File{Name: "example.com/api/h/h.go", Format: FormatGo}, "services/api/h/h.go", "example.com/api/h", true},
		{File{Name: "example.com/api/h/gone.go", Format: FormatGo}, "services/api/h/gone.go", "example.com/api/h", false},
		{File{Name: "github.com/other/x/x.go", Format: FormatGo}, "github.com/other/x/x.go", "github.com/other/x", false},
		{File{Name: "./root.go", Format: FormatGo}, "root.go", ".", true},
		{File{Name: filepath.Join(dir, "root.go"), Format: FormatGo}, "root.go", ".", true},
		{File{Name: "pkg/a.py", Format: FormatCobertura, Sources: []string{"/elsewhere/src"}}, "src/pkg/a.py", "src/pkg", true},
		{File{Name: "pkg/a.py", Format: FormatCobertura, Sources: []string{"src"}}, "src/pkg/a.py", "src/pkg", true},
		{File{Name: "app.js", Format: FormatLCOV, Sources: nil}, "app.js", ".", false},
		{File{Name: "/builds/team/project/web/src/app.js", Format: FormatLCOV}, "web/src/app.js", "web/src", true},
		{File{Name: "web/src/app.js", Format: FormatLCOV}, "web/src/app.js", "web/src", true},
		{File{Name: "/usr/include/stdio.h", Format: FormatLCOV}, "/usr/include/stdio.h", "/usr/include", true},
	}
	for _, tt := range tests {
		r := src.resolve(&tt.file)
		if r.path != tt.path || r.pkg != tt.pkg || r.present != tt.present {
			t.Errorf("resolve(%s %q) = %q, %q, present %v; want %q, %q, %v", tt.file.Format, tt.file.Name, r.path, r.pkg, r.present, tt.path, tt.pkg, tt.present)
		}
	}
}

func TestOpenSourceErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("go 1.26\n\nrequire x v1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := OpenSource(dir)
	if err == nil || err.Error() != "reading go.mod: line 3: no module directive" || exitcode.Code(err) != exitcode.Usage {
		t.Errorf("no module: %v", err)
	}
	if _, err := OpenSource(filepath.Join(dir, "nope")); err == nil || exitcode.Code(err) != exitcode.Usage {
		t.Errorf("missing dir: %v", err)
	}
	if _, err := OpenSource(filepath.Join(dir, "go.mod")); err == nil || exitcode.Code(err) != exitcode.Usage {
		t.Errorf("a file: %v", err)
	}
}

func TestLineHits(t *testing.T) {
	t.Parallel()
	blocks := []Block{
		{StartLine: 1, StartCol: 10, EndLine: 3, EndCol: 5, NumStmt: 2, Count: 4},
		{StartLine: 3, StartCol: 5, EndLine: 6, EndCol: 3, NumStmt: 1, Count: 0},
		{StartLine: 4, StartCol: 1, EndLine: 4, EndCol: 9, NumStmt: 0, Count: 9}, // no statements: ignored
		{StartLine: 5, StartCol: 2, EndLine: 5, EndCol: 9, NumStmt: 1, Count: 7},
		{StartLine: 9, StartCol: 2, EndLine: 10, EndCol: 2, NumStmt: 1, Count: 0},
	}
	got := lineHits(blocks, unionLines(blocks))
	want := []LineHit{{1, 4}, {2, 4}, {3, 4}, {4, 0}, {5, 7}, {6, 0}, {9, 0}, {10, 0}}
	if len(got) != len(want) || unionLines(blocks) != len(want) {
		t.Fatalf("lineHits = %v (union %d), want %v", got, unionLines(blocks), want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("lineHits = %v, want %v", got, want)
			break
		}
	}
}

func TestGates(t *testing.T) {
	t.Parallel()
	pct := func(v float64) *float64 { return &v }
	s := &Summary{Percent: 79.96, Packages: []PackageSummary{
		{Package: "a", Statements: 10, Covered: 9, Percent: 90},
		{Package: "b", Statements: 4, Covered: 1, Percent: 25},
		{Package: "c", Statements: 0},
	}}
	patch := &Patch{Lines: 3, Covered: 2, Percent: 100.0 * 2 / 3}
	tests := []struct {
		name  string
		gates Gates
		patch *Patch
		want  []string
	}{
		{"none", Gates{}, patch, nil},
		{"total below, shown with enough decimals", Gates{Min: pct(80)}, nil, []string{"total coverage 79.96% < 80%"}},
		{"total at", Gates{Min: pct(79.96)}, nil, nil},
		{"packages", Gates{MinPackage: pct(50)}, nil, []string{"package b coverage 25.0% < 50%"}},
		{"patch", Gates{PatchMin: pct(70)}, patch, []string{"patch coverage 66.7% < 70%"}},
		{"patch without patch", Gates{PatchMin: pct(70)}, nil, nil},
		{"patch n/a", Gates{PatchMin: pct(100)}, &Patch{Percent: 100}, nil},
		{"all", Gates{Min: pct(90), MinPackage: pct(95), PatchMin: pct(99.5)}, patch, []string{
			"total coverage 80.0% < 90%", "package a coverage 90.0% < 95%", "package b coverage 25.0% < 95%", "patch coverage 66.7% < 99.5%"}},
	}
	for _, tt := range tests {
		var got []string
		for _, f := range tt.gates.Check(s, tt.patch) {
			got = append(got, f.String())
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// Parse reads from any reader, also one that returns a byte at a time.
func TestParseSlowReader(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "cobertura", "gcovr.xml"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(&oneByteReader{bytes.NewReader(data)}, "slow.xml", FormatAuto)
	if err != nil || len(p.Files) != 2 {
		t.Fatalf("Parse = %v, %v", p, err)
	}
}

type oneByteReader struct{ r *bytes.Reader }

func (o *oneByteReader) Read(b []byte) (int, error) {
	if len(b) > 1 {
		b = b[:1]
	}
	return o.r.Read(b)
}

// A profile whose blocks claim more source lines than any tree has is
// rejected before its line tables are built.
func TestAnalyzeRejectsHugeSpans(t *testing.T) {
	t.Parallel()
	var sb strings.Builder
	sb.WriteString("\xef\xbb\xbfmode: set\n")
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&sb, "f%d.go:1.1,16000000.1 1 1\n", i)
	}
	p, err := Parse(strings.NewReader(sb.String()), "huge.out", FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Analyze(p, nil)
	if err == nil || !strings.Contains(err.Error(), "huge.out") || exitcode.Code(err) != exitcode.Usage {
		t.Errorf("err = %v", err)
	}
}
