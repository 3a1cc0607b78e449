package report

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/goldenci/golden/result"
)

// The files RenderGitLab writes, for the job's artifacts:reports.
const (
	JUnitFile       = "junit.xml"                   // artifacts:reports:junit
	CoberturaFile   = "cobertura.xml"               // artifacts:reports:coverage_report (coverage_format: cobertura)
	CodeQualityFile = "gl-code-quality-report.json" // artifacts:reports:codequality
	DotenvFile      = "golden.env"                  // artifacts:reports:dotenv
)

// CoverageRegex matches the line CoverageLine prints; use it as the GitLab
// job's coverage keyword: coverage: '/Coverage: \d+\.\d+%/'.
const CoverageRegex = `Coverage: \d+\.\d+%`

// CoverageLine is the coverage line for GitLab's coverage keyword,
// "Coverage: 82.10%", or "" when the run has no coverage.
func CoverageLine(run *result.Run) string {
	if run.Coverage == nil {
		return ""
	}
	return "Coverage: " + formatFloat(run.Coverage.Percent, 2) + "%"
}

// GitLabResult says what RenderGitLab wrote.
type GitLabResult struct {
	// Files are the paths written, in the order written.
	Files []string
	// Warnings are problems that did not stop the report (outputs left
	// out of the dotenv report, GitLab limits exceeded), for stderr.
	Warnings []string
}

// RenderGitLab writes the GitLab CI reports of run into dir (created when
// missing): JUnitFile, CoberturaFile, CodeQualityFile and DotenvFile (see
// JUnit, Cobertura, CodeQuality and Dotenv), always all four so the job's
// artifacts:reports can name them. On w it prints the coverage line (see
// CoverageLine and CoverageRegex) when the run has coverage, then one
// "Wrote FILE" line per file. Secrets of opts are redacted from all of it.
// An error means a file could not be written.
func RenderGitLab(dir string, w io.Writer, run *result.Run, opts Options) (GitLabResult, error) {
	var res GitLabResult
	red := NewRedactor(opts.Secrets...)
	clean := prepare(run, red)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, fmt.Errorf("creating report directory: %w", err)
	}
	vars, skipped := DotenvVars(clean)
	res.Warnings = append(res.Warnings, skipped...)
	renderers := []struct {
		name string
		f    func(*bytes.Buffer, *result.Run, Options) error
	}{
		{JUnitFile, junit},
		{CoberturaFile, coberturaXML},
		{CodeQualityFile, codeQuality},
		{DotenvFile, func(buf *bytes.Buffer, _ *result.Run, _ Options) error {
			writeDotenv(buf, vars)
			if len(vars) > dotenvMaxVariables {
				res.Warnings = append(res.Warnings, fmt.Sprintf("%s has %d variables; GitLab accepts %d by default", DotenvFile, len(vars), dotenvMaxVariables))
			}
			if buf.Len() >= dotenvMaxBytes {
				res.Warnings = append(res.Warnings, fmt.Sprintf("%s has %d bytes; GitLab accepts less than %d by default", DotenvFile, buf.Len(), dotenvMaxBytes))
			}
			return nil
		}},
	}
	var out strings.Builder
	if line := CoverageLine(clean); line != "" {
		out.WriteString(line + "\n")
	}
	for _, r := range renderers {
		var buf bytes.Buffer
		if err := r.f(&buf, clean, opts); err != nil {
			return res, fmt.Errorf("rendering %s: %w", r.name, err)
		}
		p := filepath.Join(dir, r.name)
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			return res, fmt.Errorf("writing GitLab report: %w", err)
		}
		res.Files = append(res.Files, p)
		out.WriteString("Wrote " + p + "\n")
	}
	for i := range res.Warnings {
		res.Warnings[i] = red.String(res.Warnings[i])
	}
	if _, err := io.WriteString(w, red.String(out.String())); err != nil {
		return res, fmt.Errorf("writing GitLab report summary: %w", err)
	}
	return res, nil
}
