package report

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/goldenci/golden/internal/text"
	"github.com/goldenci/golden/result"
)

// statusEmoji marks a status in the job summary.
func statusEmoji(s result.Status) string {
	switch s {
	case result.Passed:
		return "✅"
	case result.Failed:
		return "❌"
	case result.Skipped:
		return "⏭️"
	}
	return "💥"
}

// severityEmoji marks a severity in the job summary.
func severityEmoji(s result.Severity) string {
	switch s {
	case result.Critical:
		return "🔴"
	case result.High:
		return "🟠"
	case result.Medium:
		return "🟡"
	case result.Low:
		return "🔵"
	}
	return "⚪"
}

// Limits of the texts in a summary.
const (
	cellRunes        = 200  // one table cell
	outputLines      = 30   // a failed test's output
	outputBytes      = 4000 // a failed test's output
	annotationBytes  = 4000 // an annotation's message
	annotationOutput = 20   // lines of test output in an annotation
)

// GitHubSummary writes the Markdown job summary of run (for
// $GITHUB_STEP_SUMMARY): the run's status, a table of the stages with
// status, duration and summary, coverage (total, patch and the lowest
// covered packages), the image, findings counted by kind and severity with
// the most severe listed, failed tests with their output, and the outputs.
// Lists are capped at opts.MaxItems.
func GitHubSummary(w io.Writer, run *result.Run, opts Options) error {
	red := NewRedactor(opts.Secrets...)
	_, err := w.Write(red.Bytes([]byte(githubSummary(prepare(run, red), opts))))
	return err
}

func githubSummary(run *result.Run, opts Options) string {
	var b strings.Builder
	limit := opts.maxItems()
	githubHeader(&b, run)
	githubStages(&b, run)
	githubCoverage(&b, run, limit)
	githubImage(&b, run)
	githubFindings(&b, run, limit)
	githubTests(&b, run, limit)
	githubOutputs(&b, run)
	return b.String()
}

// githubHeader is the run's status and source.
func githubHeader(b *strings.Builder, run *result.Run) {
	status := run.Status()
	fmt.Fprintf(b, "## %s golden: %s\n\n", statusEmoji(status), statusText(status))
	if parts := sourceParts(run.Source, mdCode); len(parts) > 0 {
		parts[0] = strings.ToUpper(parts[0][:1]) + parts[0][1:]
		b.WriteString(strings.Join(parts, ", ") + "\n\n")
	}
}

// githubStages is the table of stages.
func githubStages(b *strings.Builder, run *result.Run) {
	if len(run.Stages) == 0 {
		b.WriteString("No stages were recorded.\n\n")
	} else {
		b.WriteString("| Stage | Status | Duration | Summary |\n| --- | --- | ---: | --- |\n")
		for _, s := range run.Stages {
			summary := mdText(s.Summary, cellRunes)
			if s.Error != "" && s.Status != result.Passed {
				if summary != "" {
					summary += "<br>"
				}
				summary += "**Error:** " + mdText(s.Error, cellRunes)
			}
			fmt.Fprintf(b, "| %s | %s %s | %s | %s |\n", mdText(s.Name, cellRunes), statusEmoji(s.Status),
				statusText(s.Status), formatDuration(s.Seconds), summary)
		}
		b.WriteString("\n")
	}
}

// githubCoverage is the coverage, the patch and the lowest packages.
func githubCoverage(b *strings.Builder, run *result.Run, limit int) {
	if c := run.Coverage; c != nil {
		b.WriteString("### Coverage\n\n")
		fmt.Fprintf(b, "**%s** of statements (%d of %d covered)\n\n", formatPercent(c.Percent), c.Covered, c.Statements)
		if p := c.Patch; p != nil {
			if p.Lines == 0 {
				fmt.Fprintf(b, "Patch coverage against %s: n/a (no changed line holds statements)\n\n", mdCode(p.Base))
			} else {
				fmt.Fprintf(b, "Patch coverage against %s: **%s** (%d of %d changed lines covered)\n\n",
					mdCode(p.Base), formatPercent(p.Percent), p.Covered, p.Lines)
			}
		}
		if pkgs := lowestPackages(c); len(pkgs) > 0 {
			shown := min(len(pkgs), limit)
			fmt.Fprintf(b, "Lowest covered packages (%d of %d):\n\n", shown, len(pkgs))
			b.WriteString("| Package | Coverage | Statements |\n| --- | ---: | ---: |\n")
			for _, p := range pkgs[:shown] {
				fmt.Fprintf(b, "| %s | %s | %d of %d |\n", mdCode(p.Package), formatPercent(p.Percent), p.Covered, p.Statements)
			}
			if len(pkgs) > shown {
				b.WriteString("\n" + more(len(pkgs)-shown, "packages") + "\n")
			}
			b.WriteString("\n")
		}
	}
}

// githubImage is the image and its tags.
func githubImage(b *strings.Builder, run *result.Run) {
	if img := run.Image; img != nil && img.Name != "" {
		b.WriteString("### Image\n\n")
		b.WriteString(mdCode(img.Ref()) + "\n\n")
		if len(img.Tags) > 0 {
			tags := make([]string, len(img.Tags))
			for i, t := range img.Tags {
				tags[i] = mdCode(t)
			}
			b.WriteString("Tags: " + strings.Join(tags, ", ") + "\n\n")
		}
	}
}

// githubFindings counts the findings by kind and severity and lists the most severe.
func githubFindings(b *strings.Builder, run *result.Run, limit int) {
	if findings := run.Findings(); len(findings) > 0 {
		c := countFindings(findings)
		b.WriteString("### Findings\n\n")
		b.WriteString("| Kind |")
		for _, s := range result.Severities {
			fmt.Fprintf(b, " %s %s |", severityEmoji(s), s)
		}
		b.WriteString(" Total |\n| --- |" + strings.Repeat(" ---: |", len(result.Severities)+1) + "\n")
		for _, k := range c.kinds {
			fmt.Fprintf(b, "| %s |", mdText(string(k), cellRunes))
			n := 0
			for _, s := range result.Severities {
				fmt.Fprintf(b, " %d |", c.counts[k][s])
				n += c.counts[k][s]
			}
			fmt.Fprintf(b, " %d |\n", n)
		}
		b.WriteString("| **Total** |")
		for _, s := range result.Severities {
			fmt.Fprintf(b, " **%d** |", c.total[s])
		}
		fmt.Fprintf(b, " **%d** |\n\n", c.all)

		shown := min(len(findings), limit)
		fmt.Fprintf(b, "Most severe findings (%d of %d):\n\n", shown, len(findings))
		b.WriteString("| Severity | Check | Location | Message |\n| --- | --- | --- | --- |\n")
		for _, f := range findings[:shown] {
			s := severityOf(f)
			fmt.Fprintf(b, "| %s %s | %s | %s | %s |\n", severityEmoji(s), s, mdCode(checkName(f)), mdCode(f.Location()), mdText(FindingText(f), cellRunes))
		}
		if len(findings) > shown {
			b.WriteString("\n" + more(len(findings)-shown, "findings") + "\n")
		}
		b.WriteString("\n")
	}
}

// githubTests counts the tests and shows the failed ones, folded, with their output.
func githubTests(b *strings.Builder, run *result.Run, limit int) {
	if tc := countTests(run); tc.total > 0 {
		b.WriteString("### Tests\n\n")
		fmt.Fprintf(b, "%d tests: %d passed, %d failed, %d skipped\n\n", tc.total, tc.passed, tc.failed, tc.skipped)
		failed := failedTests(run)
		shown := min(len(failed), limit)
		for _, ft := range failed[:shown] {
			t := ft.test
			fmt.Fprintf(b, "<details><summary>%s <code>%s</code> %s (%s)</summary>\n\n", statusEmoji(t.Status),
				htmlText(t.Suite, cellRunes), htmlText(t.Name, cellRunes), formatDuration(t.Seconds))
			out, cut := headLines(t.Output, outputLines, outputBytes)
			if out == "" {
				out = "(no output)"
			}
			if cut {
				out += "\n[output truncated]"
			}
			b.WriteString(mdBlock(out))
			b.WriteString("\n</details>\n\n")
		}
		if len(failed) > shown {
			b.WriteString(more(len(failed)-shown, "failed tests") + "\n\n")
		}
	}
}

// githubOutputs lists the recorded outputs.
func githubOutputs(b *strings.Builder, run *result.Run) {
	if outs := Outputs(run); len(outs) > 0 {
		b.WriteString("### Outputs\n\n| Output | Value |\n| --- | --- |\n")
		for _, o := range outs {
			fmt.Fprintf(b, "| %s | %s |\n", mdCode(o.Key), mdCode(text.Truncate(o.Value, cellRunes)))
		}
		b.WriteString("\n")
	}
}

// Level is the level of a GitHub annotation.
type Level string

// The annotation levels, most severe first.
const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelNotice  Level = "notice"
)

func (l Level) rank() int {
	switch l {
	case LevelError:
		return 0
	case LevelWarning:
		return 1
	}
	return 2
}

// Annotation is one GitHub workflow annotation
// (::error file=F,line=L,col=C,title=T::message).
type Annotation struct {
	Level   Level
	File    string // empty: not tied to a file
	Line    int
	EndLine int
	Column  int
	Title   string
	Message string
}

// fields are the annotation's properties for WithFieldsMap.
func (a Annotation) fields() map[string]string {
	m := map[string]string{}
	if a.Title != "" {
		m["title"] = a.Title
	}
	if a.File == "" {
		return m
	}
	m["file"] = a.File
	if a.Line > 0 {
		m["line"] = strconv.Itoa(a.Line)
		if a.EndLine > a.Line {
			m["endLine"] = strconv.Itoa(a.EndLine)
		}
		if a.Column > 0 {
			m["col"] = strconv.Itoa(a.Column)
		}
	}
	return m
}

// levelOf maps a severity to an annotation level: CRITICAL and HIGH are
// errors, MEDIUM warnings, LOW and UNKNOWN notices.
func levelOf(s result.Severity) Level {
	switch s {
	case result.Critical, result.High:
		return LevelError
	case result.Medium:
		return LevelWarning
	}
	return LevelNotice
}

// Annotations returns the annotations of a run, most severe first, and how
// many more there were beyond opts.MaxAnnotations:
//
//   - errors: failed and errored stages, CRITICAL and HIGH findings (most
//     severe first, as result.SortFindings orders them), failed tests;
//   - warnings: MEDIUM findings;
//   - notices: LOW and UNKNOWN findings.
//
// GitHub shows at most 10 annotations of each level per step and 50 per
// job, which is why the default cap is 50 and the most severe come first.
func Annotations(run *result.Run, opts Options) ([]Annotation, int) {
	var all []Annotation
	for _, s := range run.Stages {
		if s.Status != result.Failed && s.Status != result.Errored {
			continue
		}
		verb := "failed"
		if s.Status == result.Errored {
			verb = "errored"
		}
		msg := s.Summary
		if s.Error != "" {
			if msg != "" {
				msg += ": "
			}
			msg += s.Error
		}
		if msg == "" {
			msg = "stage " + s.Name + " " + verb
		}
		all = append(all, Annotation{Level: LevelError, Title: "stage " + s.Name + " " + verb, Message: capBytes(msg, annotationBytes)})
	}
	for _, f := range run.Findings() {
		s := severityOf(f)
		msg := FindingText(f)
		if f.URL != "" {
			msg += "\n" + f.URL
		}
		a := Annotation{
			Level:   levelOf(s),
			File:    f.File,
			Line:    f.Line,
			EndLine: f.EndLine,
			Column:  f.Column,
			Title:   fmt.Sprintf("%s (%s)", checkName(f), s),
			Message: capBytes(msg, annotationBytes),
		}
		all = append(all, a)
	}
	for _, ft := range failedTests(run) {
		t := ft.test
		name := t.Name
		if t.Suite != "" {
			name = t.Suite + " " + t.Name
		}
		msg := "test " + name + " " + statusText(t.Status)
		if out, cut := headLines(t.Output, annotationOutput, annotationBytes); out != "" {
			msg += "\n" + out
			if cut {
				msg += "\n[output truncated]"
			}
		}
		all = append(all, Annotation{Level: LevelError, Title: "test " + t.Name + " failed", Message: msg})
	}
	// Stable by level: within a level the order above holds.
	ordered := make([]Annotation, 0, len(all))
	for _, l := range []Level{LevelError, LevelWarning, LevelNotice} {
		for _, a := range all {
			if a.Level.rank() == l.rank() {
				ordered = append(ordered, a)
			}
		}
	}
	limit := opts.maxAnnotations()
	if len(ordered) > limit {
		return ordered[:limit], len(ordered) - limit
	}
	return ordered, 0
}

// capBytes shortens s to at most n bytes of valid UTF-8.
func capBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// GitHubResult says what GitHub wrote.
type GitHubResult struct {
	// Outputs are the step outputs written to $GITHUB_OUTPUT.
	Outputs []Output
	// Annotations is the number of annotations written; Omitted the
	// number left out by Options.MaxAnnotations.
	Annotations, Omitted int
	// Warnings are problems that did not stop the report (an unset
	// $GITHUB_OUTPUT, an output that cannot be written), for stderr.
	Warnings []string
}

// fileCommandDelimiter is the heredoc delimiter go-githubactions writes
// multi-line file command values with; a value containing it could forge
// further outputs, so such values are not written.
const fileCommandDelimiter = "_GitHubActionsFileCommandDelimeter_"

// outputKey is a valid step output name.
var outputKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// RenderGitHub renders run for GitHub Actions, in this order:
//
//  1. an ::add-mask:: command on w for every secret of opts.Secrets, before
//     anything else is written;
//  2. the step outputs (see Outputs) to the file $GITHUB_OUTPUT;
//  3. the job summary (see GitHubSummary) to the file $GITHUB_STEP_SUMMARY;
//  4. the annotations (see Annotations) on w, and a plain line saying how
//     many were left out (none when opts turns annotations off).
//
// getenv locates the files ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY); when one
// is unset that part is skipped with a warning. Secrets are redacted from
// everything but the ::add-mask:: commands. An error means a file could not
// be written.
func RenderGitHub(w io.Writer, getenv func(string) string, run *result.Run, opts Options) (res GitHubResult, err error) {
	red := NewRedactor(opts.Secrets...)
	// go-githubactions panics when it cannot write; turn that into an error.
	defer func() {
		if p := recover(); p != nil {
			if e, ok := p.(error); ok {
				err = fmt.Errorf("writing GitHub report: %w", e)
				return
			}
			err = fmt.Errorf("writing GitHub report: %v", p)
		}
	}()

	masks := githubactions.New(githubactions.WithWriter(w), githubactions.WithGetenv(getenv))
	for _, s := range red.Secrets() {
		masks.AddMask(s)
	}

	clean := prepare(run, red)
	var logs bytes.Buffer
	a := githubactions.New(githubactions.WithWriter(&logs), githubactions.WithGetenv(getenv))

	if getenv("GITHUB_OUTPUT") == "" {
		res.Warnings = append(res.Warnings, "GITHUB_OUTPUT is not set: step outputs not written")
	} else {
		for _, o := range Outputs(clean) {
			k, v := red.String(o.Key), red.String(o.Value)
			if !outputKey.MatchString(k) {
				res.Warnings = append(res.Warnings, fmt.Sprintf("output %q not written: a name may hold only letters, digits, '-' and '_'", k))
				continue
			}
			if strings.Contains(v, fileCommandDelimiter) {
				res.Warnings = append(res.Warnings, fmt.Sprintf("output %q not written: its value contains the file command delimiter", k))
				continue
			}
			a.SetOutput(k, v)
			res.Outputs = append(res.Outputs, Output{Key: k, Value: v})
		}
	}

	if getenv("GITHUB_STEP_SUMMARY") == "" {
		res.Warnings = append(res.Warnings, "GITHUB_STEP_SUMMARY is not set: job summary not written")
	} else {
		a.AddStepSummary(red.String(githubSummary(clean, opts)))
	}

	annotations, omitted := Annotations(clean, opts)
	for _, an := range annotations {
		an.Title, an.File, an.Message = red.String(an.Title), red.String(an.File), red.String(an.Message)
		issue := a.WithFieldsMap(an.fields())
		switch an.Level {
		case LevelError:
			issue.Errorf("%s", an.Message)
		case LevelWarning:
			issue.Warningf("%s", an.Message)
		default:
			issue.Noticef("%s", an.Message)
		}
	}
	res.Annotations, res.Omitted = len(annotations), omitted
	if omitted > 0 && opts.maxAnnotations() > 0 {
		a.Infof("golden: %d more annotations not shown (limit %d); see the job summary", omitted, opts.maxAnnotations())
	}
	// Every value in the commands was redacted before it was encoded:
	// redacting the commands again would mangle their syntax when a secret
	// is, say, "r" ("::e***o*** ...").
	if _, werr := w.Write(logs.Bytes()); werr != nil {
		return res, fmt.Errorf("writing GitHub annotations: %w", werr)
	}
	for i := range res.Warnings {
		res.Warnings[i] = red.String(res.Warnings[i])
	}
	return res, nil
}
