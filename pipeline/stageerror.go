package pipeline

import (
	"fmt"
	"strings"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/report"
	"github.com/goldenci/golden/result"
)

// maxNamed is how many failed tests and findings a stage error names.
const maxNamed = 20

// StageError turns a stage's verdict into an error, for callers (such as a
// Dagger module's checks) that fail on a failed gate: nil when the stage
// passed or was skipped, a gate error (exit 1) when it failed, and an
// infrastructure error (exit 3) when it errored. The message is the
// stage's error, else its summary, followed by what failed, as the CLI
// gates print it: the failed tests (package, name) and the findings, most
// severe first (severity, rule, file:line, package and versions), up to
// 20 of each.
func StageError(s result.Stage) error {
	msg := s.Error
	if msg == "" {
		msg = s.Summary
	}
	switch s.Status {
	case result.Passed, result.Skipped:
		return nil
	case result.Failed:
		return exitcode.Gatef("%s failed: %s%s", s.Name, msg, failures(s))
	}
	return exitcode.Infraf("%s errored: %s", s.Name, msg)
}

// failures lists a failed stage's failed tests and findings, a line each.
func failures(s result.Stage) string {
	var b strings.Builder
	named := 0
	var failed []result.TestCase
	for _, tc := range s.Tests {
		if tc.Status == result.Failed {
			failed = append(failed, tc)
		}
	}
	for _, tc := range failed {
		if named == maxNamed {
			fmt.Fprintf(&b, "\n  ... and %d more failed tests", len(failed)-named)
			break
		}
		fmt.Fprintf(&b, "\n  FAIL %s %s", tc.Suite, tc.Name)
		named++
	}
	fs := append([]result.Finding(nil), s.Findings...)
	result.SortFindings(fs)
	for i, f := range fs {
		if i == maxNamed {
			fmt.Fprintf(&b, "\n  ... and %d more findings", len(fs)-i)
			break
		}
		b.WriteString("\n  " + FindingLine(f))
	}
	return b.String()
}

// FindingLine is a finding in one line: severity, rule, location, and
// its description as every report writes it (report.FindingText: the
// message, and the vulnerable package and versions when it does not name
// them), first line only.
func FindingLine(f result.Finding) string {
	parts := []string{string(f.Severity), f.RuleID}
	if loc := f.Location(); loc != "" {
		parts = append(parts, loc)
	}
	line := strings.Join(parts, " ")
	if msg := strings.TrimSpace(strings.SplitN(report.FindingText(f), "\n", 2)[0]); msg != "" {
		line += ": " + msg
	}
	return line
}
