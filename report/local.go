package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/goldenci/golden/internal/text"
	"github.com/goldenci/golden/result"
)

// localLines caps the output lines of a failed test in the terminal.
const localLines = 10

// localStatus is the fixed-width status word of the terminal summary.
func localStatus(s result.Status) string {
	switch s {
	case result.Passed:
		return "PASS"
	case result.Failed:
		return "FAIL"
	case result.Skipped:
		return "SKIP"
	}
	return "ERROR"
}

// termSafe keeps untrusted text from driving the terminal: control
// characters (ANSI escapes among them) become '?', and the text stays on
// one line.
func termSafe(s string) string { return termLine(text.OneLine(s)) }

// termLine replaces the control characters of one line, keeping its
// indentation.
func termLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' {
			return ' '
		}
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return '?'
		}
		return r
	}, s)
}

// row writes one line of tab-separated cells. The tabwriter writes into a
// bytes.Buffer, which cannot fail.
func row(tw *tabwriter.Writer, cells ...string) {
	_, _ = io.WriteString(tw, strings.Join(cells, "\t")+"\n")
}

// Local writes a readable terminal summary of run: its status, the stages
// with status, duration and summary (and the error of a stage that did not
// pass), coverage, the image, the most severe findings and the failed tests
// with the start of their output, then the outputs. Lists are capped at
// opts.MaxItems.
func Local(w io.Writer, run *result.Run, opts Options) error {
	red := NewRedactor(opts.Secrets...)
	var buf bytes.Buffer
	local(&buf, prepare(run, red), opts)
	_, err := w.Write(red.Bytes(buf.Bytes()))
	return err
}

func local(b *bytes.Buffer, run *result.Run, opts Options) {
	limit := opts.maxItems()
	localHeader(b, run)
	localStages(b, run)
	localCoverage(b, run, limit)
	localImage(b, run)
	localFindings(b, run, limit)
	localTests(b, run, limit)
	localOutputs(b, run)
}

// localHeader is the run's status and source.
func localHeader(b *bytes.Buffer, run *result.Run) {
	fmt.Fprintf(b, "golden: %s\n", strings.ToUpper(statusText(run.Status())))
	if parts := sourceParts(run.Source, termSafe); len(parts) > 0 {
		fmt.Fprintf(b, "  %s\n", strings.Join(parts, ", "))
	}
}

// localStages is the table of stages.
func localStages(b *bytes.Buffer, run *result.Run) {
	b.WriteString("\nStages:\n")
	if len(run.Stages) == 0 {
		b.WriteString("  none recorded\n")
	} else {
		tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
		for _, s := range run.Stages {
			summary, errText := text.Truncate(termSafe(s.Summary), 120), ""
			if s.Error != "" && s.Status != result.Passed {
				errText = "error: " + text.Truncate(termSafe(s.Error), 200)
				if summary == "" {
					summary, errText = errText, ""
				}
			}
			cells := []string{"  " + localStatus(s.Status), termSafe(s.Name), formatDuration(s.Seconds)}
			if summary != "" {
				cells = append(cells, summary)
			}
			row(tw, cells...)
			if errText != "" {
				row(tw, "  ", "", "", errText)
			}
		}
		_ = tw.Flush()
	}
}

// localCoverage is the coverage, the patch and the lowest packages.
func localCoverage(b *bytes.Buffer, run *result.Run, limit int) {
	if c := run.Coverage; c != nil {
		fmt.Fprintf(b, "\nCoverage: %s (%d of %d statements)\n", formatPercent(c.Percent), c.Covered, c.Statements)
		if p := c.Patch; p != nil {
			if p.Lines == 0 {
				fmt.Fprintf(b, "  patch against %s: n/a (no changed line holds statements)\n", termSafe(p.Base))
			} else {
				fmt.Fprintf(b, "  patch against %s: %s (%d of %d changed lines)\n", termSafe(p.Base), formatPercent(p.Percent), p.Covered, p.Lines)
			}
		}
		if pkgs := lowestPackages(c); len(pkgs) > 0 {
			shown := min(len(pkgs), limit)
			fmt.Fprintf(b, "  lowest covered packages (%d of %d):\n", shown, len(pkgs))
			for _, p := range pkgs[:shown] {
				fmt.Fprintf(b, "    %6s  %s (%d of %d)\n", formatPercent(p.Percent), termSafe(p.Package), p.Covered, p.Statements)
			}
			if len(pkgs) > shown {
				fmt.Fprintf(b, "    %s\n", more(len(pkgs)-shown, "packages"))
			}
		}
	}
}

// localImage is the image and its tags.
func localImage(b *bytes.Buffer, run *result.Run) {
	if img := run.Image; img != nil && img.Name != "" {
		fmt.Fprintf(b, "\nImage: %s\n", termSafe(img.Ref()))
		if len(img.Tags) > 0 {
			tags := make([]string, len(img.Tags))
			for i, t := range img.Tags {
				tags[i] = termSafe(t)
			}
			fmt.Fprintf(b, "  tags: %s\n", strings.Join(tags, ", "))
		}
	}
}

// localFindings counts the findings and lists the most severe.
func localFindings(b *bytes.Buffer, run *result.Run, limit int) {
	if findings := run.Findings(); len(findings) > 0 {
		c := countFindings(findings)
		var counts []string
		for _, s := range result.Severities {
			if c.total[s] > 0 {
				counts = append(counts, fmt.Sprintf("%s %d", s, c.total[s]))
			}
		}
		fmt.Fprintf(b, "\nFindings: %d (%s)\n", c.all, strings.Join(counts, ", "))
		shown := min(len(findings), limit)
		tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
		for _, f := range findings[:shown] {
			loc := termSafe(f.Location())
			if loc == "" {
				loc = "-"
			}
			row(tw, "  "+string(severityOf(f)), termSafe(checkName(f)), loc, text.Truncate(termSafe(FindingText(f)), 120))
		}
		_ = tw.Flush()
		if len(findings) > shown {
			fmt.Fprintf(b, "  %s\n", more(len(findings)-shown, "findings"))
		}
	}
}

// localTests counts the tests and shows the failed ones with their output.
func localTests(b *bytes.Buffer, run *result.Run, limit int) {
	if tc := countTests(run); tc.total > 0 {
		fmt.Fprintf(b, "\nTests: %d (%d passed, %d failed, %d skipped)\n", tc.total, tc.passed, tc.failed, tc.skipped)
		failed := failedTests(run)
		shown := min(len(failed), limit)
		for _, ft := range failed[:shown] {
			t := ft.test
			fmt.Fprintf(b, "  %s %s %s (%s)\n", localStatus(t.Status), termSafe(t.Suite), termSafe(t.Name), formatDuration(t.Seconds))
			out, cut := headLines(t.Output, localLines, outputBytes)
			if out != "" {
				for _, l := range strings.Split(out, "\n") {
					fmt.Fprintf(b, "      %s\n", termLine(strings.TrimRight(l, " \t\r")))
				}
			}
			if cut {
				b.WriteString("      [output truncated]\n")
			}
		}
		if len(failed) > shown {
			fmt.Fprintf(b, "  %s\n", more(len(failed)-shown, "failed tests"))
		}
	}
}

// localOutputs lists the recorded outputs.
func localOutputs(b *bytes.Buffer, run *result.Run) {
	if outs := Outputs(run); len(outs) > 0 {
		b.WriteString("\nOutputs:\n")
		tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
		for _, o := range outs {
			row(tw, "  "+termSafe(o.Key), text.Truncate(termSafe(o.Value), 200))
		}
		_ = tw.Flush()
	}
}
