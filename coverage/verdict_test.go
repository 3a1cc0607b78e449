package coverage

import (
	"testing"
)

func TestVerdictLine(t *testing.T) {
	t.Parallel()
	pct := func(v float64) *float64 { return &v }
	sum := &Summary{Percent: 82.14, Statements: 100, Covered: 82}
	for _, tc := range []struct {
		name    string
		gates   Gates
		patch   *Patch
		line    string
		failure string
	}{
		{"no gates", Gates{}, nil, "coverage 82.1%", ""},
		{"gates pass", Gates{Min: pct(80)}, nil, "coverage 82.1%: gates passed", ""},
		{"total below", Gates{Min: pct(90)}, nil, "coverage 82.1%: 1 gate(s) failed", "total coverage 82.1% < 90%"},
		{"patch n/a", Gates{PatchMin: pct(90)}, &Patch{Base: "main"}, "coverage 82.1%, patch n/a: gates passed", ""},
		{"patch below", Gates{PatchMin: pct(90)}, &Patch{Base: "main", Percent: 50, Lines: 4, Covered: 2}, "coverage 82.1%, patch 50.0% of 4 lines: 1 gate(s) failed", "patch coverage 50.0% < 90%"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := tc.gates.Evaluate(sum, tc.patch)
			st := v.Stage("coverage")
			if v.Line() != tc.line || v.Failure() != tc.failure || st.Summary != tc.line || st.Error != tc.failure {
				t.Errorf("line %q failure %q stage %+v", v.Line(), v.Failure(), st)
			}
			if (st.Status == "failed") != (tc.failure != "") {
				t.Errorf("status %s", st.Status)
			}
			if r := v.Result(); r.Percent != 82.14 || (tc.patch != nil) != (r.Patch != nil) {
				t.Errorf("result %+v", r)
			}
		})
	}
}
