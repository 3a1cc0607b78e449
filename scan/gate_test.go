package scan

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/goldenci/golden/internal/testsupport/scantest"
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
// policies. The fixture has (see scantest.Advisories and
// scantest.DebianAdvisories): vulnerabilities CRITICAL CVE-2023-39325,
// HIGH CVE-2022-32149, HIGH GHSA-fake-unfx-0001 (affected), MEDIUM
// CVE-2023-3978, LOW GHSA-fake-low0-0002 in go.mod; HIGH CVE-2024-90001
// (fixed), HIGH CVE-2024-90002 (affected), HIGH CVE-2024-90003
// (will_not_fix), MEDIUM CVE-2024-90004 (fix_deferred), LOW
// CVE-2024-90005 (fixed, without a fixed version) in the Debian
// packages; two CRITICAL secrets; and Trivy's embedded checks' failures
// on the Dockerfile and Deployment.
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
		wantUnfixed []string
	}{
		{
			name: "default HIGH,CRITICAL",
			wantFailed: withMisconf(result.High, "CVE-2023-39325", "CVE-2022-32149", "GHSA-fake-unfx-0001",
				"CVE-2024-90001", "CVE-2024-90002", "CVE-2024-90003", "aws-access-key-id", "github-pat"),
		},
		{
			name:       "CRITICAL only",
			policy:     Policy{Severities: []result.Severity{result.Critical}},
			wantFailed: []string{"CVE-2023-39325", "aws-access-key-id", "github-pat"},
		},
		{
			name:        "ignore-unfixed leaves out every status but fixed",
			policy:      Policy{IgnoreUnfixed: true},
			wantFailed:  withMisconf(result.High, "CVE-2023-39325", "CVE-2022-32149", "CVE-2024-90001", "aws-access-key-id", "github-pat"),
			wantUnfixed: []string{"CVE-2024-90002", "CVE-2024-90003", "CVE-2024-90004", "GHSA-fake-unfx-0001"},
		},
		{
			name:        "ignore-unfixed keeps LOW fixed ones, with a fixed version or not",
			policy:      Policy{Severities: []result.Severity{result.Low}, IgnoreUnfixed: true},
			wantFailed:  withMisconf(result.Low, "GHSA-fake-low0-0002", "CVE-2024-90005"),
			wantUnfixed: []string{"CVE-2024-90002", "CVE-2024-90003", "CVE-2024-90004", "GHSA-fake-unfx-0001"},
		},
		{
			name:       "MEDIUM",
			policy:     Policy{Severities: []result.Severity{result.Medium}},
			wantFailed: withMisconf(result.Medium, "CVE-2023-3978", "CVE-2024-90004"),
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
			if len(o.Ignored) != tt.wantIgnored {
				t.Errorf("ignored %d, want %d", len(o.Ignored), tt.wantIgnored)
			}
			if diff := cmp.Diff(tt.wantUnfixed, ids(o.Unfixed), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("unfixed (-want +got):\n%s", diff)
			}
			if o.UnfixedCounts.Total() != len(o.Unfixed) {
				t.Errorf("unfixed counts %v, %d unfixed", o.UnfixedCounts, len(o.Unfixed))
			}
			if o.Counts.Total()+len(o.Ignored)+len(o.Unfixed) != len(fs) || len(o.Findings) != o.Counts.Total() {
				t.Errorf("counts %v + %d ignored + %d unfixed do not add up to %d findings", o.Counts, len(o.Ignored), len(o.Unfixed), len(fs))
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

// TestCountsMatchTrivy gates the real fixture report with and without
// IgnoreUnfixed, with and without an ignore file, and compares the
// counts, by kind and severity, and the findings with the real trivy's
// own report of the same tree with the same flags (--ignore-unfixed,
// --ignorefile). What IgnoreUnfixed leaves out must be exactly what
// trivy leaves out, and hold an affected and a will_not_fix
// vulnerability.
func TestCountsMatchTrivy(t *testing.T) {
	t.Parallel()
	fx := scantest.NewFixture(t) // its own: the tree and cache live as long as this test
	all := parse(t, fx.Report)
	ignoreFile := filepath.Join(t.TempDir(), ".trivyignore")
	// One fixed and one unfixed vulnerability: trivy filters by status
	// before it applies the ignore file.
	if err := os.WriteFile(ignoreFile, []byte("CVE-2024-90001\nCVE-2024-90002\nDS-0002\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ignore, err := LoadIgnoreFile(ignoreFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		policy Policy
		flags  []string
	}{
		{"plain", Policy{}, nil},
		{"ignore-unfixed", Policy{IgnoreUnfixed: true}, []string{"--ignore-unfixed"}},
		{"ignorefile", Policy{Ignore: ignore}, []string{"--ignorefile", ignoreFile}},
		{"ignore-unfixed and ignorefile", Policy{IgnoreUnfixed: true, Ignore: ignore}, []string{"--ignore-unfixed", "--ignorefile", ignoreFile}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			theirs := fx.Report
			if tc.flags != nil {
				theirs = scantest.Scan(t, fx.Cache, "vuln,secret,misconfig", fx.Dir, tc.flags...)
			}
			tc.policy.Now = time.Now()
			o := Evaluate(all, tc.policy)
			want, _ := rawCounts(t, theirs)
			got := map[result.Kind]map[string]int{}
			for _, k := range Kinds {
				got[k] = map[string]int{}
				for sev, n := range o.ByKind[k] {
					if n > 0 {
						got[k][string(sev)] = n
					}
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("counts differ from trivy %s (-trivy +golden):\n%s", strings.Join(tc.flags, " "), diff)
			}
			if diff := cmp.Diff(keys(parse(t, theirs)), keys(o.Findings)); diff != "" {
				t.Errorf("findings differ from trivy's (-trivy +golden):\n%s", diff)
			}
			if !tc.policy.IgnoreUnfixed {
				if len(o.Unfixed) != 0 {
					t.Errorf("unfixed listed without IgnoreUnfixed: %v", ids(o.Unfixed))
				}
				return
			}
			statuses := map[string]bool{}
			for _, f := range o.Unfixed {
				statuses[f.Status] = true
			}
			for _, st := range []string{"affected", "will_not_fix"} {
				if !statuses[st] {
					t.Errorf("no unfixed vulnerability with status %s left out: %v", st, statuses)
				}
			}
		})
	}
}

// TestUnfixed is Trivy's --ignore-unfixed rule: every status but fixed,
// and for a report without statuses, no fixed version.
func TestUnfixed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind          result.Kind
		status, fixed string
		want          bool
	}{
		{result.KindVulnerability, "fixed", "1.2.4", false},
		{result.KindVulnerability, "fixed", "", false},
		{result.KindVulnerability, "affected", "", true},
		{result.KindVulnerability, "will_not_fix", "", true},
		{result.KindVulnerability, "fix_deferred", "", true},
		{result.KindVulnerability, "end_of_life", "", true},
		{result.KindVulnerability, "under_investigation", "", true},
		{result.KindVulnerability, "not_affected", "", true},
		{result.KindVulnerability, "affected", "1.2.4", true},
		{result.KindVulnerability, "", "1.2.4", false},
		{result.KindVulnerability, "", "", true},
		{result.KindSecret, "", "", false},
		{result.KindMisconfiguration, "", "", false},
	}
	for _, tt := range tests {
		f := Finding{Finding: result.Finding{Kind: tt.kind, FixedVersion: tt.fixed}, Status: tt.status}
		if got := f.Unfixed(); got != tt.want {
			t.Errorf("%s status %q fixed %q: Unfixed() = %v, want %v", tt.kind, tt.status, tt.fixed, got, tt.want)
		}
	}
}

// TestStatusFromReport reads Trivy's Status strings, an unknown or
// missing one as "".
func TestStatusFromReport(t *testing.T) {
	t.Parallel()
	fs := parse(t, []byte(`{"SchemaVersion":2,"Results":[{"Target":"t","Vulnerabilities":[
	 {"VulnerabilityID":"A","Status":"will_not_fix","Severity":"HIGH"},
	 {"VulnerabilityID":"B","Status":"fixed","Severity":"LOW"},
	 {"VulnerabilityID":"C","Status":"bogus","FixedVersion":"2","Severity":"LOW"},
	 {"VulnerabilityID":"D","Severity":"LOW"}]}]}`))
	var got []string
	for _, f := range fs {
		got = append(got, fmt.Sprintf("%s %q %v %s", f.RuleID, f.Status, f.Unfixed(), f.Message))
	}
	want := []string{
		`A "will_not_fix" true A (no fix available)`,
		`B "fixed" false B (fixed, no fixed version given)`,
		`C "" false C (fixed in 2)`,
		`D "" true D (no fix available)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	vuln := func(id string, sev result.Severity, status string) Finding {
		return Finding{Finding: result.Finding{Kind: result.KindVulnerability, RuleID: id, Severity: sev}, Status: status}
	}
	fs := []Finding{
		vuln("A", result.High, "fixed"), vuln("B", result.High, "affected"),
		vuln("C", result.Medium, "will_not_fix"), vuln("D", result.Critical, "fixed"),
	}
	ign, err := ParseIgnoreText(strings.NewReader("D\n"), ".trivyignore")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		policy Policy
		want   string
	}{
		{Policy{}, "4 findings (1 CRITICAL, 2 HIGH, 1 MEDIUM, 0 LOW, 0 UNKNOWN); 3 at HIGH,CRITICAL fail the gate"},
		{Policy{IgnoreUnfixed: true, Ignore: ign},
			"1 findings (0 CRITICAL, 1 HIGH, 0 MEDIUM, 0 LOW, 0 UNKNOWN); 1 at HIGH,CRITICAL fail the gate; 1 ignored; " +
				"2 unfixed vulnerabilities left out (1 HIGH, 1 MEDIUM)"},
		{Policy{Severities: []result.Severity{result.Low}, IgnoreUnfixed: true},
			"2 findings (1 CRITICAL, 1 HIGH, 0 MEDIUM, 0 LOW, 0 UNKNOWN); none at LOW fail the gate; " +
				"2 unfixed vulnerabilities left out (1 HIGH, 1 MEDIUM)"},
	}
	for _, tt := range tests {
		o := Evaluate(fs, tt.policy)
		if got := o.Summary(); got != tt.want {
			t.Errorf("Summary() = %q\nwant        %q", got, tt.want)
		}
		st := o.Stage("scan")
		if st.Summary != tt.want || len(st.Findings) != len(o.Findings) {
			t.Errorf("Stage: summary %q, %d findings; want the summary and %d", st.Summary, len(st.Findings), len(o.Findings))
		}
	}
}
