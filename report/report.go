// Package report renders a golden pipeline run (a *result.Run) for the
// place it runs in:
//
//   - GitHub Actions: step outputs, a Markdown job summary and workflow
//     annotations (RenderGitHub);
//   - GitLab CI: JUnit, Cobertura, Code Quality and dotenv reports plus a
//     coverage line for the job's coverage keyword (RenderGitLab);
//   - a terminal: a readable summary (Local).
//
// Every renderer is a plain function of the run that writes to an
// io.Writer (or, for the platform drivers, to files), and its output is
// deterministic: lists are sorted and capped, so the same run always renders
// to the same bytes. Secret values given in Options.Secrets are redacted
// from everything a renderer writes.
package report

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/goldenci/golden/coverage"
	"github.com/goldenci/golden/result"
)

// Platform is where a report is rendered for.
type Platform string

// The platforms golden renders for.
const (
	PlatformGitHub Platform = "github"
	PlatformGitLab Platform = "gitlab"
	PlatformLocal  Platform = "local"
)

// Platforms lists every platform.
var Platforms = []Platform{PlatformGitHub, PlatformGitLab, PlatformLocal}

// ParsePlatform reads a platform name.
func ParsePlatform(s string) (Platform, error) {
	p := Platform(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range Platforms {
		if p == known {
			return p, nil
		}
	}
	return "", fmt.Errorf("unknown platform %q (want github, gitlab or local)", s)
}

// DetectPlatform tells the platform from the environment:
// GITHUB_ACTIONS=true is GitHub Actions, GITLAB_CI=true is GitLab CI and
// anything else is a local terminal.
func DetectPlatform(getenv func(string) string) Platform {
	switch {
	case getenv("GITHUB_ACTIONS") == "true":
		return PlatformGitHub
	case getenv("GITLAB_CI") == "true":
		return PlatformGitLab
	}
	return PlatformLocal
}

// Defaults of Options.
const (
	// DefaultMaxItems caps every list of a summary (findings, failed
	// tests, packages).
	DefaultMaxItems = 10
	// DefaultMaxAnnotations caps the GitHub annotations of one report.
	// GitHub itself shows at most 10 annotations of each level (error,
	// warning, notice) per step and 50 per job (actions/toolkit,
	// docs/problem-matchers.md, "Limitations"); the rest stay in the log.
	DefaultMaxAnnotations = 50
)

// Options tune the renderers. The zero value renders with the defaults.
type Options struct {
	// MaxItems caps every list of a summary: findings, failed tests,
	// lowest-covered packages. The rest is counted as "... and N more".
	// 0 means DefaultMaxItems.
	MaxItems int
	// MaxAnnotations caps the GitHub annotations, most severe first.
	// 0 means DefaultMaxAnnotations; a negative value means none.
	MaxAnnotations int
	// Secrets are values that must not appear in any output: they are
	// redacted (replaced by "***") from every string a renderer writes,
	// and GitHub gets an ::add-mask:: command for each.
	Secrets []string
	// Source is the <source> directory of the Cobertura report, the
	// repository root the file names are relative to (GitLab CI:
	// $CI_PROJECT_DIR). Absolute coverage paths below it are made
	// relative to it. Empty means ".".
	Source string
	// ModulePath is the path of a Go module in the repository (from its
	// go.mod), and ModuleDir the module's directory relative to Source
	// ("" at the root). A coverage file named by import path
	// (module/pkg/file.go) is renamed relative to the repository root
	// (ModuleDir/pkg/file.go). An empty ModulePath leaves paths alone.
	ModulePath, ModuleDir string
}

func (o Options) maxItems() int {
	if o.MaxItems <= 0 {
		return DefaultMaxItems
	}
	return o.MaxItems
}

func (o Options) maxAnnotations() int {
	switch {
	case o.MaxAnnotations < 0:
		return 0
	case o.MaxAnnotations == 0:
		return DefaultMaxAnnotations
	}
	return o.MaxAnnotations
}

// Output is one value a run exposes to later CI steps or jobs.
type Output struct {
	Key   string
	Value string
}

// Outputs returns the outputs of a run, sorted by key:
//
//   - coverage: the total statement coverage in percent with one decimal
//     ("82.1"), when coverage was recorded;
//   - digest: the image digest, when an image with a digest was recorded;
//   - status: the run's status (passed, failed or error);
//   - every key of run.Outputs.
//
// A coverage or digest key in run.Outputs wins over the derived value (the
// command that recorded it knows best); status is always the run's status.
func Outputs(run *result.Run) []Output {
	values := map[string]string{}
	if run.Coverage != nil {
		values["coverage"] = formatFloat(run.Coverage.Percent, 1)
	}
	if run.Image != nil && run.Image.Digest != "" {
		values["digest"] = run.Image.Digest
	}
	for k, v := range run.Outputs {
		values[k] = v
	}
	values["status"] = string(run.Status())
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Output, 0, len(keys))
	for _, k := range keys {
		out = append(out, Output{Key: k, Value: values[k]})
	}
	return out
}

// FindingText is the one-line description of a finding: its message (or
// title) and, for a vulnerable dependency, the package and versions,
// unless the message already names them (package scan's messages read
// "CVE-… in pkg v1.2.3 (fixed in 1.2.4)"): each is said once.
func FindingText(f result.Finding) string {
	msg := f.Message
	if msg == "" {
		msg = f.Title
	}
	if f.Package != "" && !namesPackage(msg, f) {
		pkg := f.Package
		if f.InstalledVersion != "" {
			pkg += " " + f.InstalledVersion
		}
		if f.FixedVersion != "" {
			pkg += ", fixed in " + f.FixedVersion
		}
		if msg == "" {
			msg = pkg
		} else {
			msg += " (" + pkg + ")"
		}
	}
	return msg
}

// namesPackage reports whether msg already names f's package at its
// installed version, and its fixed version when there is one, each as
// words of their own ("golang.org/x/net" is not named by
// "golang.org/x/net/html", nor "v1.2.3" by "v1.2.30").
func namesPackage(msg string, f result.Finding) bool {
	pkg := f.Package
	if f.InstalledVersion != "" {
		pkg += " " + f.InstalledVersion
	}
	return containsWord(msg, pkg) && (f.FixedVersion == "" || containsWord(msg, f.FixedVersion))
}

// containsWord reports whether s contains w with neither a letter, digit
// nor one of "./-_@+" right before or after it.
func containsWord(s, w string) bool {
	if w == "" {
		return false
	}
	inWord := func(r rune) bool {
		return unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("./-_@+", r)
	}
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(w)
		before, _ := utf8.DecodeLastRuneInString(s[:start])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if (start == 0 || !inWord(before)) && (end == len(s) || !inWord(after)) {
			return true
		}
		i = start + 1
	}
}

// checkName is "tool/rule", or whichever of the two is known.
func checkName(f result.Finding) string {
	switch {
	case f.Tool == "":
		return f.RuleID
	case f.RuleID == "":
		return f.Tool
	}
	return f.Tool + "/" + f.RuleID
}

// severityOf returns a finding's severity, UNKNOWN for anything unrecognised.
func severityOf(f result.Finding) result.Severity {
	for _, s := range result.Severities {
		if f.Severity == s {
			return s
		}
	}
	return result.Unknown
}

// kindOrder lists the kinds of finding in the order summaries show them.
var kindOrder = []result.Kind{result.KindLint, result.KindVulnerability, result.KindSecret, result.KindMisconfiguration}

// findingCounts counts findings per kind and severity.
type findingCounts struct {
	kinds  []result.Kind // in display order, only those present
	counts map[result.Kind]map[result.Severity]int
	total  map[result.Severity]int
	all    int
}

func countFindings(fs []result.Finding) findingCounts {
	c := findingCounts{counts: map[result.Kind]map[result.Severity]int{}, total: map[result.Severity]int{}}
	for _, f := range fs {
		k := f.Kind
		if k == "" {
			k = "other"
		}
		if c.counts[k] == nil {
			c.counts[k] = map[result.Severity]int{}
		}
		s := severityOf(f)
		c.counts[k][s]++
		c.total[s]++
		c.all++
	}
	seen := map[result.Kind]bool{}
	for _, k := range kindOrder {
		if c.counts[k] != nil {
			c.kinds = append(c.kinds, k)
			seen[k] = true
		}
	}
	var rest []string
	for k := range c.counts {
		if !seen[k] {
			rest = append(rest, string(k))
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		c.kinds = append(c.kinds, result.Kind(k))
	}
	return c
}

// testCounts counts the test cases of a run by status.
type testCounts struct {
	total, passed, failed, skipped int
}

func countTests(run *result.Run) testCounts {
	var c testCounts
	for _, s := range run.Stages {
		for _, t := range s.Tests {
			c.total++
			switch t.Status {
			case result.Passed:
				c.passed++
			case result.Skipped:
				c.skipped++
			default:
				c.failed++
			}
		}
	}
	return c
}

// failedTest is a failed test with the stage it ran in.
type failedTest struct {
	stage string
	test  result.TestCase
}

// failedTests returns the tests that did not pass or skip, sorted by
// suite and name.
func failedTests(run *result.Run) []failedTest {
	var out []failedTest
	for _, s := range run.Stages {
		for _, t := range s.Tests {
			if t.Status != result.Passed && t.Status != result.Skipped {
				out = append(out, failedTest{stage: s.Name, test: t})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].test, out[j].test
		if a.Suite != b.Suite {
			return a.Suite < b.Suite
		}
		return a.Name < b.Name
	})
	return out
}

// lowestPackages returns the packages sorted by coverage, lowest first,
// then by name.
func lowestPackages(c *result.Coverage) []result.PackageCoverage {
	pkgs := append([]result.PackageCoverage(nil), c.Packages...)
	sort.SliceStable(pkgs, func(i, j int) bool {
		if pkgs[i].Percent != pkgs[j].Percent {
			return pkgs[i].Percent < pkgs[j].Percent
		}
		return pkgs[i].Package < pkgs[j].Package
	})
	return pkgs
}

// formatFloat formats f with prec decimals; NaN and infinities (which no
// sane run holds) render as "0".
func formatFloat(f float64, prec int) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		f = 0
	}
	return strconv.FormatFloat(f, 'f', prec, 64)
}

// formatPercent formats a percentage as everything golden writes does:
// "82.1%".
func formatPercent(p float64) string { return coverage.FormatPercent(p) }

// formatDuration renders seconds for people: "0.4s", "12.3s", "2m03s",
// "1h02m03s".
func formatDuration(sec float64) string {
	if math.IsNaN(sec) || sec < 0 || math.IsInf(sec, 0) {
		sec = 0
	}
	if sec < 60 {
		return formatFloat(sec, 1) + "s"
	}
	if sec > 1e9 {
		sec = 1e9
	}
	total := int64(math.Round(sec))
	h, m, s := total/3600, (total/60)%60, total%60
	if h > 0 {
		return fmt.Sprintf("%dh%02dm%02ds", h, m, s)
	}
	return fmt.Sprintf("%dm%02ds", m, s)
}

// statusText is the word for a stage or run status.
func statusText(s result.Status) string {
	switch s {
	case result.Passed, result.Failed, result.Skipped:
		return string(s)
	case result.Errored:
		return "error"
	}
	if s == "" {
		return "unknown"
	}
	return string(s)
}

// headLines returns the first n lines of s, at most max bytes, and
// whether anything was cut.
func headLines(s string, n, maxBytes int) (string, bool) {
	s = strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	cut := false
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines, cut = lines[:n], true
	}
	s = strings.Join(lines, "\n")
	if len(s) > maxBytes {
		s = strings.ToValidUTF8(s[:maxBytes], "")
		cut = true
	}
	return s, cut
}

// more is the "... and N more things" line of a capped list.
func more(n int, what string) string {
	return fmt.Sprintf("... and %d more %s", n, what)
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

// sourceParts names what the run built, "repository R", "branch B" and
// "commit C", each value through quote; none for an unknown source.
func sourceParts(src *result.Source, quote func(string) string) []string {
	if src == nil {
		return nil
	}
	var parts []string
	for _, p := range []struct{ what, v string }{{"repository", src.Repository}, {"branch", src.Branch}, {"commit", src.Commit}} {
		if p.v != "" {
			parts = append(parts, p.what+" "+quote(p.v))
		}
	}
	return parts
}
