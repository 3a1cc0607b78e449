// Package lint reads the JSON reports of lint tools into golden's result
// model: one result.Finding (Kind result.KindLint) per problem, with the
// file, line, column, rule, severity and message.
//
// Supported reports and how their severities map onto golden's scale:
//
//   - golangci-lint v2 ("golangci-lint run --output.json.path=FILE"): the
//     rule is the linter name (errcheck, govet, ...). An issue's Severity,
//     set by the "severity" section of .golangci.yml, maps "" (none set)
//     and "error" to HIGH, "warning" to MEDIUM, and anything else ("info",
//     "hint", ...) to LOW.
//   - ruff ("ruff check --output-format=json"): the rule is the ruff code
//     (F401, E501, ...; "syntax-error" for a file ruff could not parse).
//     Every finding is HIGH: ruff has no severities and fails on any.
//   - ESLint ("eslint -f json"): the rule is the ruleId ("fatal" for a file
//     ESLint could not parse, "eslint" for other messages without a rule,
//     such as unused disable directives). Severity 2 (error) maps to HIGH,
//     1 (warning) to MEDIUM, anything else to LOW.
//
// File paths come out relative to Options.Source when the report has them
// absolute and under it (ESLint always does), with forward slashes, through
// package repopath; the callers then name them from the repository root
// (repopath.Detect, Within), which may be above Options.Source.
//
// Errors are classified for golden's exit codes: a report that is missing
// or malformed is bad input (exit 2) and names the file and, for JSON
// errors, the line. A golangci-lint report that says packages could not be
// loaded because modules could not be downloaded (a "typecheck" issue
// "could not import ..." quoting a network failure, see package netfail) is
// an infrastructure failure (exit 3): it is no finding, and the packages
// were not linted.
package lint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/jsonpos"
	"github.com/goldenci/golden/netfail"
	"github.com/goldenci/golden/repopath"
	"github.com/goldenci/golden/result"
)

// Format names a lint report format.
type Format string

// The report formats Parse reads.
const (
	GolangciLint Format = "golangci-lint"
	Ruff         Format = "ruff"
	ESLint       Format = "eslint"
)

// Formats lists every supported format.
var Formats = []Format{GolangciLint, Ruff, ESLint}

// ParseFormat reads a format name as given on the command line.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if strings.EqualFold(strings.TrimSpace(s), string(f)) {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown lint report format %q (want golangci-lint, ruff or eslint)", s)
}

// Options tune how a report is read.
type Options struct {
	// Source is the directory the linter ran on. Absolute file paths
	// under it are made relative to it. Relative Source paths are taken
	// from the working directory; empty leaves absolute paths as they are.
	Source string
}

// ParseFile reads the report of the given format in the file at path.
func ParseFile(path string, format Format, opts Options) ([]result.Finding, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		err = fmt.Errorf("reading %s report: %w", format, err)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || !errors.As(err, &pe) {
			return nil, exitcode.InputError(err)
		}
		return nil, exitcode.InfraError(err)
	}
	defer func() { _ = f.Close() }() // a reader: nothing to flush
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, exitcode.Inputf("reading %s report: %s is a directory", format, path)
	}
	return Parse(f, path, format, opts)
}

// Parse reads a report of the given format from r; name (the file name) is
// used in errors. The findings come in the report's order; use
// result.SortFindings for a canonical one.
func Parse(r io.Reader, name string, format Format, opts Options) ([]result.Finding, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, exitcode.InfraError(fmt.Errorf("reading %s report %q: %w", format, name, err))
	}
	// Within with the root's own prefix cannot fail.
	p, _ := repopath.Within(opts.Source, "")
	var findings []result.Finding
	f, err := ParseFormat(string(format))
	if err == nil {
		switch f {
		case GolangciLint:
			findings, err = parseGolangci(data, p)
		case Ruff:
			findings, err = parseRuff(data, p)
		case ESLint:
			findings, err = parseESLint(data, p)
		}
	}
	if errors.Is(err, netfail.ErrNetwork) {
		// Classified already (exit 3).
		return nil, fmt.Errorf("reading %s report %q: %w", format, name, err)
	}
	if err != nil {
		return nil, exitcode.InputError(fmt.Errorf("parsing %s report %q: %w", format, name, err))
	}
	return findings, nil
}

// decode unmarshals a whole JSON document into v, adding the line of a
// syntax or type error.
func decode(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("the report is empty")
	}
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	return jsonpos.Describe(data, err)
}

// position checks that line and column numbers are not negative.
func position(what string, line, column int) error {
	if line < 0 || column < 0 {
		return fmt.Errorf("%s: negative position %d:%d", what, line, column)
	}
	return nil
}

// endLine returns end when it is a line at or after line, else 0 (not
// known).
func endLine(line, end int) int {
	if line > 0 && end >= line {
		return end
	}
	return 0
}

// golangciReport is the JSON of golangci-lint v2's json printer
// (pkg/printers/json.go): the issues and a report of the run.
type golangciReport struct {
	Issues *[]golangciIssue
	Report *struct {
		Error string
	}
}

// golangciIssue is the part of golangci-lint's result.Issue that golden
// reads.
type golangciIssue struct {
	FromLinter string
	Text       string
	Severity   string
	Pos        struct {
		Filename string
		Line     int
		Column   int
	}
	LineRange *struct {
		From, To int
	}
}

// GolangciSeverity maps a golangci-lint issue severity onto golden's
// scale: "" (no severity configured) and "error" are HIGH, "warning" is
// MEDIUM, anything else ("info", "hint", ...) is LOW. Case is ignored.
func GolangciSeverity(s string) result.Severity {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "error":
		return result.High
	case "warning":
		return result.Medium
	}
	return result.Low
}

func parseGolangci(data []byte, p repopath.Paths) ([]result.Finding, error) {
	var rep golangciReport
	if err := decode(data, &rep); err != nil {
		return nil, err
	}
	if rep.Issues == nil {
		return nil, errors.New(`no "Issues" list: not a golangci-lint JSON report (golangci-lint run --output.json.path=FILE)`)
	}
	if rep.Report != nil && rep.Report.Error != "" {
		if f, ok := netfail.Find(rep.Report.Error); ok {
			return nil, netfail.Error("golangci-lint could not load the packages", f, "")
		}
		// golangci-lint logged an error (a linter that could not run, a
		// package that did not load): the issues may be incomplete.
		return nil, fmt.Errorf("golangci-lint reported an error, so the report may be incomplete: %s", rep.Report.Error)
	}
	for _, is := range *rep.Issues {
		if !isLoadError(is) {
			continue
		}
		if f, ok := netfail.Find(is.Text); ok {
			return nil, netfail.Error(fmt.Sprintf("golangci-lint could not load the packages (%s:%d)", p.Rel(is.Pos.Filename), is.Pos.Line), f, "")
		}
	}
	findings := make([]result.Finding, 0, len(*rep.Issues))
	for i, is := range *rep.Issues {
		what := fmt.Sprintf("issue %d", i+1)
		if is.FromLinter == "" {
			return nil, fmt.Errorf("%s: no FromLinter", what)
		}
		if err := position(what, is.Pos.Line, is.Pos.Column); err != nil {
			return nil, err
		}
		f := result.Finding{
			Tool:     string(GolangciLint),
			Kind:     result.KindLint,
			RuleID:   is.FromLinter,
			Severity: GolangciSeverity(is.Severity),
			Message:  is.Text,
			File:     p.Rel(is.Pos.Filename),
			Line:     is.Pos.Line,
			Column:   is.Pos.Column,
		}
		if is.LineRange != nil {
			f.EndLine = endLine(f.Line, is.LineRange.To)
		}
		findings = append(findings, f)
	}
	return findings, nil
}

// isLoadError reports whether a golangci-lint issue says that a package
// could not be loaded ("could not import M (...)", the go command's error in
// parentheses), rather than a compile error of the code, which may quote
// anything the code holds.
func isLoadError(is golangciIssue) bool {
	return is.FromLinter == "typecheck" &&
		(strings.HasPrefix(is.Text, "could not import ") || strings.HasPrefix(is.Text, "could not load "))
}

// ruffLocation is a ruff position: 1-based row and column.
type ruffLocation struct {
	Row    int `json:"row"`
	Column int `json:"column"`
}

// ruffDiagnostic is one entry of "ruff check --output-format=json".
type ruffDiagnostic struct {
	Code        *string       `json:"code"`
	Message     *string       `json:"message"`
	Filename    *string       `json:"filename"`
	Location    *ruffLocation `json:"location"`
	EndLocation *ruffLocation `json:"end_location"`
	URL         *string       `json:"url"`
	Cell        *int          `json:"cell"`
}

func parseRuff(data []byte, p repopath.Paths) ([]result.Finding, error) {
	var diags []ruffDiagnostic
	if err := decode(data, &diags); err != nil {
		return nil, err
	}
	findings := make([]result.Finding, 0, len(diags))
	for i, d := range diags {
		what := fmt.Sprintf("diagnostic %d", i+1)
		if d.Filename == nil || d.Message == nil {
			return nil, fmt.Errorf(`%s: no "filename" or "message": not a ruff JSON report (ruff check --output-format=json)`, what)
		}
		f := result.Finding{
			Tool:     string(Ruff),
			Kind:     result.KindLint,
			RuleID:   "syntax-error",
			Severity: result.High,
			Message:  *d.Message,
			File:     p.Rel(*d.Filename),
		}
		if d.Code != nil && *d.Code != "" {
			f.RuleID = *d.Code
		}
		if d.Location != nil {
			if err := position(what, d.Location.Row, d.Location.Column); err != nil {
				return nil, err
			}
			f.Line, f.Column = d.Location.Row, d.Location.Column
		}
		if d.EndLocation != nil {
			f.EndLine = endLine(f.Line, d.EndLocation.Row)
		}
		if d.URL != nil {
			f.URL = *d.URL
		}
		if d.Cell != nil {
			// In a notebook, rows count from the start of the cell.
			f.Message += fmt.Sprintf(" (cell %d)", *d.Cell)
		}
		findings = append(findings, f)
	}
	return findings, nil
}

// eslintFile is one file of ESLint's json formatter output.
type eslintFile struct {
	FilePath *string          `json:"filePath"`
	Messages *[]eslintMessage `json:"messages"`
}

// eslintMessage is one ESLint lint message.
type eslintMessage struct {
	RuleID   *string `json:"ruleId"`
	Severity int     `json:"severity"`
	Fatal    bool    `json:"fatal"`
	Message  string  `json:"message"`
	Line     int     `json:"line"`
	Column   int     `json:"column"`
	EndLine  int     `json:"endLine"`
}

// ESLintSeverity maps an ESLint message severity onto golden's scale: 2
// (error) is HIGH, 1 (warning) is MEDIUM, anything else LOW.
func ESLintSeverity(s int) result.Severity {
	switch s {
	case 2:
		return result.High
	case 1:
		return result.Medium
	}
	return result.Low
}

func parseESLint(data []byte, p repopath.Paths) ([]result.Finding, error) {
	var files []eslintFile
	if err := decode(data, &files); err != nil {
		return nil, err
	}
	var findings []result.Finding
	for i, file := range files {
		if file.FilePath == nil || file.Messages == nil {
			return nil, fmt.Errorf(`file %d: no "filePath" or "messages": not an ESLint JSON report (eslint -f json)`, i+1)
		}
		for j, m := range *file.Messages {
			what := fmt.Sprintf("file %d (%s): message %d", i+1, *file.FilePath, j+1)
			if err := position(what, m.Line, m.Column); err != nil {
				return nil, err
			}
			f := result.Finding{
				Tool:     string(ESLint),
				Kind:     result.KindLint,
				RuleID:   "eslint",
				Severity: ESLintSeverity(m.Severity),
				Message:  m.Message,
				File:     p.Rel(*file.FilePath),
				Line:     m.Line,
				Column:   m.Column,
			}
			switch {
			case m.RuleID != nil && *m.RuleID != "":
				f.RuleID = *m.RuleID
			case m.Fatal:
				f.RuleID = "fatal"
			}
			f.EndLine = endLine(f.Line, m.EndLine)
			findings = append(findings, f)
		}
	}
	return findings, nil
}

// Verdict is the lint gate's decision on a linter's findings.
type Verdict struct {
	// Tool is the linter; FailOn the lowest severity that fails.
	Tool   Format
	FailOn result.Severity
	// Findings are sorted most severe first (result.SortFindings);
	// Failing counts those at or above FailOn.
	Findings []result.Finding
	Failing  int
}

// Gate sorts findings and decides the gate: any finding at or above
// failOn fails it.
func Gate(tool Format, findings []result.Finding, failOn result.Severity) Verdict {
	result.SortFindings(findings)
	v := Verdict{Tool: tool, FailOn: failOn, Findings: findings}
	for _, f := range findings {
		if f.Severity.Rank() >= failOn.Rank() {
			v.Failing++
		}
	}
	return v
}

// Passed reports whether no finding fails the gate.
func (v Verdict) Passed() bool { return v.Failing == 0 }

// Counts counts the findings by severity.
func (v Verdict) Counts() map[result.Severity]int {
	counts := map[result.Severity]int{}
	for _, f := range v.Findings {
		counts[f.Severity]++
	}
	return counts
}

// Summary is the verdict in one line, as golden lint-gate prints it and
// every lint stage records it:
// "golangci-lint: 5 findings (3 HIGH, 1 MEDIUM, 1 LOW), 5 at or above LOW".
func (v Verdict) Summary() string {
	if len(v.Findings) == 0 {
		return fmt.Sprintf("%s: no findings", v.Tool)
	}
	counts := v.Counts()
	var parts []string
	for _, s := range result.Severities {
		if n := counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	noun := "findings"
	if len(v.Findings) == 1 {
		noun = "finding"
	}
	return fmt.Sprintf("%s: %d %s (%s), %d at or above %s", v.Tool, len(v.Findings), noun, strings.Join(parts, ", "), v.Failing, v.FailOn)
}

// Failure says why the gate failed ("3 of 5 findings at or above HIGH");
// "" when it passed.
func (v Verdict) Failure() string {
	if v.Passed() {
		return ""
	}
	return fmt.Sprintf("%d of %d findings at or above %s", v.Failing, len(v.Findings), v.FailOn)
}

// Stage is the verdict as the stage name of a run.
func (v Verdict) Stage(name string) result.Stage {
	st := result.Stage{Name: name, Tool: string(v.Tool), Status: result.Passed, Summary: v.Summary(), Findings: v.Findings}
	if !v.Passed() {
		st.Status, st.Error = result.Failed, v.Failure()
	}
	return st
}
