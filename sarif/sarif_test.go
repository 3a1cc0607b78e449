package sarif

import (
	"bytes"
	"encoding/json"
	"flag"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/internal/testsupport/sariftest"
	"github.com/goldenci/golden/result"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// validate checks a SARIF document against the official 2.1.0 schema
// and GitHub code scanning's requirements (package sariftest).
func validate(t testing.TB, data []byte) {
	t.Helper()
	sariftest.Validate(t, data)
}

func schemaErrors(_ testing.TB, data []byte) error { return sariftest.SchemaError(data) }

// TestSchemaRejects makes sure the validator is live: documents breaking
// the rules the writer relies on must fail.
func TestSchemaRejects(t *testing.T) {
	t.Parallel()
	good, err := Marshal(Run{Tool: "trivy", Findings: fixedFindings()})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, old, new string }{
		{"startLine 0", `"startLine": 3`, `"startLine": 0`},
		{"bad level", `"level": "warning"`, `"level": "medium"`},
		{"bad version", `"version": "2.1.0"`, `"version": "2.0.0"`},
		{"helpUri not a uri", `"helpUri": "https://avd.aquasec.com/misconfig/ds-0002"`, `"helpUri": "not a uri"`},
		{"unknown property", `"ruleId":`, `"rule_id": "x", "ruleId":`},
	}
	for _, tt := range tests {
		bad := strings.Replace(string(good), tt.old, tt.new, 1)
		if bad == string(good) {
			t.Fatalf("%s: %q not found in the output", tt.name, tt.old)
		}
		if err := schemaErrors(t, []byte(bad)); err == nil {
			t.Errorf("%s: schema accepted an invalid document", tt.name)
		}
	}
}

// fixedFindings is a fixed mix of every kind, with the awkward cases:
// duplicate rules, no line, no file, Windows and "./" paths, a colon in
// a path, an HTML-ish message and a non-URL url.
func fixedFindings() []result.Finding {
	return []result.Finding{
		{Tool: "trivy", Kind: result.KindVulnerability, RuleID: "CVE-2022-32149", Severity: result.High,
			Title:   "golang.org/x/text/language: ParseAcceptLanguage takes a long time to parse complex tags",
			Message: "golang.org/x/text v0.3.7: CVE-2022-32149 (fixed in 0.3.8)", File: "go.mod",
			URL: "https://avd.aquasec.com/nvd/cve-2022-32149", Package: "golang.org/x/text",
			InstalledVersion: "v0.3.7", FixedVersion: "0.3.8"},
		{Tool: "trivy", Kind: result.KindVulnerability, RuleID: "CVE-2022-32149", Severity: result.High,
			Title:   "golang.org/x/text/language: ParseAcceptLanguage takes a long time to parse complex tags",
			Message: "golang.org/x/text v0.3.7: CVE-2022-32149 (fixed in 0.3.8)", File: "tools/go.mod",
			URL: "https://avd.aquasec.com/nvd/cve-2022-32149", Package: "golang.org/x/text",
			InstalledVersion: "v0.3.7", FixedVersion: "0.3.8"},
		{Tool: "trivy", Kind: result.KindVulnerability, RuleID: "GHSA-xxxx-unfixed", Severity: result.Critical,
			Title: "remote code execution", Message: "acme.local/lib v1.0.0: GHSA-xxxx-unfixed (no fix)",
			File: "go.mod", Package: "acme.local/lib", InstalledVersion: "v1.0.0"},
		{Tool: "trivy", Kind: result.KindSecret, RuleID: "aws-access-key-id", Severity: result.Critical,
			Title: "AWS Access Key ID", Message: "AWS Access Key ID", File: "config/app.env", Line: 3, EndLine: 3},
		{Tool: "trivy", Kind: result.KindMisconfiguration, RuleID: "DS-0002", Severity: result.High,
			Title: "Image user should not be 'root'", Message: "Last USER command in Dockerfile should not be 'root'",
			File: "./build/Dockerfile", Line: 7, EndLine: 7, URL: "https://avd.aquasec.com/misconfig/ds-0002"},
		{Tool: "trivy", Kind: result.KindMisconfiguration, RuleID: "KSV-0110", Severity: result.Low,
			Title: "Workloads in the default namespace", Message: "Deployment <web> should set metadata.namespace",
			File: `deploy\k8s\web.yaml`, Line: 3, URL: "not a url"},
		{Tool: "trivy", Kind: result.KindVulnerability, RuleID: "CVE-2024-0001", Severity: result.Medium,
			Message: "libfoo 1.2: CVE-2024-0001", File: "alpine:3.19 (alpine 3.19.1)"},
		{Tool: "trivy", Kind: result.KindVulnerability, RuleID: "CVE-2024-0002", Severity: result.Unknown,
			Message: "no location at all"},
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	runs := []Run{
		{Tool: "trivy", Version: "0.69.3", InfoURI: "https://github.com/aquasecurity/trivy", Findings: fixedFindings()},
		{Tool: "golangci-lint", Version: "2.6.0", Findings: []result.Finding{
			{Tool: "golangci-lint", Kind: result.KindLint, RuleID: "errcheck", Severity: result.Medium,
				Message: "Error return value of `f.Close` is not checked", File: "cmd/golden/main.go", Line: 12, Column: 9},
		}},
		{Tool: "empty"},
	}
	got, err := Marshal(runs...)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, got)
	golden := filepath.Join("testdata", "golden.sarif.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("SARIF output differs from %s (-want +got):\n%s", golden, diff)
	}

	// Write gives the same bytes as Marshal.
	var buf bytes.Buffer
	if err := Write(&buf, runs...); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), got) {
		t.Error("Write and Marshal differ")
	}
}

// TestDeterministic shuffles the findings: the output must not change.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	base, err := Marshal(Run{Tool: "trivy", Findings: fixedFindings()})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 20; i++ {
		fs := fixedFindings()
		rng.Shuffle(len(fs), func(a, b int) { fs[a], fs[b] = fs[b], fs[a] })
		got, err := Marshal(Run{Tool: "trivy", Findings: fs})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(base, got) {
			t.Fatalf("shuffle %d changed the output", i)
		}
	}
}

// TestStructure reads the output back and checks the mapping rules:
// levels, deduplicated rules, rule indexes, regions and security-severity.
func TestStructure(t *testing.T) {
	t.Parallel()
	data, err := Marshal(Run{Tool: "trivy", Version: "dev", Findings: fixedFindings()})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID         string            `json:"id"`
						HelpURI    string            `json:"helpUri"`
						Properties map[string]any    `json:"properties"`
						Short      map[string]string `json:"shortDescription"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI       string `json:"uri"`
							URIBaseID string `json:"uriBaseId"`
						} `json:"artifactLocation"`
						Region *struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 {
		t.Fatalf("version %q, %d runs", doc.Version, len(doc.Runs))
	}
	r := doc.Runs[0]
	rules := r.Tool.Driver.Rules
	if len(rules) != 7 { // 8 findings, CVE-2022-32149 twice
		t.Errorf("%d rules, want 7 (deduplicated)", len(rules))
	}
	for i := 1; i < len(rules); i++ {
		if rules[i-1].ID >= rules[i].ID {
			t.Errorf("rules not sorted: %q before %q", rules[i-1].ID, rules[i].ID)
		}
	}
	for _, rl := range rules {
		if rl.Properties["security-severity"] == nil {
			t.Errorf("rule %s: no security-severity", rl.ID)
		}
		if rl.ID == "KSV-0110" && rl.HelpURI != "" {
			t.Errorf("rule KSV-0110: helpUri %q from a non-URL", rl.HelpURI)
		}
	}
	if len(r.Results) != 8 {
		t.Fatalf("%d results, want 8", len(r.Results))
	}
	wantLevel := map[string]string{
		"CVE-2022-32149": "error", "GHSA-xxxx-unfixed": "error", "aws-access-key-id": "error",
		"DS-0002": "error", "KSV-0110": "note", "CVE-2024-0001": "warning", "CVE-2024-0002": "note",
	}
	uris := map[string]bool{}
	for _, res := range r.Results {
		if rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s: ruleIndex %d points at %s", res.RuleID, res.RuleIndex, rules[res.RuleIndex].ID)
		}
		if res.Level != wantLevel[res.RuleID] {
			t.Errorf("result %s: level %q, want %q", res.RuleID, res.Level, wantLevel[res.RuleID])
		}
		for _, l := range res.Locations {
			uris[l.PhysicalLocation.ArtifactLocation.URI] = true
			if l.PhysicalLocation.ArtifactLocation.URIBaseID != "%SRCROOT%" {
				t.Errorf("result %s: uriBaseId %q", res.RuleID, l.PhysicalLocation.ArtifactLocation.URIBaseID)
			}
			if reg := l.PhysicalLocation.Region; reg != nil && reg.StartLine < 1 {
				t.Errorf("result %s: startLine %d", res.RuleID, reg.StartLine)
			}
		}
		if res.RuleID == "CVE-2024-0002" && len(res.Locations) != 0 {
			t.Errorf("finding without a file got locations %+v", res.Locations)
		}
		// A finding about a whole file is on its first line, where the
		// upload action can fingerprint it.
		if reg := res.Locations; res.RuleID == "GHSA-xxxx-unfixed" && (reg[0].PhysicalLocation.Region == nil || reg[0].PhysicalLocation.Region.StartLine != 1) {
			t.Errorf("finding without a line: region %+v, want startLine 1", reg[0].PhysicalLocation.Region)
		}
	}
	for _, want := range []string{"go.mod", "tools/go.mod", "config/app.env", "build/Dockerfile", "deploy/k8s/web.yaml"} {
		if !uris[want] {
			t.Errorf("no location with uri %q; have %v", want, uris)
		}
	}
}

func TestLintRuleHasNoSecuritySeverity(t *testing.T) {
	t.Parallel()
	data, err := Marshal(Run{Tool: "golangci-lint", Findings: []result.Finding{
		{Kind: result.KindLint, RuleID: "govet", Severity: result.High, Message: "x", File: "a.go", Line: 1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	validate(t, data)
	if strings.Contains(string(data), "security-severity") {
		t.Errorf("lint rule carries security-severity:\n%s", data)
	}
}

func TestEmptyToolName(t *testing.T) {
	t.Parallel()
	if _, err := Marshal(Run{Tool: "  "}); err == nil {
		t.Fatal("want an error for an empty tool name")
	}
}

func TestNoRuns(t *testing.T) {
	t.Parallel()
	data, err := Marshal()
	if err != nil {
		t.Fatal(err)
	}
	validate(t, data)
	if !strings.Contains(string(data), `"runs": []`) {
		t.Errorf("want an empty runs array:\n%s", data)
	}
}

func TestWriteFile(t *testing.T) {
	t.Parallel()
	name := filepath.Join(t.TempDir(), "out.sarif")
	if err := WriteFile(name, Run{Tool: "trivy", Findings: fixedFindings()}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, data)
	if err := WriteFile(filepath.Join(t.TempDir(), "missing", "out.sarif"), Run{Tool: "x"}); err == nil {
		t.Error("want an error writing into a missing directory")
	}
}

func TestLevelAndSecuritySeverity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sev        result.Severity
		level, sec string
	}{
		{result.Critical, "error", "9.5"},
		{result.High, "error", "8.0"},
		{result.Medium, "warning", "5.5"},
		{result.Low, "note", "2.0"},
		{result.Unknown, "note", "0.0"},
		{"bogus", "note", "0.0"},
	}
	for _, tt := range tests {
		if got := Level(tt.sev); got != tt.level {
			t.Errorf("Level(%q) = %q, want %q", tt.sev, got, tt.level)
		}
		if got := SecuritySeverity(tt.sev); got != tt.sec {
			t.Errorf("SecuritySeverity(%q) = %q, want %q", tt.sev, got, tt.sec)
		}
	}
}

func TestRelativeURI(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"go.mod", "go.mod"},
		{"./a/b.go", "a/b.go"},
		{`a\b\c.yaml`, "a/b/c.yaml"},
		{"/usr/lib/libc.so", "usr/lib/libc.so"},
		{"../../etc/passwd", "etc/passwd"},
		{"a/../b", "b"},
		{".", ""},
		{"/", ""},
		{"dir with space/f#1?.txt", "dir%20with%20space/f%231%3F.txt"},
		{"alpine:3.19 (alpine 3.19.1)", "alpine%3A3.19%20%28alpine%203.19.1%29"},
		{"ünï/cødé.go", "%C3%BCn%C3%AF/c%C3%B8d%C3%A9.go"},
	}
	for _, tt := range tests {
		if got := RelativeURI(tt.in); got != tt.want {
			t.Errorf("RelativeURI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzMarshal feeds arbitrary strings into every field a tool controls:
// the output must always be valid SARIF 2.1.0.
func FuzzMarshal(f *testing.F) {
	f.Add("trivy", "0.69.3", "https://trivy.dev", "CVE-2022-1", "HIGH", "go.mod", "title", "msg", "https://x.test/a", 3, 1)
	f.Add("t", "", "not a url", "", "bogus", `C:\a\b`, "", "", "", 0, 0)
	f.Add("t", "v", "", "id", "LOW", "a:b/c d", "<b>&</b>", "\x00\n", "http://[::1]:namedport", -5, -1)
	f.Fuzz(func(t *testing.T, tool, version, info, rule, sev, file, title, msg, url string, line, col int) {
		if strings.TrimSpace(tool) == "" {
			tool = "tool"
		}
		fs := []result.Finding{{Kind: result.KindVulnerability, RuleID: rule, Severity: result.Severity(sev),
			Title: title, Message: msg, File: file, Line: line, Column: col, EndLine: line, URL: url}}
		data, err := Marshal(Run{Tool: tool, Version: version, InfoURI: info, Findings: fs})
		if err != nil {
			t.Fatal(err)
		}
		validate(t, data)
	})
}

// TestGitHubRequirements checks what GitHub code scanning requires beyond
// the schema: every rule has a fullDescription, descriptions are cut to
// 1,024 characters, and a finding about a whole file (Trivy on go.mod,
// DS-0026 on a Dockerfile) has a region on line 1 for the upload action to
// fingerprint.
func TestGitHubRequirements(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 3000)
	data, err := Marshal(
		Run{Tool: "trivy", Findings: []result.Finding{
			{Kind: result.KindMisconfiguration, RuleID: "DS-0026", Severity: result.Low,
				Title: "No HEALTHCHECK defined", Message: "Add HEALTHCHECK instruction in your Dockerfile", File: "services/api/Dockerfile"},
			{Kind: result.KindVulnerability, RuleID: "CVE-2026-9", Severity: result.High, Title: long, Message: "x", File: "go.mod"},
		}},
		Run{Tool: "golangci-lint", Findings: []result.Finding{
			{Kind: result.KindLint, RuleID: "errcheck", Severity: result.High, Message: "unchecked", File: "main.go", Line: 6, Column: 11},
		}},
	)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, data)
	var doc struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID               string
						ShortDescription struct{ Text string }
						FullDescription  struct{ Text string }
					}
				}
			}
			Results []struct {
				RuleID    string
				Locations []struct {
					PhysicalLocation struct {
						Region *struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	descs := map[string][2]string{}
	lines := map[string][2]int{}
	for _, r := range doc.Runs {
		for _, rl := range r.Tool.Driver.Rules {
			descs[rl.ID] = [2]string{rl.ShortDescription.Text, rl.FullDescription.Text}
		}
		for _, res := range r.Results {
			reg := res.Locations[0].PhysicalLocation.Region
			if reg == nil {
				t.Fatalf("%s: no region", res.RuleID)
			}
			lines[res.RuleID] = [2]int{reg.StartLine, reg.StartColumn}
		}
	}
	cutLong := strings.Repeat("é", MaxDescription-1) + "…"
	want := map[string][2]string{
		"DS-0026":    {"No HEALTHCHECK defined", "No HEALTHCHECK defined"},
		"CVE-2026-9": {cutLong, cutLong},
		"errcheck":   {"errcheck", "golangci-lint rule errcheck"},
	}
	if diff := cmp.Diff(want, descs); diff != "" {
		t.Errorf("descriptions (-want +got):\n%s", diff)
	}
	wantLines := map[string][2]int{"DS-0026": {1, 0}, "CVE-2026-9": {1, 0}, "errcheck": {6, 11}}
	if diff := cmp.Diff(wantLines, lines); diff != "" {
		t.Errorf("regions [startLine startColumn] (-want +got):\n%s", diff)
	}
}

// TestGitHubCheckRejects makes sure the GitHub check is live: what golden
// fixed must be caught again if it came back.
func TestGitHubCheckRejects(t *testing.T) {
	t.Parallel()
	good, err := Marshal(Run{Tool: "trivy", Findings: fixedFindings()})
	if err != nil {
		t.Fatal(err)
	}
	if p := sariftest.GitHubProblems(good); len(p) > 0 {
		t.Fatalf("golden's own log: %q", p)
	}
	tests := []struct{ name, old, new, problem string }{
		{"no fullDescription", `"fullDescription": {`, `"fullDescriptionX": {`, "fullDescription.text: required"},
		{"empty help", `"help": {`, `"help": {"text": ""}, "helpX": {`, "help.text: required"},
		{"long shortDescription", `"text": "Image user should not be 'root'"`, `"text": "` + strings.Repeat("x", 1025) + `"`, "1025 characters"},
		{"no region", `"region": {`, `"regionX": {`, "region.startLine: required"},
		{"bad security-severity", `"security-severity": "8.0"`, `"security-severity": "high"`, "security-severity"},
	}
	for _, tt := range tests {
		bad := strings.Replace(string(good), tt.old, tt.new, 1)
		if bad == string(good) {
			t.Fatalf("%s: %q not found in the output", tt.name, tt.old)
		}
		p := sariftest.GitHubProblems([]byte(bad))
		if !strings.Contains(strings.Join(p, "\n"), tt.problem) {
			t.Errorf("%s: problems %q, want one saying %q", tt.name, p, tt.problem)
		}
	}
}
