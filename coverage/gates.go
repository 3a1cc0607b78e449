package coverage

import (
	"fmt"
	"strconv"
)

// Gates are the minimum coverages a run must reach, in percent (0..100).
// A nil threshold is not checked. A value passes when it is at least the
// threshold; the comparison uses the exact percentage, not the rounded
// one that is displayed.
type Gates struct {
	Min        *float64 // total coverage
	MinPackage *float64 // the coverage of every package with statements
	PatchMin   *float64 // patch coverage (needs a Patch)
}

// The gate names used in Failure.Gate.
const (
	GateMin        = "min"
	GateMinPackage = "min-package"
	GatePatchMin   = "patch-min"
)

// Failure is a gate that failed.
type Failure struct {
	Gate    string  // GateMin, GateMinPackage or GatePatchMin
	Subject string  // "total", the package, or "patch"
	Percent float64 // the coverage reached
	Min     float64 // the threshold
}

// String describes the failure: "package example.com/calc/parse: coverage
// 25.0% < 30%".
func (f Failure) String() string {
	what := "total coverage"
	switch f.Gate {
	case GateMinPackage:
		what = "package " + f.Subject + " coverage"
	case GatePatchMin:
		what = "patch coverage"
	}
	return fmt.Sprintf("%s %s < %s", what, FormatPercentBelow(f.Percent, f.Min), FormatThreshold(f.Min))
}

// Check returns the gates that s and p fail, total first, then packages
// in order, then the patch. p may be nil (no patch gate is checked).
func (g Gates) Check(s *Summary, p *Patch) []Failure {
	var out []Failure
	if g.Min != nil && s.Percent < *g.Min {
		out = append(out, Failure{Gate: GateMin, Subject: "total", Percent: s.Percent, Min: *g.Min})
	}
	if g.MinPackage != nil {
		for _, pkg := range s.Packages {
			if pkg.Statements > 0 && pkg.Percent < *g.MinPackage {
				out = append(out, Failure{Gate: GateMinPackage, Subject: pkg.Package, Percent: pkg.Percent, Min: *g.MinPackage})
			}
		}
	}
	if g.PatchMin != nil && p != nil && p.Lines > 0 && p.Percent < *g.PatchMin {
		out = append(out, Failure{Gate: GatePatchMin, Subject: "patch", Percent: p.Percent, Min: *g.PatchMin})
	}
	return out
}

// FormatPercent renders a percentage for people, with one decimal as go
// tool cover does: "82.1%" (FormatOutput and "%").
func FormatPercent(v float64) string { return FormatOutput(v) + "%" }

// FormatPercentBelow renders v, known to be below min, with enough
// decimals that it does not read as min: 79.96 against 80 is "79.96%",
// not "80.0%".
func FormatPercentBelow(v, min float64) string {
	for prec := 1; prec <= 6; prec++ {
		s := strconv.FormatFloat(v, 'f', prec, 64)
		if r, _ := strconv.ParseFloat(s, 64); r < min {
			return s + "%"
		}
	}
	return strconv.FormatFloat(v, 'g', -1, 64) + "%"
}

// FormatThreshold renders a threshold as given: "80%", "72.5%".
func FormatThreshold(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) + "%" }
