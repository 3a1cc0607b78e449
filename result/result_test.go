package result

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func TestRunStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		stages []Status
		want   Status
	}{
		{"empty", nil, Passed},
		{"all passed", []Status{Passed, Passed}, Passed},
		{"skipped is not a failure", []Status{Passed, Skipped}, Passed},
		{"failed", []Status{Passed, Failed, Skipped}, Failed},
		{"error beats failed", []Status{Failed, Errored, Passed}, Errored},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := New(t0)
			for i, s := range tt.stages {
				r.SetStage(Stage{Name: string(rune('a' + i)), Status: s})
			}
			if got := r.Status(); got != tt.want {
				t.Errorf("Status() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSetStageReplacesByName(t *testing.T) {
	t.Parallel()
	r := New(t0)
	r.SetStage(Stage{Name: "lint", Status: Failed})
	r.SetStage(Stage{Name: "test", Status: Passed})
	r.SetStage(Stage{Name: "lint", Status: Passed})
	if len(r.Stages) != 2 || r.Stages[0].Name != "lint" || r.Stages[0].Status != Passed {
		t.Errorf("stages = %+v", r.Stages)
	}
	if _, ok := r.Stage("test"); !ok {
		t.Error("Stage(test) not found")
	}
}

func TestSortFindingsMostSevereFirst(t *testing.T) {
	t.Parallel()
	fs := []Finding{
		{Severity: Low, File: "a.go", Line: 1},
		{Severity: Critical, File: "z.go", Line: 9},
		{Severity: "bogus", File: "a.go"},
		{Severity: High, File: "b.go", Line: 2},
		{Severity: High, File: "a.go", Line: 5},
	}
	SortFindings(fs)
	var got []string
	for _, f := range fs {
		got = append(got, string(f.Severity)+" "+f.Location())
	}
	want := []string{"CRITICAL z.go:9", "HIGH a.go:5", "HIGH b.go:2", "LOW a.go:1", "bogus a.go"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order = %q, want %q", got, want)
	}
}

func TestParseSeverity(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Severity{"high": High, " CRITICAL ": Critical, "Unknown": Unknown} {
		if got, err := ParseSeverity(in); err != nil || got != want {
			t.Errorf("ParseSeverity(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseSeverity("severe"); err == nil {
		t.Error("ParseSeverity(severe) succeeded")
	}
}

func TestUpdateRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "result.json")
	err := Update(path, t0, func(r *Run) {
		r.SetStage(Stage{Name: "coverage", Status: Passed, Summary: "82.1%"})
		r.SetOutput("coverage", "82.1")
	})
	if err != nil {
		t.Fatal(err)
	}
	err = Update(path, t0.Add(time.Minute), func(r *Run) {
		r.SetStage(Stage{Name: "scan", Status: Failed, Findings: []Finding{{Tool: "trivy", Kind: KindVulnerability, RuleID: "CVE-1", Severity: High}}})
		r.Image = &Image{Name: "ghcr.io/acme/app", Digest: "sha256:abc"}
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Stages) != 2 || r.Status() != Failed || r.Outputs["coverage"] != "82.1" {
		t.Errorf("loaded run = %+v", r)
	}
	if !r.StartedAt.Equal(t0) || !r.UpdatedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("times = %v, %v", r.StartedAt, r.UpdatedAt)
	}
	if got := r.Image.Ref(); got != "ghcr.io/acme/app@sha256:abc" {
		t.Errorf("Image.Ref() = %q", got)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("Save left temporary files: %v", entries)
	}
}

func TestReadErrorsNameFileAndLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"syntax", "{\n\"schemaVersion\": 1,\n\"stages\": [,]\n}", `parsing result "r.json": line 3, column 12:`},
		{"type", "{\n\"schemaVersion\": \"one\"\n}", `parsing result "r.json": line 2, column 23:`},
		{"version", `{"schemaVersion": 7}`, `schemaVersion 7 is not supported`},
		{"empty", ``, `parsing result "r.json": EOF`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Read(strings.NewReader(tt.in), "r.json")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":1,"stages":[{"name":"lint","status":"failed","findings":[{"severity":"HIGH"}]}]}`))
	f.Add([]byte(`{"schemaVersion":1,"coverage":{"percent":50,"files":[{"path":"a.go","lines":[{"line":1,"hits":0}]}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Read(strings.NewReader(string(data)), "fuzz.json")
		if err != nil {
			if !strings.HasPrefix(err.Error(), `parsing result "fuzz.json"`) && !strings.HasPrefix(err.Error(), `reading result`) {
				t.Fatalf("error without context: %v", err)
			}
			return
		}
		_ = r.Status()
		_ = r.Findings()
		var sb strings.Builder
		if err := r.Write(&sb); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(strings.NewReader(sb.String()), "again.json"); err != nil {
			t.Fatalf("written run does not read back: %v", err)
		}
	})
}
