package report

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goldenci/golden/internal/testsupport/sariftest"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/scan"
)

func TestFindingText(t *testing.T) {
	t.Parallel()
	vuln := func(msg, title, pkg, installed, fixed string) result.Finding {
		return result.Finding{Tool: "trivy", Kind: result.KindVulnerability, RuleID: "CVE-2019-10744",
			Message: msg, Title: title, Package: pkg, InstalledVersion: installed, FixedVersion: fixed}
	}
	for _, tt := range []struct {
		name string
		f    result.Finding
		want string
	}{
		{"scan's message names package and fix",
			vuln("CVE-2019-10744 in lodash 4.17.4 (fixed in 4.17.12)", "Prototype pollution", "lodash", "4.17.4", "4.17.12"),
			"CVE-2019-10744 in lodash 4.17.4 (fixed in 4.17.12)"},
		{"scan's message of an unfixed vulnerability",
			vuln("GHSA-fake-unfx-0001 in acme.local/fakelib v1.2.0 (no fix available)", "", "acme.local/fakelib", "v1.2.0", ""),
			"GHSA-fake-unfx-0001 in acme.local/fakelib v1.2.0 (no fix available)"},
		{"description message",
			vuln("Prototype pollution", "", "lodash", "4.17.4", "4.17.12"),
			"Prototype pollution (lodash 4.17.4, fixed in 4.17.12)"},
		{"title only",
			vuln("", "Prototype pollution", "lodash", "4.17.4", ""),
			"Prototype pollution (lodash 4.17.4)"},
		{"package only",
			vuln("", "", "lodash", "4.17.4", "4.17.12"),
			"lodash 4.17.4, fixed in 4.17.12"},
		{"message names the package but not the fix",
			vuln("lodash 4.17.4 is vulnerable", "", "lodash", "4.17.4", "4.17.12"),
			"lodash 4.17.4 is vulnerable (lodash 4.17.4, fixed in 4.17.12)"},
		{"a sub-package is not the package",
			vuln("Non-linear parsing in golang.org/x/net/html", "", "golang.org/x/net", "", ""),
			"Non-linear parsing in golang.org/x/net/html (golang.org/x/net)"},
		{"a longer version is not the version",
			vuln("CVE-1 in lodash 4.17.40 (fixed in 4.17.41)", "", "lodash", "4.17.4", "4.17.41"),
			"CVE-1 in lodash 4.17.40 (fixed in 4.17.41) (lodash 4.17.4, fixed in 4.17.41)"},
		{"not a dependency",
			result.Finding{Tool: "trivy", Kind: result.KindSecret, RuleID: "github-pat", Title: "GitHub Personal Access Token"},
			"GitHub Personal Access Token"},
	} {
		if got := FindingText(tt.f); got != tt.want {
			t.Errorf("%s: findingText = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// The findings package scan reads from real trivy output name their
// package, installed version and fix once in every rendering: terminal,
// GitHub annotations and summary, JUnit, Code Quality and SARIF.
func TestScanFindingsNamePackageOnce(t *testing.T) {
	t.Parallel()
	rep, err := scan.LoadReport(filepath.Join("..", "scan", "testdata", "trivy-report.json"))
	if err != nil {
		t.Fatal(err)
	}
	sf, err := scan.Findings(rep)
	if err != nil {
		t.Fatal(err)
	}
	run := result.New(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
	st := result.Stage{Name: "scan", Tool: scan.Tool, Status: result.Failed}
	var vulns []result.Finding
	for _, f := range sf {
		st.Findings = append(st.Findings, f.Finding)
		if f.Kind == result.KindVulnerability {
			vulns = append(vulns, f.Finding)
		}
	}
	if len(vulns) < 3 {
		t.Fatalf("the trivy report gives %d vulnerabilities, want several", len(vulns))
	}
	run.SetStage(st)
	opts := Options{MaxItems: 100, MaxAnnotations: 100}

	renderings := map[string]func() ([]byte, error){
		"local": func() ([]byte, error) {
			var b bytes.Buffer
			err := Local(&b, run, opts)
			return b.Bytes(), err
		},
		"github annotations": func() ([]byte, error) {
			getenv, _, _ := githubEnv(t.TempDir())
			var b bytes.Buffer
			_, err := RenderGitHub(&b, getenv, run, opts)
			return b.Bytes(), err
		},
		"github summary": func() ([]byte, error) {
			var b bytes.Buffer
			err := GitHubSummary(&b, run, opts)
			return b.Bytes(), err
		},
		"junit": func() ([]byte, error) {
			var b bytes.Buffer
			err := JUnit(&b, run, opts)
			return b.Bytes(), err
		},
		"code quality": func() ([]byte, error) {
			var b bytes.Buffer
			err := CodeQuality(&b, run, opts)
			return b.Bytes(), err
		},
		"sarif": func() ([]byte, error) {
			var b bytes.Buffer
			err := SARIF(&b, run, opts)
			sariftest.Validate(t, b.Bytes())
			return b.Bytes(), err
		},
	}
	for name, render := range renderings {
		out, err := render()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, f := range vulns {
			pkg := f.Package + " " + f.InstalledVersion
			shown := false
			for _, line := range strings.Split(string(out), "\n") {
				if !strings.Contains(line, f.RuleID) {
					continue
				}
				switch n := strings.Count(line, pkg); {
				case n > 1:
					t.Errorf("%s: %q names %s %d times", name, line, pkg, n)
				case n == 1:
					shown = true
				}
				if f.FixedVersion != "" {
					if n := strings.Count(line, "fixed in "+f.FixedVersion); n > 1 {
						t.Errorf("%s: %q names the fix %d times", name, line, n)
					}
				}
			}
			if !shown {
				t.Errorf("%s: no line of %s names %s:\n%s", name, f.RuleID, pkg, out)
			}
		}
	}
}
