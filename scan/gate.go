package scan

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/goldenci/golden/result"
)

// DefaultSeverities are the severities that fail the gate unless told
// otherwise.
var DefaultSeverities = []result.Severity{result.High, result.Critical}

// Kinds are the kinds of finding a scan reports, in display order.
var Kinds = []result.Kind{result.KindVulnerability, result.KindSecret, result.KindMisconfiguration}

// ParseSeverities reads a comma-separated severity list such as
// "HIGH,CRITICAL" (case-insensitive, spaces allowed). It returns the
// distinct severities, most severe first.
func ParseSeverities(s string) ([]result.Severity, error) {
	seen := map[result.Severity]bool{}
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		sev, err := result.ParseSeverity(part)
		if err != nil {
			return nil, err
		}
		seen[sev] = true
	}
	if len(seen) == 0 {
		return nil, fmt.Errorf("no severity in %q (want a comma list of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN)", s)
	}
	var out []result.Severity
	for _, sev := range result.Severities {
		if seen[sev] {
			out = append(out, sev)
		}
	}
	return out, nil
}

// Policy is what fails the gate.
type Policy struct {
	// Severities fail the gate; nil means DefaultSeverities.
	Severities []result.Severity
	// IgnoreUnfixed leaves out the vulnerabilities Trivy's
	// --ignore-unfixed leaves out (Finding.Unfixed: every status but
	// fixed), of every severity: they are in no count and fail nothing,
	// and Outcome.Unfixed lists them apart. The counts are then Trivy's
	// own with the flag.
	IgnoreUnfixed bool
	// Ignore drops the findings it matches (nil ignores nothing).
	Ignore *IgnoreList
	// Now decides which ignore entries have expired.
	Now time.Time
}

// Counts holds a number per severity.
type Counts map[result.Severity]int

// Total is the sum over all severities.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// Ignored is a finding dropped by an ignore entry.
type Ignored struct {
	Finding Finding
	Entry   IgnoreEntry
}

// Outcome is the result of gating findings.
type Outcome struct {
	// Findings are the findings that remain after the ignore list,
	// sorted most severe first.
	Findings []Finding
	// Counts counts Findings by severity; every severity has a key.
	Counts Counts
	// ByKind counts Findings by kind and severity; every kind of Kinds
	// and every severity has a key.
	ByKind map[result.Kind]Counts
	// Failed are the findings that fail the gate, sorted like Findings.
	Failed []Finding
	// Ignored are the findings an ignore entry dropped.
	Ignored []Ignored
	// Unfixed are the vulnerabilities Policy.IgnoreUnfixed left out,
	// sorted like Findings; none are in Findings, the counts or Failed.
	Unfixed []Finding
	// UnfixedCounts counts Unfixed by severity; every severity has a key.
	UnfixedCounts Counts
	// Passed is true when nothing failed.
	Passed bool
	// Severities are the severities that fail the gate (the policy's, or
	// DefaultSeverities).
	Severities []result.Severity
}

// Evaluate applies the ignore list to findings, counts what remains
// and decides the gate.
func Evaluate(findings []Finding, p Policy) Outcome {
	sevs := p.Severities
	if len(sevs) == 0 {
		sevs = DefaultSeverities
	}
	failing := map[result.Severity]bool{}
	for _, s := range sevs {
		failing[s] = true
	}
	o := Outcome{Counts: newCounts(), ByKind: map[result.Kind]Counts{}, UnfixedCounts: newCounts(), Severities: sevs}
	for _, k := range Kinds {
		o.ByKind[k] = newCounts()
	}
	for _, f := range findings {
		// Trivy filters by status before it applies the ignore file.
		if p.IgnoreUnfixed && f.Unfixed() {
			o.Unfixed = append(o.Unfixed, f)
			o.UnfixedCounts[f.Severity]++
			continue
		}
		if e := p.Ignore.Match(f, p.Now); e != nil {
			o.Ignored = append(o.Ignored, Ignored{Finding: f, Entry: *e})
			continue
		}
		o.Findings = append(o.Findings, f)
		o.Counts[f.Severity]++
		if o.ByKind[f.Kind] == nil {
			o.ByKind[f.Kind] = newCounts()
		}
		o.ByKind[f.Kind][f.Severity]++
		if failing[f.Severity] {
			o.Failed = append(o.Failed, f)
		}
	}
	sortFindings(o.Findings)
	sortFindings(o.Failed)
	sortFindings(o.Unfixed)
	o.Passed = len(o.Failed) == 0
	return o
}

func newCounts() Counts {
	c := Counts{}
	for _, s := range result.Severities {
		c[s] = 0
	}
	return c
}

// sortFindings orders findings as result.SortFindings does (most severe
// first, then file, line, column, rule, message), ties broken by kind
// and package so that the order never depends on the input's.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			result.CompareFindings(a.Finding, b.Finding),
			cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.Package, b.Package),
			cmp.Compare(a.InstalledVersion, b.InstalledVersion),
			cmp.Compare(a.PkgPath, b.PkgPath),
		)
	})
}

// Summary is the outcome in one line, as golden scan-gate prints it and
// every scan stage records it: "3 findings (1 CRITICAL, 2 HIGH, 0 MEDIUM,
// 0 LOW, 0 UNKNOWN); 3 at HIGH,CRITICAL fail the gate; 1 ignored; 2
// unfixed vulnerabilities left out (1 HIGH, 1 MEDIUM)".
func (o Outcome) Summary() string {
	verdict := fmt.Sprintf("%d at %s fail the gate", len(o.Failed), JoinSeverities(o.Severities))
	if o.Passed {
		verdict = fmt.Sprintf("none at %s fail the gate", JoinSeverities(o.Severities))
	}
	s := fmt.Sprintf("%d findings (%s); %s", o.Counts.Total(), o.Counts.String(), verdict)
	if len(o.Ignored) > 0 {
		s += fmt.Sprintf("; %d ignored", len(o.Ignored))
	}
	if len(o.Unfixed) > 0 {
		s += fmt.Sprintf("; %d unfixed vulnerabilities left out (%s)", len(o.Unfixed), o.UnfixedCounts.Nonzero())
	}
	return s
}

// String lists every severity's count, most severe first: "1 CRITICAL,
// 2 HIGH, 0 MEDIUM, 0 LOW, 0 UNKNOWN".
func (c Counts) String() string {
	parts := make([]string, 0, len(result.Severities))
	for _, s := range result.Severities {
		parts = append(parts, fmt.Sprintf("%d %s", c[s], s))
	}
	return strings.Join(parts, ", ")
}

// Nonzero lists the severities with a count, most severe first: "2 HIGH,
// 1 MEDIUM"; "none" when every count is zero.
func (c Counts) Nonzero() string {
	var parts []string
	for _, s := range result.Severities {
		if c[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[s], s))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// Failure says why the gate failed ("2 finding(s) at HIGH,CRITICAL fail
// the gate"); "" when it passed.
func (o Outcome) Failure() string {
	if o.Passed {
		return ""
	}
	return fmt.Sprintf("%d finding(s) at %s fail the gate", len(o.Failed), JoinSeverities(o.Severities))
}

// Stage is the outcome as the stage name of a run: the findings that
// remain (not the unfixed ones Policy.IgnoreUnfixed left out, which the
// summary counts apart), the summary, and failed with Failure when the
// gate failed.
func (o Outcome) Stage(name string) result.Stage {
	st := result.Stage{Name: name, Tool: Tool, Status: result.Passed, Summary: o.Summary()}
	for _, f := range o.Findings {
		st.Findings = append(st.Findings, f.Finding)
	}
	if !o.Passed {
		st.Status, st.Error = result.Failed, o.Failure()
	}
	return st
}

// JoinSeverities writes severities as the flags take them: HIGH,CRITICAL.
func JoinSeverities(sevs []result.Severity) string {
	s := make([]string, len(sevs))
	for i, v := range sevs {
		s[i] = string(v)
	}
	return strings.Join(s, ",")
}
