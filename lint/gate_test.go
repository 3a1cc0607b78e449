package lint

import (
	"testing"

	"github.com/goldenci/golden/result"
)

func TestGate(t *testing.T) {
	t.Parallel()
	fs := func(sevs ...result.Severity) []result.Finding {
		var out []result.Finding
		for _, s := range sevs {
			out = append(out, result.Finding{Severity: s, RuleID: "r"})
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		findings []result.Finding
		failOn   result.Severity
		summary  string
		failure  string
	}{
		{"none", nil, result.Low, "golangci-lint: no findings", ""},
		{"below the threshold", fs(result.Low, result.Medium), result.High, "golangci-lint: 2 findings (1 MEDIUM, 1 LOW), 0 at or above HIGH", ""},
		{"one at it", fs(result.High), result.High, "golangci-lint: 1 finding (1 HIGH), 1 at or above HIGH", "1 of 1 findings at or above HIGH"},
		{"most severe first", fs(result.Low, result.Critical, result.High), result.Low, "golangci-lint: 3 findings (1 CRITICAL, 1 HIGH, 1 LOW), 3 at or above LOW", "3 of 3 findings at or above LOW"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := Gate(GolangciLint, tc.findings, tc.failOn)
			st := v.Stage("lint")
			if v.Summary() != tc.summary || v.Failure() != tc.failure || st.Summary != tc.summary || st.Error != tc.failure {
				t.Errorf("summary %q failure %q stage %+v", v.Summary(), v.Failure(), st)
			}
			want := result.Passed
			if tc.failure != "" {
				want = result.Failed
			}
			if st.Status != want || st.Tool != "golangci-lint" || st.Name != "lint" {
				t.Errorf("stage %+v, want status %s", st, want)
			}
			for i := 1; i < len(v.Findings); i++ {
				if v.Findings[i-1].Severity.Rank() < v.Findings[i].Severity.Rank() {
					t.Errorf("findings not sorted: %+v", v.Findings)
				}
			}
		})
	}
}
