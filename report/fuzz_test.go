package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/goldenci/golden/internal/testsupport/sariftest"
	"github.com/goldenci/golden/result"
)

// wellFormed reports whether b is well-formed XML.
func wellFormed(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

var dotenvLine = regexp.MustCompile(`^GOLDEN_[A-Z0-9_]*=[^\n]*$`)

// FuzzRender renders a run made of arbitrary findings, tests, coverage and
// outputs on every platform: no renderer panics, the XML reports are
// well-formed, the Code Quality report is a JSON array with one issue per
// distinct finding, every dotenv line is KEY=value, and every GitHub
// annotation is one line.
func FuzzRender(f *testing.F) {
	f.Add("golangci-lint", "errcheck", "Error return value is not checked", "calc/calc.go", 42, "=== RUN TestX\n--- FAIL", "HIGH", "github.com/x/calc")
	f.Add("trivy", "CVE-2024-1", "<b>]]></b> & \"q\"", "", 0, "\x1b[31mred\x00", "failed", "")
	f.Add("", "", "", "/abs/../x.go", -3, "", "", "a\nb")
	f.Add("t%,:", "r::", "100%\r\nx", "a,b:c.go", 1<<30, "_GitHubActionsFileCommandDelimeter_", "skipped", "k=v")
	f.Fuzz(func(t *testing.T, tool, rule, msg, file string, line int, output, status, name string) {
		run := result.New(fixtureTime)
		finding := result.Finding{
			Tool: tool, RuleID: rule, Kind: result.Kind(name), Severity: result.Severity(status), Title: output,
			Message: msg, File: file, Line: line, Column: line, EndLine: line + 1, URL: name,
			Package: name, InstalledVersion: rule, FixedVersion: tool,
		}
		run.SetStage(result.Stage{
			Name: name, Status: result.Status(status), Summary: msg, Error: output, Seconds: float64(line),
			Findings: []result.Finding{finding, finding},
			Tests: []result.TestCase{
				{Suite: name, Name: rule, Status: result.Status(status), Output: output, Seconds: float64(line)},
				{Suite: tool, Name: msg, Status: result.Failed, Output: msg},
			},
		})
		// Appended, not set: the names may be equal.
		run.Stages = append(run.Stages, result.Stage{Name: rule, Status: result.Failed, Error: msg})
		run.Coverage = &result.Coverage{
			Percent: float64(line), Statements: line, Covered: line,
			Packages: []result.PackageCoverage{{Package: name, Percent: float64(line)}},
			Patch:    &result.PatchCoverage{Base: rule, Lines: line},
			Files: []result.FileCoverage{
				{Path: file, Package: name, Lines: []result.LineHit{{Line: line, Hits: line}, {Line: 1, Hits: 0}}},
				{Path: msg, Lines: []result.LineHit{{Line: line}}},
			},
		}
		run.Image = &result.Image{Name: name, Digest: rule, Tags: []string{tool, msg}}
		run.Source = &result.Source{Repository: tool, Commit: rule, Branch: msg}
		run.SetOutput(name, output)
		run.SetOutput(tool, msg)
		opts := Options{MaxItems: 1, MaxAnnotations: 3, Secrets: []string{rule}, Source: file, ModulePath: tool}

		for _, r := range []struct {
			name   string
			render func(io.Writer, *result.Run, Options) error
		}{{"junit", JUnit}, {"cobertura", Cobertura}} {
			var b bytes.Buffer
			if err := r.render(&b, run, opts); err != nil {
				t.Fatalf("%s: %v", r.name, err)
			}
			if err := wellFormed(b.Bytes()); err != nil {
				t.Fatalf("%s is malformed: %v\n%s", r.name, err, b.Bytes())
			}
		}

		var b bytes.Buffer
		if err := CodeQuality(&b, run, opts); err != nil {
			t.Fatal(err)
		}
		var issues []map[string]any
		if err := json.Unmarshal(b.Bytes(), &issues); err != nil || len(issues) != 1 {
			t.Fatalf("code quality: %v, %d issues for two equal findings:\n%s", err, len(issues), b.Bytes())
		}

		b.Reset()
		if err := SARIF(&b, run, opts); err != nil {
			t.Fatal(err)
		}
		sariftest.Validate(t, b.Bytes())

		b.Reset()
		if err := Dotenv(&b, run, opts); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
			if !dotenvLine.MatchString(l) {
				t.Fatalf("dotenv line %q", l)
			}
		}

		for _, render := range []func(io.Writer, *result.Run, Options) error{GitHubSummary, Local} {
			if err := render(io.Discard, run, opts); err != nil {
				t.Fatal(err)
			}
		}

		b.Reset()
		res, err := RenderGitHub(&b, func(string) string { return "" }, run, opts)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		masks := len(NewRedactor(opts.Secrets...).Secrets())
		want := masks + res.Annotations
		if res.Omitted > 0 {
			want++
		}
		if len(lines) != want || res.Annotations > 3 {
			t.Fatalf("%d lines for %d masks and %d annotations (%d omitted):\n%s", len(lines), masks, res.Annotations, res.Omitted, b.Bytes())
		}
		for _, l := range lines[masks : masks+res.Annotations] {
			if !strings.HasPrefix(l, "::error ") && !strings.HasPrefix(l, "::warning ") && !strings.HasPrefix(l, "::notice ") {
				t.Fatalf("annotation line %q", l)
			}
		}
	})
}
