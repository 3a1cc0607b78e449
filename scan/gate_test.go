package scan

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/result"
)

func TestParseSeverities(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []result.Severity
		wantErr string
	}{
		{in: "HIGH,CRITICAL", want: []result.Severity{result.Critical, result.High}},
		{in: " low , medium,LOW", want: []result.Severity{result.Medium, result.Low}},
		{in: "unknown", want: []result.Severity{result.Unknown}},
		{in: "CRITICAL,HIGH,MEDIUM,LOW,UNKNOWN", want: result.Severities},
		{in: "HIGH,,", want: []result.Severity{result.High}},
		{in: "", wantErr: "no severity"},
		{in: " , ", wantErr: "no severity"},
		{in: "HIGH,SEVERE", wantErr: `unknown severity "SEVERE"`},
	}
	for _, tt := range tests {
		got, err := ParseSeverities(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseSeverities(%q) error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSeverities(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseSeverities(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func ids(fs []Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.RuleID
	}
	sort.Strings(out)
	return out
}

// TestEvaluateReal gates the real fixture report under different
// policies. The fixture has (see scantest.Advisories): vulnerabilities
// CRITICAL CVE-2023-39325, HIGH CVE-2022-32149, HIGH GHSA-fake-unfx-0001
// (no fix), MEDIUM CVE-2023-3978, LOW GHSA-fake-low0-0002; two CRITICAL
// secrets; and Trivy's embedded checks' failures on the Dockerfile and
// Deployment.
func TestEvaluateReal(t *testing.T) {
	t.Parallel()
	fx := realFixture(t)
	fs := parse(t, fx.Report)
	now := time.Now()

	misconf := map[result.Severity][]string{}
	for _, f := range fs {
		if f.Kind == result.KindMisconfiguration {
			misconf[f.Severity] = append(misconf[f.Severity], f.RuleID)
		}
	}
	if len(misconf[result.High]) == 0 || len(misconf[result.Critical]) != 0 {
		t.Fatalf("fixture misconfigurations by severity: %v; the cases below assume HIGH ones and no CRITICAL", misconf)
	}
	withMisconf := func(sev result.Severity, more ...string) []string {
		out := append(append([]string{}, more...), misconf[sev]...)
		sort.Strings(out)
		return out
	}
	ignore := func(content string) *IgnoreList {
		l, err := ParseIgnoreText(strings.NewReader(content), ".trivyignore")
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	past := now.AddDate(0, 0, -1).Format(time.DateOnly)
	future := now.AddDate(0, 0, 2).Format(time.DateOnly)

	tests := []struct {
		name        string
		policy      Policy
		wantFailed  []string
		wantPassed  bool
		wantIgnored int
		wantUnfixed int
	}{
		{
			name:       "default HIGH,CRITICAL",
			wantFailed: withMisconf(result.High, "CVE-2023-39325", "CVE-2022-32149", "GHSA-fake-unfx-0001", "aws-access-key-id", "github-pat"),
		},
		{
			name:       "CRITICAL only",
			policy:     Policy{Severities: []result.Severity{result.Critical}},
			wantFailed: []string{"CVE-2023-39325", "aws-access-key-id", "github-pat"},
		},
		{
			name:        "ignore-unfixed",
			policy:      Policy{IgnoreUnfixed: true},
			wantFailed:  withMisconf(result.High, "CVE-2023-39325", "CVE-2022-32149", "aws-access-key-id", "github-pat"),
			wantUnfixed: 1,
		},
		{
			name:       "ignore-unfixed leaves LOW with a fix failing",
			policy:     Policy{Severities: []result.Severity{result.Low}, IgnoreUnfixed: true},
			wantFailed: withMisconf(result.Low, "GHSA-fake-low0-0002"),
		},
		{
			name:       "MEDIUM",
			policy:     Policy{Severities: []result.Severity{result.Medium}},
			wantFailed: withMisconf(result.Medium, "CVE-2023-3978"),
		},
		{
			name:       "UNKNOWN: nothing",
			policy:     Policy{Severities: []result.Severity{result.Unknown}},
			wantPassed: true,
		},
		{
			name: "ignorefile: unexpired entries ignore, expired do not",
			policy: Policy{Severities: []result.Severity{result.Critical}, Ignore: ignore(fmt.Sprintf(
				"CVE-2023-39325 exp:%s\naws-access-key-id exp:%s\n", future, past))},
			wantFailed:  []string{"aws-access-key-id", "github-pat"},
			wantIgnored: 1,
		},
		{
			name: "ignorefile ignores every failing finding",
			policy: Policy{Severities: []result.Severity{result.Critical}, Ignore: ignore(fmt.Sprintf(
				"CVE-2023-39325\naws-access-key-id exp:%s\ngithub-pat\n", future))},
			wantPassed:  true,
			wantIgnored: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.policy.Now = now
			o := Evaluate(fs, tt.policy)
			want := append([]string{}, tt.wantFailed...)
			sort.Strings(want)
			if diff := cmp.Diff(want, ids(o.Failed)); diff != "" {
				t.Errorf("failed (-want +got):\n%s", diff)
			}
			if o.Passed != tt.wantPassed || o.Passed != (len(o.Failed) == 0) {
				t.Errorf("passed %v, want %v", o.Passed, tt.wantPassed)
			}
			if len(o.Ignored) != tt.wantIgnored || o.Unfixed != tt.wantUnfixed {
				t.Errorf("ignored %d unfixed %d, want %d and %d", len(o.Ignored), o.Unfixed, tt.wantIgnored, tt.wantUnfixed)
			}
			if o.Counts.Total()+len(o.Ignored) != len(fs) || len(o.Findings) != o.Counts.Total() {
				t.Errorf("counts %v + %d ignored do not add up to %d findings", o.Counts, len(o.Ignored), len(fs))
			}
			for _, k := range Kinds {
				if len(o.ByKind[k]) != len(result.Severities) {
					t.Errorf("ByKind[%s] = %v: want every severity", k, o.ByKind[k])
				}
			}
		})
	}
}

func TestEvaluateCountsAndOrder(t *testing.T) {
	t.Parallel()
	mk := func(kind result.Kind, id string, sev result.Severity, file string, line int) Finding {
		return Finding{Finding: result.Finding{Kind: kind, RuleID: id, Severity: sev, File: file, Line: line}, Target: file}
	}
	fs := []Finding{
		mk(result.KindMisconfiguration, "DS-1", result.Low, "Dockerfile", 3),
		mk(result.KindVulnerability, "CVE-2", result.High, "go.mod", 0),
		mk(result.KindSecret, "s", result.Critical, "b.env", 2),
		mk(result.KindSecret, "s", result.Critical, "a.env", 9),
		mk(result.KindVulnerability, "CVE-1", result.High, "go.mod", 0),
		mk(result.KindVulnerability, "CVE-3", result.Unknown, "go.mod", 0),
	}
	o := Evaluate(fs, Policy{})
	want := Counts{result.Critical: 2, result.High: 2, result.Medium: 0, result.Low: 1, result.Unknown: 1}
	if diff := cmp.Diff(want, o.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if o.ByKind[result.KindSecret][result.Critical] != 2 || o.ByKind[result.KindVulnerability][result.High] != 2 {
		t.Errorf("by kind: %v", o.ByKind)
	}
	var order []string
	for _, f := range o.Failed {
		order = append(order, f.Location()+" "+f.RuleID)
	}
	wantOrder := []string{"a.env:9 s", "b.env:2 s", "go.mod CVE-1", "go.mod CVE-2"}
	if diff := cmp.Diff(wantOrder, order); diff != "" {
		t.Errorf("failed order (-want +got):\n%s", diff)
	}
	if o.Passed {
		t.Error("passed")
	}
	if e := Evaluate(nil, Policy{}); !e.Passed || e.Counts.Total() != 0 {
		t.Errorf("no findings: %+v", e)
	}
}
