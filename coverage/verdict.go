package coverage

import (
	"fmt"
	"strings"

	"github.com/goldenci/golden/result"
)

// Verdict is the coverage gate's decision on an analysis: the gates it was
// held to and the ones it failed.
type Verdict struct {
	Summary  *Summary
	Patch    *Patch // nil without patch coverage
	Gates    Gates
	Failures []Failure
}

// Evaluate holds s (and p, when not nil) to the gates.
func (g Gates) Evaluate(s *Summary, p *Patch) Verdict {
	return Verdict{Summary: s, Patch: p, Gates: g, Failures: g.Check(s, p)}
}

// Any reports whether a gate is set.
func (g Gates) Any() bool { return g.Min != nil || g.MinPackage != nil || g.PatchMin != nil }

// Passed reports whether no gate failed.
func (v Verdict) Passed() bool { return len(v.Failures) == 0 }

// Line is the verdict in one line, as golden coverage records it and every
// coverage stage does: "coverage 82.1%, patch 75.0% of 12 lines: gates
// passed" ("patch n/a" when no changed line has statements; ": 1 gate(s)
// failed"; nothing after the numbers without gates).
func (v Verdict) Line() string {
	s := "coverage " + FormatPercent(v.Summary.Percent)
	if p := v.Patch; p != nil {
		if p.Lines == 0 {
			s += ", patch n/a"
		} else {
			s += fmt.Sprintf(", patch %s of %d lines", FormatPercent(p.Percent), p.Lines)
		}
	}
	switch {
	case !v.Passed():
		s += fmt.Sprintf(": %d gate(s) failed", len(v.Failures))
	case v.Gates.Any():
		s += ": gates passed"
	}
	return s
}

// Failure says which gates failed ("total coverage 42.5% < 90%; patch
// coverage 50.0% < 60%"); "" when none did.
func (v Verdict) Failure() string {
	msgs := make([]string, len(v.Failures))
	for i, f := range v.Failures {
		msgs[i] = f.String()
	}
	return strings.Join(msgs, "; ")
}

// Result is the analysis in the result model, with line hits for
// line-level reports (Cobertura).
func (v Verdict) Result() *result.Coverage {
	s := v.Summary
	cov := &result.Coverage{Percent: s.Percent, Statements: s.Statements, Covered: s.Covered}
	for _, pk := range s.Packages {
		cov.Packages = append(cov.Packages, result.PackageCoverage{Package: pk.Package, Percent: pk.Percent, Statements: pk.Statements, Covered: pk.Covered})
	}
	for _, f := range s.Files {
		fc := result.FileCoverage{Path: f.Path, Package: f.Package, Lines: make([]result.LineHit, len(f.Lines))}
		for i, l := range f.Lines {
			fc.Lines[i] = result.LineHit{Line: l.Line, Hits: l.Hits}
		}
		cov.Files = append(cov.Files, fc)
	}
	if p := v.Patch; p != nil {
		cov.Patch = &result.PatchCoverage{Base: p.Base, Percent: p.Percent, Lines: p.Lines, Covered: p.Covered}
	}
	return cov
}

// Stage is the verdict as the stage name of a run.
func (v Verdict) Stage(name string) result.Stage {
	st := result.Stage{Name: name, Status: result.Passed, Summary: v.Line()}
	if !v.Passed() {
		st.Status, st.Error = result.Failed, v.Failure()
	}
	return st
}
