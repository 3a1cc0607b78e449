package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

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

// xmlHeader starts every XML report.
const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// xmlSafe replaces what XML 1.0 cannot hold (control characters such as
// the ESC of ANSI colours, invalid UTF-8) with U+FFFD. encoding/xml does
// this for attributes and escaped text, but not for CDATA.
func xmlSafe(s string) string {
	ok := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || !xmlChar(r) {
			ok = false
			break
		}
		i += n
	}
	if ok {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if (r == utf8.RuneError && n == 1) || !xmlChar(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}

// xmlChar is the Char production of XML 1.0.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// render redacts run, renders it into a buffer and writes the buffer.
func render(w io.Writer, run *result.Run, opts Options, f func(*bytes.Buffer, *result.Run, Options) error) error {
	var buf bytes.Buffer
	if err := f(&buf, prepare(run, NewRedactor(opts.Secrets...)), opts); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

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

// firstLine is the first non-blank line of s, at most n runes.
func firstLine(s string, n int) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return truncate(l, n)
		}
	}
	return ""
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
		return truncate(l, n)
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
		msg := firstLine(s.Summary, 200)
		if msg == "" {
			msg = firstLine(s.Error, 200)
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
			fmt.Fprintf(&b, "  %s %s%s: %s\n", severityOf(f), loc, checkName(f), oneLine(FindingText(f)))
		}
		if len(fs) > shown {
			b.WriteString("  " + more(len(fs)-shown, "findings") + "\n")
		}
	}
	return b.String()
}

// writeXML writes the header and the indented document.
func writeXML(buf *bytes.Buffer, doc any) error {
	buf.WriteString(xmlHeader)
	enc := xml.NewEncoder(buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encoding XML: %w", err)
	}
	buf.WriteString("\n")
	return nil
}

// cobertura is the Cobertura XML document (coverage-04.dtd).
type cobertura struct {
	XMLName         xml.Name       `xml:"coverage"`
	LineRate        string         `xml:"line-rate,attr"`
	BranchRate      string         `xml:"branch-rate,attr"`
	LinesCovered    int            `xml:"lines-covered,attr"`
	LinesValid      int            `xml:"lines-valid,attr"`
	BranchesCovered int            `xml:"branches-covered,attr"`
	BranchesValid   int            `xml:"branches-valid,attr"`
	Complexity      string         `xml:"complexity,attr"`
	Version         string         `xml:"version,attr"`
	Timestamp       int64          `xml:"timestamp,attr"`
	Sources         []string       `xml:"sources>source"`
	Packages        []coberturaPkg `xml:"packages>package"`
}

type coberturaPkg struct {
	Name       string           `xml:"name,attr"`
	LineRate   string           `xml:"line-rate,attr"`
	BranchRate string           `xml:"branch-rate,attr"`
	Complexity string           `xml:"complexity,attr"`
	Classes    []coberturaClass `xml:"classes>class"`
}

type coberturaClass struct {
	Name       string          `xml:"name,attr"`
	Filename   string          `xml:"filename,attr"`
	LineRate   string          `xml:"line-rate,attr"`
	BranchRate string          `xml:"branch-rate,attr"`
	Complexity string          `xml:"complexity,attr"`
	Methods    struct{}        `xml:"methods"`
	Lines      []coberturaLine `xml:"lines>line"`
}

type coberturaLine struct {
	Number int    `xml:"number,attr"`
	Hits   int    `xml:"hits,attr"`
	Branch string `xml:"branch,attr"`
}

// coberturaDoctype names the DTD the report follows.
const coberturaDoctype = `<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">` + "\n"

// rate is covered/valid as Cobertura writes it (0 when nothing is valid),
// with enough digits to read the exact float back.
func rate(covered, valid int) string {
	if valid == 0 {
		return "0"
	}
	return strconv.FormatFloat(float64(covered)/float64(valid), 'f', -1, 64)
}

// Cobertura writes the line coverage of run.Coverage.Files as Cobertura XML
// for GitLab's coverage visualisation (artifacts:reports:coverage_report
// with coverage_format: cobertura). GitLab matches a class's filename
// against the repository, so file names are relative to the project root,
// which is the one <source> (opts.Source; GitLab CI: $CI_PROJECT_DIR):
// absolute paths below opts.Source are made relative to it and import
// paths of opts.ModulePath lose the module prefix. Each file is a class,
// grouped into packages by FileCoverage.Package (or the file's directory);
// a line listed twice counts with its highest hits. line-rate is covered
// lines / valid lines. Without coverage the report has no packages.
func Cobertura(w io.Writer, run *result.Run, opts Options) error {
	return render(w, run, opts, coberturaXML)
}

func coberturaXML(buf *bytes.Buffer, run *result.Run, opts Options) error {
	source := opts.Source
	if source == "" {
		source = "."
	}
	doc := cobertura{BranchRate: "0", Complexity: "0", Version: "golden", Sources: []string{source}}
	switch {
	case !run.UpdatedAt.IsZero():
		doc.Timestamp = run.UpdatedAt.UnixMilli()
	case !run.StartedAt.IsZero():
		doc.Timestamp = run.StartedAt.UnixMilli()
	}

	type file struct {
		pkg   string
		lines map[int]int
	}
	files := map[string]*file{}
	if run.Coverage != nil {
		for _, fc := range run.Coverage.Files {
			name := coberturaPath(fc.Path, opts)
			if name == "" {
				continue
			}
			f := files[name]
			if f == nil {
				pkg := fc.Package
				if pkg == "" {
					pkg = path.Dir(name)
				}
				f = &file{pkg: pkg, lines: map[int]int{}}
				files[name] = f
			}
			for _, l := range fc.Lines {
				if l.Line <= 0 {
					continue
				}
				hits := max(l.Hits, 0)
				if old, ok := f.lines[l.Line]; !ok || hits > old {
					f.lines[l.Line] = hits
				}
			}
		}
	}

	type pkgAcc struct {
		classes        []coberturaClass
		covered, valid int
	}
	pkgs := map[string]*pkgAcc{}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f := files[n]
		nums := make([]int, 0, len(f.lines))
		for l := range f.lines {
			nums = append(nums, l)
		}
		sort.Ints(nums)
		c := coberturaClass{Name: xmlSafe(n), Filename: xmlSafe(n), BranchRate: "0", Complexity: "0"}
		covered := 0
		for _, l := range nums {
			h := f.lines[l]
			if h > 0 {
				covered++
			}
			c.Lines = append(c.Lines, coberturaLine{Number: l, Hits: h, Branch: "false"})
		}
		c.LineRate = rate(covered, len(nums))
		p := pkgs[f.pkg]
		if p == nil {
			p = &pkgAcc{}
			pkgs[f.pkg] = p
		}
		p.classes = append(p.classes, c)
		p.covered += covered
		p.valid += len(nums)
		doc.LinesCovered += covered
		doc.LinesValid += len(nums)
	}
	pkgNames := make([]string, 0, len(pkgs))
	for n := range pkgs {
		pkgNames = append(pkgNames, n)
	}
	sort.Strings(pkgNames)
	for _, n := range pkgNames {
		p := pkgs[n]
		doc.Packages = append(doc.Packages, coberturaPkg{
			Name: xmlSafe(n), LineRate: rate(p.covered, p.valid), BranchRate: "0", Complexity: "0", Classes: p.classes,
		})
	}
	doc.LineRate = rate(doc.LinesCovered, doc.LinesValid)

	buf.WriteString(xmlHeader)
	buf.WriteString(coberturaDoctype)
	enc := xml.NewEncoder(buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encoding Cobertura XML: %w", err)
	}
	buf.WriteString("\n")
	return nil
}

// coberturaPath names a coverage file relative to the project root.
func coberturaPath(p string, opts Options) string {
	p = strings.ReplaceAll(p, `\`, "/")
	if p == "" {
		return ""
	}
	if src := filepath.ToSlash(opts.Source); path.IsAbs(p) && path.IsAbs(src) {
		if rel, ok := strings.CutPrefix(p, strings.TrimSuffix(src, "/")+"/"); ok {
			p = rel
		}
	}
	if m := opts.ModulePath; m != "" {
		if rel, ok := strings.CutPrefix(p, m+"/"); ok {
			p = rel
		}
	}
	p = path.Clean(p)
	if !path.IsAbs(p) {
		p = strings.TrimPrefix(p, "./")
	}
	return p
}

// codeQualityIssue is one issue of a GitLab Code Quality report, the
// subset of the Code Climate issue format GitLab reads.
type codeQualityIssue struct {
	Type        string              `json:"type"`
	CheckName   string              `json:"check_name"`
	Description string              `json:"description"`
	Categories  []string            `json:"categories"`
	Severity    string              `json:"severity"`
	Fingerprint string              `json:"fingerprint"`
	Location    codeQualityLocation `json:"location"`
}

type codeQualityLocation struct {
	Path  string           `json:"path"`
	Lines codeQualityLines `json:"lines"`
}

type codeQualityLines struct {
	Begin int `json:"begin"`
	End   int `json:"end,omitempty"`
}

// CodeQualitySeverity maps a severity onto GitLab Code Quality's scale:
// CRITICAL is blocker, HIGH critical, MEDIUM major, LOW minor and UNKNOWN
// info.
func CodeQualitySeverity(s result.Severity) string {
	switch s {
	case result.Critical:
		return "blocker"
	case result.High:
		return "critical"
	case result.Medium:
		return "major"
	case result.Low:
		return "minor"
	}
	return "info"
}

// Fingerprint identifies a finding across runs for GitLab Code Quality:
// the first 32 hex digits of the SHA-256 of its tool, rule, file, line and
// message.
func Fingerprint(f result.Finding) string {
	h := sha256.New()
	for _, part := range []string{f.Tool, f.RuleID, f.File, strconv.Itoa(f.Line), f.Message} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// CodeQuality writes the run's findings as a GitLab Code Quality report
// (artifacts:reports:codequality), most severe first: description (the
// message, with package and versions for a vulnerable dependency),
// check_name ("tool/rule"), fingerprint (see Fingerprint; findings with the
// same fingerprint are written once), severity (see CodeQualitySeverity),
// location.path (the file, "." when the finding names none) and
// location.lines.begin (the line, 1 when unknown). Lint findings are in
// category "Style", the others in "Security". No findings write [].
func CodeQuality(w io.Writer, run *result.Run, opts Options) error {
	return render(w, run, opts, codeQuality)
}

func codeQuality(buf *bytes.Buffer, run *result.Run, _ Options) error {
	issues := []codeQualityIssue{}
	seen := map[string]bool{}
	for _, f := range run.Findings() {
		fp := Fingerprint(f)
		if seen[fp] {
			continue
		}
		seen[fp] = true
		category := "Security"
		if f.Kind == result.KindLint {
			category = "Style"
		}
		p := strings.TrimPrefix(path.Clean(strings.ReplaceAll(f.File, `\`, "/")), "./")
		if f.File == "" {
			p = "."
		}
		line := max(f.Line, 1)
		end := 0
		if f.EndLine > line {
			end = f.EndLine
		}
		desc := FindingText(f)
		if desc == "" {
			desc = checkName(f)
		}
		issues = append(issues, codeQualityIssue{
			Type:        "issue",
			CheckName:   checkName(f),
			Description: desc,
			Categories:  []string{category},
			Severity:    CodeQualitySeverity(severityOf(f)),
			Fingerprint: fp,
			Location:    codeQualityLocation{Path: p, Lines: codeQualityLines{Begin: line, End: end}},
		})
	}
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(issues); err != nil {
		return fmt.Errorf("encoding Code Quality JSON: %w", err)
	}
	return nil
}

// GitLab's default limits of a dotenv report.
const (
	dotenvMaxVariables = 20
	dotenvMaxBytes     = 5 * 1024
)

// DotenvKey is the dotenv variable of an output: GOLDEN_ and the key in
// upper case with every character other than a letter, digit or '_'
// replaced by '_' (coverage is GOLDEN_COVERAGE, image-ref GOLDEN_IMAGE_REF).
func DotenvKey(key string) string {
	var b strings.Builder
	b.WriteString("GOLDEN_")
	for _, r := range strings.ToUpper(key) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// DotenvVars returns the variables of the dotenv report: the outputs of
// the run (see Outputs) named by DotenvKey, in the order of Outputs, with
// values on one line (GitLab's dotenv has no multi-line values; line breaks
// become spaces) and trimmed (GitLab strips them). Outputs with an empty
// value are left out, and of two outputs that map to the same variable the
// first (in key order) is kept; skipped says which outputs were left out
// and why.
func DotenvVars(run *result.Run) (vars []Output, skipped []string) {
	seen := map[string]string{}
	for _, o := range Outputs(run) {
		k := DotenvKey(o.Key)
		v := oneLine(o.Value)
		if v == "" {
			skipped = append(skipped, fmt.Sprintf("output %q not in the dotenv report: empty value", o.Key))
			continue
		}
		if first, dup := seen[k]; dup {
			skipped = append(skipped, fmt.Sprintf("output %q not in the dotenv report: %s is already output %q", o.Key, k, first))
			continue
		}
		seen[k] = o.Key
		vars = append(vars, Output{Key: k, Value: v})
	}
	return vars, skipped
}

// Dotenv writes the dotenv report (artifacts:reports:dotenv): one
// KEY=value line per variable of DotenvVars, without blank lines, comments
// or quotes, which GitLab does not support. GitLab expands $VAR references
// in dotenv values and by default accepts at most 20 variables and 5 KB.
func Dotenv(w io.Writer, run *result.Run, opts Options) error {
	return render(w, run, opts, func(buf *bytes.Buffer, run *result.Run, _ Options) error {
		vars, _ := DotenvVars(run)
		writeDotenv(buf, vars)
		return nil
	})
}

func writeDotenv(buf *bytes.Buffer, vars []Output) {
	for _, v := range vars {
		buf.WriteString(v.Key + "=" + v.Value + "\n")
	}
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
