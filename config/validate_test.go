package config

import (
	"math"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
)

// TestValidate changes one value of a valid configuration, as a flag of
// the runner would, and checks the error.
func TestValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		change func(c *Config)
		want   string // "" for valid
	}{
		{"default", func(*Config) {}, ""},
		{"full", func(c *Config) {
			c.Service = "go-service"
			c.Image.Repository = "localhost:5000/acme/app"
			c.Image.Target = "runtime"
			c.Image.Platforms = []string{"linux/amd64", "linux/arm64", "linux/arm/v7"}
			c.Image.BuildArgs = map[string]string{"A": "1", "_B": ""}
			c.Coverage = CoverageConfig{Min: ptr(0), MinPackage: ptr(100), PatchMin: ptr(50.5), PatchBase: "HEAD~1"}
			c.Scan.Scanners = []string{"license"}
			c.Scan.DBRepository = "mirror.example.com:5000/trivy-db@sha256:" + strings.Repeat("a", 64)
			c.GitOps = GitOpsConfig{
				Repo: "ssh://git@example.com:2222/acme/gitops.git", Branch: "release/v1", Staging: "stg",
				Environments: map[string]Environment{"stg": {Path: "envs/stg/values.yaml"}, "prod": {Path: ".", Image: "ghcr.io/acme/prod"}},
			}
			c.Tools = map[string]string{"trivy": "aquasec/trivy@sha256:" + strings.Repeat("b", 64)}
		}, ""},
		{"scp-like and local repos", func(c *Config) { c.GitOps.Repo = "git@github.com:acme/gitops.git" }, ""},
		{"local path repo", func(c *Config) { c.GitOps.Repo = "../gitops" }, ""},
		{"file repo", func(c *Config) { c.GitOps.Repo = "file:///srv/git/gitops.git" }, ""},
		{"no packages for python", func(c *Config) { c.Language, c.Test.Packages = Python, nil }, ""},

		{"no language", func(c *Config) { c.Language = "" }, "language: not set (want go, python or node)"},
		{"bad language", func(c *Config) { c.Language = "golang" }, `language: unknown language "golang" (want go, python or node)`},
		{"service", func(c *Config) { c.Service = "-x" }, `service: bad service name "-x"`},
		{"no dockerfile", func(c *Config) { c.Image.Dockerfile = "" }, "image.dockerfile: empty path"},
		{"dockerfile directory", func(c *Config) { c.Image.Dockerfile = "build/" }, `image.dockerfile: path "build/" is a directory`},
		{"dockerfile dot", func(c *Config) { c.Image.Dockerfile = "." }, `image.dockerfile: path "." is a directory`},
		{"dockerfile backslash", func(c *Config) { c.Image.Dockerfile = `build\Dockerfile` }, "use forward slashes"},
		{"no platforms", func(c *Config) { c.Image.Platforms = nil }, "image.platforms: empty list"},
		{"platform variant", func(c *Config) { c.Image.Platforms = []string{"linux/arm/7"} }, `image.platforms[0]: bad platform "linux/arm/7": bad variant "7"`},
		{"platform os", func(c *Config) { c.Image.Platforms = []string{"linus/amd64"} }, `unknown os "linus"`},
		{"platform twice", func(c *Config) { c.Image.Platforms = []string{"linux/amd64", "linux/amd64"} }, `image.platforms[1]: "linux/amd64" is listed twice`},
		{"target", func(c *Config) { c.Image.Target = "my stage" }, `image.target: bad build stage name "my stage"`},
		{"build arg", func(c *Config) { c.Image.BuildArgs = map[string]string{"A-B": "x"} }, `image.buildArgs.A-B: bad build argument name "A-B"`},
		{"build arg NUL", func(c *Config) { c.Image.BuildArgs = map[string]string{"A": "x\x00"} }, "image.buildArgs.A: value contains a NUL character"},
		{"repository", func(c *Config) { c.Image.Repository = "ghcr.io/acme/app:latest" }, "image.repository: bad image repository"},
		{"repository too long", func(c *Config) { c.Image.Repository = strings.Repeat("a", 256) }, "image.repository: image repository longer than 255 characters"},
		{"fail on lower case", func(c *Config) { c.Lint.FailOn = "low" }, `lint.failOn: severity "low": write it in capitals, LOW`},
		{"fail on empty", func(c *Config) { c.Lint.FailOn = "" }, `lint.failOn: unknown severity ""`},
		{"go packages", func(c *Config) { c.Test.Packages = nil }, "test.packages: empty list"},
		{"package space", func(c *Config) { c.Test.Packages = []string{"./a ./b"} }, `test.packages[0]: package pattern "./a ./b" contains a space`},
		{"min", func(c *Config) { c.Coverage.Min = ptr(100.01) }, "coverage.min: 100.01 is not a percentage between 0 and 100"},
		{"min package inf", func(c *Config) { c.Coverage.MinPackage = ptr(math.Inf(1)) }, "coverage.minPackage: +Inf is not a percentage"},
		{"patch min", func(c *Config) { c.Coverage.PatchMin = ptr(-0.5) }, "coverage.patchMin: -0.5 is not a percentage"},
		{"patch base", func(c *Config) { c.Coverage.PatchBase = "main\n" }, "coverage.patchBase: revision \"main\\n\" contains a space or control character"},
		{"severity", func(c *Config) { c.Scan.Severity = []string{"HIGH", "SEVERE"} }, `scan.severity[1]: unknown severity "SEVERE"`},
		{"no severity", func(c *Config) { c.Scan.Severity = []string{} }, "scan.severity: empty list"},
		{"scanner", func(c *Config) { c.Scan.Scanners = []string{"vulns"} }, `scan.scanners[0]: unknown scanner "vulns"`},
		{"db repository", func(c *Config) { c.Scan.DBRepository = "mirror.example.com/db:" }, "scan.dbRepository: bad image reference"},
		{"java db repository", func(c *Config) { c.Scan.JavaDBRepository = "x@sha256:" }, "scan.javaDBRepository: bad image reference"},
		{"repo credentials", func(c *Config) { c.GitOps.Repo = "https://x-access-token:ghp_secret@github.com/acme/gitops.git" }, "gitops.repo: the repository URL holds credentials"},
		{"repo option", func(c *Config) { c.GitOps.Repo = "--upload-pack=evil" }, "gitops.repo: repository address starts with '-'"},
		{"repo spaces", func(c *Config) { c.GitOps.Repo = " https://github.com/acme/gitops.git" }, "gitops.repo: repository address has leading or trailing spaces"},
		{"branch lock", func(c *Config) { c.GitOps.Branch = "main.lock" }, `gitops.branch: bad branch name "main.lock"`},
		{"branch dot component", func(c *Config) { c.GitOps.Branch = "a/.b" }, "a component starts with '.'"},
		{"branch space", func(c *Config) { c.GitOps.Branch = "my branch" }, `gitops.branch: bad branch name "my branch": contains a space`},
		{"no staging", func(c *Config) { c.GitOps.Staging = "" }, "gitops.staging: empty environment name"},
		{"staging missing", func(c *Config) {
			c.GitOps.Repo = "https://github.com/acme/gitops.git"
			c.GitOps.Environments = map[string]Environment{"dev": {Path: "dev"}}
		}, `gitops.staging: environment "staging" is not one of gitops.environments (dev)`},
		{"environment path", func(c *Config) {
			c.GitOps.Environments = map[string]Environment{"staging": {Path: "/abs"}}
		}, `gitops.environments.staging.path: path "/abs" is absolute`},
		{"policy dir", func(c *Config) { c.Policy.Dir = "../policy" }, `policy.dir: path "../policy" leaves the repository (..)`},
		{"policy dir root", func(c *Config) { c.Policy.Dir = "./" }, `policy.dir: path "./" is the service root`},
		{"policy", func(c *Config) {
			c.Policy = PolicyConfig{Dir: "policy", Namespaces: []string{"main", "kubernetes.admission"}}
		}, ""},
		{"policy bad namespace", func(c *Config) { c.Policy = PolicyConfig{Dir: "policy", Namespaces: []string{"k8s-admission"}} },
			`policy.namespaces[0]: bad Rego package "k8s-admission"`},
		{"policy namespaces without dir", func(c *Config) { c.Policy.Namespaces = []string{"main"} }, "policy.namespaces: set without policy.dir"},
		{"environment no path", func(c *Config) {
			c.GitOps.Environments = map[string]Environment{"staging": {}}
		}, "gitops.environments.staging.path: empty path"},
		{"absolute verify key", func(c *Config) {
			c.GitOps.Environments = map[string]Environment{"staging": {Path: "overlays/staging", VerifyKey: "/etc/cosign.pub"}}
		}, `gitops.environments.staging.verifyKey: path "/etc/cosign.pub" is absolute`},
		{"environment name", func(c *Config) {
			c.GitOps.Environments = map[string]Environment{"a/b": {Path: "x"}}
		}, `gitops.environments.a/b: bad environment name "a/b"`},
		{"environment image", func(c *Config) {
			c.GitOps.Environments = map[string]Environment{"staging": {Path: "x", Image: "X"}}
		}, `gitops.environments.staging.image: bad image repository "X"`},
		{"tool key", func(c *Config) { c.Tools = map[string]string{"ruff": "ruff:1"} }, `tools.ruff: unknown tool "ruff" (want base, go, golangci-lint, node, python, trivy)`},
		{"tool image", func(c *Config) { c.Tools = map[string]string{"go": "golang@sha256:xyz"} }, `tools.go: bad image reference "golang@sha256:xyz": bad digest`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := Default(Go)
			tc.change(c)
			err := c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Errorf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate accepted %+v", c)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error:\n got %s\nwant ...%s...", err, tc.want)
			}
			if exitcode.Code(err) != exitcode.Usage {
				t.Errorf("exit code %d", exitcode.Code(err))
			}
		})
	}
}

func TestValidateNil(t *testing.T) {
	t.Parallel()
	var c *Config
	if err := c.Validate(); err == nil {
		t.Error("nil config validated")
	}
}

func TestValidateHidesCredentials(t *testing.T) {
	t.Parallel()
	c := Default(Go)
	for _, repo := range []string{
		"https://x-access-token:ghp_s3cr3t@github.com/acme/gitops.git",
		"https://ghp_s3cr3t@github.com/acme/gitops.git",
		"https://u:ghp_s3cr3t@github.com:port/x",
		"ftp://u:ghp_s3cr3t@example.com/x",
	} {
		c.GitOps.Repo = repo
		err := c.Validate()
		if err == nil {
			t.Errorf("%s: accepted", repo)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error shows the credential: %v", err)
		}
	}
}
