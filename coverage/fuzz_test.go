package coverage

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/exitcode"
)

// fuzzSeeds adds the committed real outputs of the tools as seeds.
func fuzzSeeds(f *testing.F, files ...string) {
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// checkParsed asserts what Parse promises of any input: an input error
// that names the file, or a well-formed profile whose summary is sane.
func checkParsed(t *testing.T, data []byte, format Format) *Profile {
	p, err := Parse(bytes.NewReader(data), "fuzz.in", format)
	if err != nil {
		if code := exitcode.Code(err); code != exitcode.Usage {
			t.Fatalf("error %q has exit code %d, want %d", err, code, exitcode.Usage)
		}
		if !strings.Contains(err.Error(), `"fuzz.in"`) {
			t.Fatalf("error %q does not name the file", err)
		}
		return nil
	}
	lines := 0
	for i, f := range p.Files {
		if f.Name == "" {
			t.Fatal("file without a name")
		}
		if i > 0 && p.Files[i-1].Name > f.Name {
			t.Fatalf("files not sorted: %q before %q", p.Files[i-1].Name, f.Name)
		}
		for j, b := range f.Blocks {
			if b.NumStmt < 0 || b.NumStmt > maxValue || b.Count < 0 || checkRange(b) != nil {
				t.Fatalf("%s: bad block %+v", f.Name, b)
			}
			if j > 0 && !lessPos(f.Blocks[j-1].pos(), b.pos()) {
				t.Fatalf("%s: blocks not sorted and unique: %+v then %+v", f.Name, f.Blocks[j-1], b)
			}
		}
		lines += unionLines(f.Blocks)
	}
	if lines > 1_000_000 {
		return p // valid, but too big to tabulate in a fuzz run
	}
	s, err := Analyze(p, nil)
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	if s.Covered < 0 || s.Covered > s.Statements || s.Percent < 0 || s.Percent > 100 {
		t.Fatalf("summary %d/%d = %v", s.Covered, s.Statements, s.Percent)
	}
	stmts := 0
	for _, pkg := range s.Packages {
		stmts += pkg.Statements
	}
	if stmts != s.Statements {
		t.Fatalf("packages hold %d statements, total %d", stmts, s.Statements)
	}
	return p
}

// writeGo renders a profile as a Go coverprofile.
func writeGo(p *Profile) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "mode: %s\n", p.Mode)
	for _, f := range p.Files {
		for _, b := range f.Blocks {
			fmt.Fprintf(&sb, "%s:%d.%d,%d.%d %d %d\n", f.Name, b.StartLine, b.StartCol, b.EndLine, b.EndCol, b.NumStmt, b.Count)
		}
	}
	return sb.String()
}

func FuzzParseGo(f *testing.F) {
	f.Add([]byte("mode: set\nexample.com/m/a.go:3.10,5.2 2 1\nexample.com/m/a.go:3.10,5.2 2 0\n"))
	f.Add([]byte("mode: count\na.go:1.1,2.2 1 3\nmode: count\na.go:1.1,2.2 1 4\nb.go:9.1,9.9 0 0\n"))
	f.Add([]byte("mode: atomic\r\n\r\nx y/z.go:1.1,1.1 1 1\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := checkParsed(t, data, FormatGo)
		if p == nil {
			return
		}
		// Writing the merged profile back and reading it again is stable.
		again, err := Parse(strings.NewReader(writeGo(p)), "again.out", FormatGo)
		if err != nil {
			t.Fatalf("re-parsing %q: %v", writeGo(p), err)
		}
		if diff := cmp.Diff(p.Files, again.Files); diff != "" {
			t.Fatalf("round trip differs:\n%s", diff)
		}
	})
}

func FuzzParseCobertura(f *testing.F) {
	fuzzSeeds(f, "cobertura/gcovr.xml")
	f.Add([]byte(`<coverage><sources><source>/s</source></sources><packages><package><classes><class filename="a.py"><methods><method><lines><line number="1" hits="1"/></lines></method></methods><lines><line number="1" hits="1"/><line number="2" hits="0"/></lines></class></classes></package></packages></coverage>`))
	f.Add([]byte("<coverage>\n<class filename=\"x\"><lines><line number=\"1\" hits=\"\"/>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParsed(t, data, FormatCobertura)
	})
}

func FuzzParseLCOV(f *testing.F) {
	fuzzSeeds(f, "lcov/geninfo.info", "lcov/node.info")
	f.Add([]byte("TN:\nSF:a.c\nDA:1,1,abc\nDA:2,0\nend_of_record\nSF:a.c\nDA:1,2\nend_of_record\n"))
	f.Add([]byte("SF:a\nDA:1,\nend_of_record"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParsed(t, data, FormatLCOV)
	})
}

// FuzzParseAuto fuzzes format detection in front of all three parsers.
func FuzzParseAuto(f *testing.F) {
	f.Add([]byte("mode: set\na.go:1.1,2.2 1 1\n"))
	f.Add([]byte("<?xml version=\"1.0\"?><coverage/>"))
	f.Add([]byte("SF:a.c\nend_of_record\n"))
	f.Add([]byte("a.go:1.1,2.2 1 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParsed(t, data, FormatAuto)
	})
}
