package junit

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/result"
)

// FuzzParse feeds arbitrary bytes to Parse: it must never panic, must
// classify every error as bad input naming the file, and must only return
// cases with a name, a known status and a sane time. The seeds are the
// committed reports of the real tools plus testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"pytest.xml", "node.xml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`<testsuite name="s"><testcase classname="c" name="n" time="1"><failure message="m">t</failure></testcase></testsuite>`))
	f.Add([]byte(`<testsuites><testsuite name="a"><testcase name="x" classname="test"><skipped/></testcase></testsuite></testsuites>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cases, err := Parse(strings.NewReader(string(data)), "fuzz.xml")
		if err != nil {
			if cases != nil {
				t.Errorf("cases with an error: %v", cases)
			}
			if !strings.HasPrefix(err.Error(), `parsing JUnit report "fuzz.xml": `) {
				t.Errorf("error does not name the file: %v", err)
			}
			if code := exitcode.Code(err); code != exitcode.Usage {
				t.Errorf("exit code %d for %v", code, err)
			}
			return
		}
		if cases == nil {
			t.Error("nil cases without an error")
		}
		for _, c := range cases {
			if strings.TrimSpace(c.Name) == "" {
				t.Errorf("case without a name: %+v", c)
			}
			switch c.Status {
			case result.Passed, result.Failed, result.Skipped:
			default:
				t.Errorf("status %q", c.Status)
			}
			if c.Seconds < 0 || math.IsNaN(c.Seconds) || math.IsInf(c.Seconds, 0) {
				t.Errorf("seconds %v", c.Seconds)
			}
			if c.Status == result.Passed && c.Output != "" {
				t.Errorf("passed case with output %q", c.Output)
			}
		}
	})
}
