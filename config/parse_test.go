package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/tools"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func ptr(f float64) *float64 { return &f }

func TestParseExample(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/golden.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data, "golden.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Service:  "go-service",
		Language: Go,
		File:     "golden.example.yaml",
		Image: ImageConfig{
			Repository: "ghcr.io/acme/go-service",
			Dockerfile: "Dockerfile",
			Platforms:  []string{"linux/amd64", "linux/arm64"},
			BuildArgs:  map[string]string{"VERSION_SUFFIX": "-rc", "CGO_ENABLED": "0"},
		},
		Lint: LintConfig{FailOn: "LOW"},
		Test: TestConfig{Race: true, Packages: []string{"./..."}},
		Coverage: CoverageConfig{
			Min: ptr(80), MinPackage: ptr(60), PatchMin: ptr(90), PatchBase: "origin/main",
		},
		Scan: ScanConfig{
			Severity:         []string{"HIGH", "CRITICAL"},
			IgnoreUnfixed:    true,
			Scanners:         []string{"vuln", "secret", "misconfig"},
			DBRepository:     "mirror.example.com/aquasecurity/trivy-db:2",
			JavaDBRepository: "mirror.example.com/aquasecurity/trivy-java-db:1",
		},
		GitOps: GitOpsConfig{
			Repo:    "https://github.com/acme/gitops.git",
			Branch:  "main",
			Staging: "staging",
			Environments: map[string]Environment{
				"staging":    {Path: "overlays/staging"},
				"production": {Path: "overlays/production", Image: "ghcr.io/acme/prod/go-service"},
			},
		},
		Policy: PolicyConfig{Dir: "policy", Namespaces: []string{"main"}},
		Tools: map[string]string{
			"go":    "golang:1.26.8-bookworm@sha256:9fdc884aacc3bec89b20ffc69f4bb369c78210e3e4f600387b5128b12c199f81",
			"trivy": "mirror.example.com/aquasec/trivy:0.69.3@sha256:bcc376de8d77cfe086a917230e818dc9f8528e3c852f7b1aff648949b6258d1c",
		},
	}
	if d := cmp.Diff(want, c); d != "" {
		t.Errorf("Parse (-want +got):\n%s", d)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if got := c.ToolImage("trivy"); got != want.Tools["trivy"] {
		t.Errorf("ToolImage(trivy) = %q", got)
	}
	if got := c.ToolImage("node"); got != tools.Image("node") {
		t.Errorf("ToolImage(node) = %q, want the pinned %q", got, tools.Image("node"))
	}
}

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, data string
		want       *Config
	}{
		{"empty", "", &Config{File: "golden.yaml"}},
		{"comments only", "# nothing yet\n", &Config{File: "golden.yaml"}},
		{"null document", "~\n", &Config{File: "golden.yaml"}},
		{"empty sections", "lint:\ntest:\nscan:\n", &Config{File: "golden.yaml"}},
		{"go", "language: golang\n", func() *Config { c := Default(Go); c.File = "golden.yaml"; return c }()},
		{"typescript", "language: TypeScript\nservice: web\n", func() *Config {
			c := Default(Node)
			c.File, c.Service = "golden.yaml", "web"
			return c
		}()},
		{"race off", "language: go\ntest: {race: false}\n", func() *Config {
			c := Default(Go)
			c.File, c.Test.Race = "golden.yaml", false
			return c
		}()},
		{"severities in any case", "language: python\nlint: {failOn: medium}\nscan: {severity: [critical, High]}\n", func() *Config {
			c := Default(Python)
			c.File, c.Lint.FailOn, c.Scan.Severity = "golden.yaml", "MEDIUM", []string{"CRITICAL", "HIGH"}
			return c
		}()},
		{"numbers and dates as strings", "language: node\nimage: {target: 2024-01-01, buildArgs: {N: 1.50, M: 7}}\n", func() *Config {
			c := Default(Node)
			c.File, c.Image.Target, c.Image.BuildArgs = "golden.yaml", "2024-01-01", map[string]string{"N": "1.50", "M": "7"}
			return c
		}()},
		{"zero coverage", "language: go\ncoverage: {min: 0, patchMin: 100.0}\n", func() *Config {
			c := Default(Go)
			c.File, c.Coverage.Min, c.Coverage.PatchMin = "golden.yaml", ptr(0), ptr(100)
			return c
		}()},
		{"environment with a verify key", "language: go\ngitops: {environments: {prod: {path: overlays/prod, verifyKey: keys/cosign.pub}}}\n", func() *Config {
			c := Default(Go)
			c.File, c.GitOps.Environments = "golden.yaml", map[string]Environment{"prod": {Path: "overlays/prod", VerifyKey: "keys/cosign.pub"}}
			return c
		}()},
		{"policy", "language: go\npolicy: {dir: policy/, namespaces: [main, kubernetes.admission]}\n", func() *Config {
			c := Default(Go)
			c.File, c.Policy = "golden.yaml", PolicyConfig{Dir: "policy/", Namespaces: []string{"main", "kubernetes.admission"}}
			return c
		}()},
		{"environments without repo need no staging", "language: go\ngitops: {environments: {dev: {path: dev}}}\n", func() *Config {
			c := Default(Go)
			c.File, c.GitOps.Environments = "golden.yaml", map[string]Environment{"dev": {Path: "dev"}}
			return c
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse([]byte(tc.data), "golden.yaml")
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want.Language == "" {
				// Without a language, Parse fills in all but the Go
				// packages default.
				want = Default("")
				want.File = tc.want.File
			}
			if d := cmp.Diff(want, c); d != "" {
				t.Errorf("Parse (-want +got):\n%s", d)
			}
			if c.Language != "" {
				if err := c.Validate(); err != nil {
					t.Errorf("Validate: %v", err)
				}
			}
		})
	}
}

// TestParseErrors parses every testdata/bad/*.yaml and compares the error
// with the .err file beside it (go test -update rewrites them).
func TestParseErrors(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("only %d bad configs in testdata/bad", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			_, perr := Parse(data, "golden.yaml")
			if perr == nil {
				t.Fatal("Parse succeeded")
			}
			if code := exitcode.Code(perr); code != exitcode.Usage {
				t.Errorf("exit code %d, want %d", code, exitcode.Usage)
			}
			got := perr.Error() + "\n"
			golden := strings.TrimSuffix(file, ".yaml") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("error:\n got %s want %s", got, want)
			}
		})
	}
}

// TestParseHidesCredentials checks that a GitOps URL with credentials is
// refused without the credentials appearing in the error.
func TestParseHidesCredentials(t *testing.T) {
	t.Parallel()
	for _, repo := range []string{
		"https://user:s3cr3t-t0ken@github.com/acme/gitops.git",
		"https://s3cr3t-t0ken@github.com/acme/gitops.git",
		"https://user:s3cr3t-t0ken@github.com:bad port/acme/gitops.git",
		"ssh://git:s3cr3t-t0ken@github.com/acme/gitops.git",
		"http://s3cr3t-t0ken:x@[::1/acme",
	} {
		_, err := Parse([]byte("gitops:\n  repo: "+repo+"\n"), "golden.yaml")
		if err == nil {
			t.Errorf("%s: accepted", repo)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error shows the credential: %v", err)
		}
		if !strings.HasPrefix(err.Error(), "golden.yaml:2: gitops.repo: ") {
			t.Errorf("error %q does not name the file, line and key", err)
		}
	}
}

func TestParseLanguage(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Language{
		"go": Go, "Golang": Go, "python": Python, "node": Node, "JavaScript": Node,
		"typescript": Node, "ts": Node, "js": Node, " go ": Go,
	} {
		if got, err := ParseLanguage(in); err != nil || got != want {
			t.Errorf("ParseLanguage(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "java", "golang2", "py"} {
		if _, err := ParseLanguage(in); err == nil {
			t.Errorf("ParseLanguage(%q) succeeded", in)
		}
	}
}

func TestParseTooLarge(t *testing.T) {
	t.Parallel()
	data := []byte("service: x\n# " + strings.Repeat("x", maxFileSize) + "\n")
	if _, err := Parse(data, "golden.yaml"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("err = %v", err)
	}
}

func TestEditDistance(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"min", "min", 0}, {"thresold", "threshold", 1}, {"failon", "failOn", 1},
		{"kitten", "sitting", 3}, {"", "abc", 3},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
