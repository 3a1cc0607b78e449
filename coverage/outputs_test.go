package coverage

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/result"
)

func TestSetOutputs(t *testing.T) {
	t.Parallel()
	earlier := map[string]string{OutputTotal: "10.0", OutputPatch: "20.0", "digest": "sha256:abc"}
	for _, tt := range []struct {
		name string
		cov  *result.Coverage
		want map[string]string
	}{
		{"no patch", &result.Coverage{Percent: 82.14},
			map[string]string{OutputTotal: "82.1", "digest": "sha256:abc"}},
		{"patch", &result.Coverage{Percent: 82.14, Patch: &result.PatchCoverage{Base: "origin/main", Percent: 75, Lines: 40, Covered: 30}},
			map[string]string{OutputTotal: "82.1", OutputPatch: "75.0", "digest": "sha256:abc"}},
		{"patch with nothing covered", &result.Coverage{Percent: 50, Patch: &result.PatchCoverage{Percent: 0, Lines: 3}},
			map[string]string{OutputTotal: "50.0", OutputPatch: "0.0", "digest": "sha256:abc"}},
		// No changed line holds statements: n/a is no output, not the
		// 100 the gate counts.
		{"patch n/a", &result.Coverage{Percent: 82.14, Patch: &result.PatchCoverage{Base: "origin/main", Percent: 100, Lines: 0}},
			map[string]string{OutputTotal: "82.1", "digest": "sha256:abc"}},
		{"no coverage", nil, map[string]string{"digest": "sha256:abc"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := result.New(time.Time{})
			for k, v := range earlier {
				r.SetOutput(k, v)
			}
			SetOutputs(r, tt.cov)
			if diff := cmp.Diff(tt.want, r.Outputs); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
		})
	}
}
