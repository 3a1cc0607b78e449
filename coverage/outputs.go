package coverage

import (
	"math"
	"strconv"

	"github.com/goldenci/golden/result"
)

// The outputs a run records for later CI steps and jobs (GitHub step
// outputs, a GitLab dotenv report).
const (
	// OutputTotal is the total statement coverage: "82.1".
	OutputTotal = "coverage"
	// OutputPatch is the patch coverage: "75.0". There is none when patch
	// coverage was not computed or is n/a.
	OutputPatch = "coverage_patch"
)

// SetOutputs records the coverage outputs of c in r, and is the one place
// that decides them. OutputTotal is c's total with one decimal.
// OutputPatch is c's patch coverage with one decimal when at least one
// changed line holds statements; when none does, patch coverage is n/a
// (the stage summary says so) and there is no OutputPatch: a consumer
// can test for an absent output, while a stand-in number (the 100 the
// gate counts) would read as measured. A nil c removes both outputs, so
// that none is left from an earlier run.
func SetOutputs(r *result.Run, c *result.Coverage) {
	delete(r.Outputs, OutputTotal)
	delete(r.Outputs, OutputPatch)
	if c == nil {
		return
	}
	r.SetOutput(OutputTotal, FormatOutput(c.Percent))
	if p := c.Patch; p != nil && p.Lines > 0 {
		r.SetOutput(OutputPatch, FormatOutput(p.Percent))
	}
}

// FormatOutput renders a percentage as an output value: one decimal,
// "82.1".
// NaN and infinities, which no analysis makes, render as 0.
func FormatOutput(percent float64) string {
	if math.IsNaN(percent) || math.IsInf(percent, 0) {
		percent = 0
	}
	return strconv.FormatFloat(percent, 'f', 1, 64)
}
