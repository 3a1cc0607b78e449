package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/goldenci/golden/internal/text"
	"github.com/goldenci/golden/result"
)

// junitSuites is the JUnit XML document.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
	seconds  float64
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
	SystemOut *junitOutput  `xml:"system-out,omitempty"`
	seconds   float64
}

type junitProblem struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",cdata"`
}

type junitOutput struct {
	Body string `xml:",cdata"`
}

// add counts a case into its suite.
func (s *junitSuite) add(c junitCase) {
	s.Cases = append(s.Cases, c)
	s.Tests++
	s.seconds += c.seconds
	switch {
	case c.Failure != nil:
		s.Failures++
	case c.Error != nil:
		s.Errors++
	case c.Skipped != nil:
		s.Skipped++
	}
}

// seconds formats a duration in seconds for JUnit.
func seconds(s float64) string {
	if s < 0 {
		s = 0
	}
	return formatFloat(s, 3)
}

// testMessage is the message of a failed or skipped test: the first line
// of its output that is not one of go test's "=== RUN" or "--- FAIL"
// markers, at most n runes.
func testMessage(output string, n int) string {
	for _, l := range strings.Split(output, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- ") {
			continue
		}
		return text.Truncate(l, n)
	}
	return ""
}

// JUnit writes the run as JUnit XML for GitLab's test report
// (artifacts:reports:junit). The first test suite, "golden", holds one test
// case per stage, so failed gates show in GitLab's test tab: a failed stage
// is a <failure>, an errored one an <error>, each with the stage's summary,
// error and most severe findings. Then comes one suite per test suite (Go
// package, Python module) of the stages' tests, sorted by name, with
// <failure>, <error> and <skipped> elements carrying the test output as
// CDATA.
func JUnit(w io.Writer, run *result.Run, opts Options) error {
	return render(w, run, opts, junit)
}

func junit(buf *bytes.Buffer, run *result.Run, opts Options) error {
	gold := junitSuite{Name: "golden"}
	for _, s := range run.Stages {
		c := junitCase{Classname: "golden", Name: xmlSafe(s.Name), Time: seconds(s.Seconds), seconds: s.Seconds}
		body := stageDetails(s, opts.maxItems())
		msg := text.Truncate(text.FirstLine(s.Summary), 200)
		if msg == "" {
			msg = text.Truncate(text.FirstLine(s.Error), 200)
		}
		switch s.Status {
		case result.Passed:
			if body != "" {
				c.SystemOut = &junitOutput{Body: xmlSafe(body)}
			}
		case result.Skipped:
			c.Skipped = &junitProblem{Message: msg, Body: xmlSafe(body)}
		case result.Failed:
			if msg == "" {
				msg = "stage " + s.Name + " failed"
			}
			c.Failure = &junitProblem{Message: msg, Type: "gate", Body: xmlSafe(body)}
		default:
			if msg == "" {
				msg = "stage " + s.Name + " errored"
			}
			c.Error = &junitProblem{Message: msg, Type: "error", Body: xmlSafe(body)}
		}
		gold.add(c)
	}

	bySuite := map[string]*junitSuite{}
	for _, s := range run.Stages {
		for _, t := range s.Tests {
			suite := t.Suite
			if suite == "" {
				suite = s.Name
			}
			js := bySuite[suite]
			if js == nil {
				js = &junitSuite{Name: xmlSafe(suite)}
				bySuite[suite] = js
			}
			c := junitCase{Classname: xmlSafe(suite), Name: xmlSafe(t.Name), Time: seconds(t.Seconds), seconds: t.Seconds}
			msg := testMessage(t.Output, 200)
			switch t.Status {
			case result.Passed:
			case result.Skipped:
				c.Skipped = &junitProblem{Message: msg, Body: xmlSafe(t.Output)}
			case result.Failed:
				if msg == "" {
					msg = "failed"
				}
				c.Failure = &junitProblem{Message: msg, Type: "failure", Body: xmlSafe(t.Output)}
			default:
				if msg == "" {
					msg = statusText(t.Status)
				}
				c.Error = &junitProblem{Message: msg, Type: "error", Body: xmlSafe(t.Output)}
			}
			js.add(c)
		}
	}
	names := make([]string, 0, len(bySuite))
	for n := range bySuite {
		names = append(names, n)
	}
	sort.Strings(names)

	doc := junitSuites{Name: "golden"}
	suites := []*junitSuite{&gold}
	for _, n := range names {
		js := bySuite[n]
		sort.SliceStable(js.Cases, func(i, j int) bool { return js.Cases[i].Name < js.Cases[j].Name })
		suites = append(suites, js)
	}
	for _, s := range suites {
		s.Time = seconds(s.seconds)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
		doc.Suites = append(doc.Suites, *s)
	}
	// The stages took the run's time; the tests ran within them.
	doc.Time = seconds(gold.seconds)
	return writeXML(buf, doc)
}

// stageDetails is the text of a stage test case: summary, error and the
// most severe findings.
func stageDetails(s result.Stage, limit int) string {
	var b strings.Builder
	if s.Summary != "" {
		b.WriteString(s.Summary + "\n")
	}
	if s.Error != "" {
		b.WriteString("error: " + s.Error + "\n")
	}
	if len(s.Findings) > 0 {
		fs := append([]result.Finding(nil), s.Findings...)
		result.SortFindings(fs)
		fmt.Fprintf(&b, "%d findings:\n", len(fs))
		shown := min(len(fs), limit)
		for _, f := range fs[:shown] {
			loc := f.Location()
			if loc != "" {
				loc += ": "
			}
			fmt.Fprintf(&b, "  %s %s%s: %s\n", severityOf(f), loc, checkName(f), text.OneLine(FindingText(f)))
		}
		if len(fs) > shown {
			b.WriteString("  " + more(len(fs)-shown, "findings") + "\n")
		}
	}
	return b.String()
}
