package report

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/goldenci/golden/internal/testsupport/sariftest"
	"github.com/goldenci/golden/result"
)

func TestSARIF(t *testing.T) {
	t.Parallel()
	const canary = "canary-5ecret-value"
	run := result.New(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
	run.SetStage(result.Stage{Name: "lint", Tool: "golangci-lint", Status: result.Passed})
	run.SetStage(result.Stage{Name: "scan", Tool: "trivy", Status: result.Failed, Findings: []result.Finding{
		{Tool: "trivy", Kind: result.KindVulnerability, RuleID: "CVE-2026-1", Severity: result.High,
			Message: "token " + canary, File: "go.mod", Line: 3},
	}})
	run.SetStage(result.Stage{Name: "scan-image", Tool: "trivy", Status: result.Failed, Findings: []result.Finding{
		{Tool: "trivy", Kind: result.KindVulnerability, RuleID: "CVE-2026-2", Severity: result.Critical, File: "usr/lib/x"},
	}})
	run.SetStage(result.Stage{Name: "test", Status: result.Skipped, Findings: []result.Finding{{Tool: "skipped-tool", RuleID: "x"}}})
	run.SetStage(result.Stage{Name: "other", Tool: "errored-tool", Status: result.Errored})

	tests := []struct {
		name   string
		stages []string
		want   map[string][]string // tool -> rule IDs of its results
	}{
		{"every stage", nil, map[string][]string{"golangci-lint": nil, "trivy": {"CVE-2026-2", "CVE-2026-1"}}}, // most severe first,
		{"source stages", []string{"lint", "scan"}, map[string][]string{"golangci-lint": nil, "trivy": {"CVE-2026-1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := SARIF(&buf, run, Options{Secrets: []string{canary}}, tt.stages...); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(buf.String(), canary) {
				t.Error("the SARIF log holds the secret")
			}
			sariftest.Validate(t, buf.Bytes())
			var log struct {
				Runs []struct {
					Tool struct {
						Driver struct{ Name string }
					}
					Results []struct{ RuleID string }
				}
			}
			if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			for _, r := range log.Runs {
				var ids []string
				for _, res := range r.Results {
					ids = append(ids, res.RuleID)
				}
				got[r.Tool.Driver.Name] = ids
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("runs = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSARIFFindingWithoutTool files a finding that names no tool under its
// stage's tool, else its stage: SARIF needs a tool name for every run.
func TestSARIFFindingWithoutTool(t *testing.T) {
	t.Parallel()
	run := result.New(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
	run.SetStage(result.Stage{Name: "lint", Tool: "ruff", Status: result.Failed, Findings: []result.Finding{{RuleID: "F401", Message: "x", File: "a.py", Line: 1}}})
	run.SetStage(result.Stage{Name: "custom", Status: result.Failed, Findings: []result.Finding{{RuleID: "R1", Message: "y", File: "b.go"}}})
	var buf bytes.Buffer
	if err := SARIF(&buf, run, Options{}); err != nil {
		t.Fatal(err)
	}
	sariftest.Validate(t, buf.Bytes())
	for _, want := range []string{`"name": "ruff"`, `"name": "custom"`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("no driver %s:\n%s", want, buf.String())
		}
	}
}
