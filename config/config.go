// Package config is the configuration of a service golden builds: its
// language, image, gates and GitOps environments, and the tool images the
// pipeline runs.
//
// Zero configuration is the common case: Load detects the language from the
// files at the root of the service (Detect) and fills in defaults. A service
// that needs more adds golden.yaml (or .golden.yaml) at its root. Every key
// is optional:
//
//	service: go-service              # default: service.yaml metadata.name, else the directory name
//	language: go                     # go (golang), python, node (javascript, typescript); default: detected
//	image:
//	  repository: ghcr.io/acme/go-service   # where publish pushes; no tag or digest
//	  dockerfile: Dockerfile         # default Dockerfile, relative to the service root
//	  target: ""                     # build stage; default the last one
//	  platforms: [linux/amd64, linux/arm64]  # default [linux/amd64]
//	  buildArgs: {VERSION_SUFFIX: ""}
//	  main: ./cmd/server             # Go without a Dockerfile: the package built onto the base image (default .)
//	lint:
//	  skip: false
//	  failOn: LOW                    # lowest severity that fails the gate; default LOW
//	test:
//	  skip: false
//	  race: true                     # go test -race; default true
//	  packages: ["./..."]            # default ./... for Go
//	coverage:                        # no gate unless set
//	  min: 80                        # total statement coverage, percent
//	  minPackage: 60                 # every package
//	  patchMin: 90                   # the lines changed since patchBase
//	  patchBase: origin/main
//	scan:
//	  skip: false
//	  severity: [HIGH, CRITICAL]     # default HIGH, CRITICAL
//	  ignoreUnfixed: true
//	  scanners: [vuln, secret, misconfig]   # default; also license
//	  dbRepository: mirror.example.com/aquasecurity/trivy-db:2
//	  javaDBRepository: mirror.example.com/aquasecurity/trivy-java-db:1
//	  checksBundleRepository: mirror.example.com/aquasecurity/trivy-checks:1
//	  insecure: false                # the mirrors' TLS is not verified
//	  skipDBUpdate: false            # use the DB already in the cache (or the one given to the run)
//	  skipDirs: [testdata]           # not scanned (Trivy --skip-dirs globs)
//	  skipImage: false               # skip the scan of the built image
//	gitops:
//	  repo: https://github.com/acme/gitops.git   # no credentials: they come from the environment
//	  branch: main                   # default: the remote's default branch
//	  staging: staging               # environment bumped after publish; default staging
//	  environments:
//	    staging: {path: overlays/staging}
//	    production: {path: overlays/production, image: ghcr.io/acme/prod/go-service,
//	                 verifyKey: keys/cosign.pub}   # promote only images signed and gated by this key
//	tools:                           # tool image overrides, by key
//	  go: golang:1.26.8-bookworm@sha256:...
//	  trivy: mirror.example.com/aquasec/trivy:0.69.3@sha256:...
//	env:                             # package-manager settings of every tool container
//	  GOPROXY: https://goproxy.acme.internal
//	  GOPRIVATE: github.com/acme/*
//	  PIP_INDEX_URL: https://pypi.acme.internal/simple
//	  npm_config_registry: https://npm.acme.internal/
//	caCerts: certs/acme-ca.pem       # PEM bundle the tools trust (replaces the images' own)
//	policy:                          # Rego policies an environment must pass (golden policy)
//	  dir: policy                    # policies and data files, relative to the service root
//	  namespaces: [main]             # Rego packages evaluated; default main
//
// Credentials are never configuration: a netrc (Go modules, pip) and an
// npmrc reach the tool containers as secrets (golden ci --netrc/--npmrc,
// the modules' netrc and npmrc arguments); env refuses values with a
// password in them.
//
// Every key can also be given as a setting, golden ci --set KEY=VALUE or
// the modules' --set argument, with the key path and a YAML value:
// --set scan.severity=[CRITICAL] --set env.GOPROXY=https://goproxy.acme.internal.
//
// golden.yaml is strict: an unknown key, a value of the wrong type or a bad
// value is an error naming the file, the line and the key, such as
//
//	golden.yaml:7: unknown key "thresold" in coverage (want min, minPackage, patchMin, patchBase)
//
// The service.yaml convention (metadata.name, spec.language) is read too,
// leniently: the file belongs to other tools, so its other keys are ignored.
//
// Precedence, highest first: command-line flags (the runner applies them
// to the Config that Load returns, then calls Validate), GOLDEN_IMAGE_<KEY>
// environment variables for tool images, golden.yaml, service.yaml,
// detection and defaults.
//
// Every error of this package is classified as bad input (exit code 2) for
// package exitcode, except an unreadable service directory (exit code 3).
package config

import (
	"fmt"
	"strings"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/tools"
)

// Language is the language of a service, which decides its lint and test
// tools.
type Language string

// The languages golden builds.
const (
	// Go: go.mod; golangci-lint and go test.
	Go Language = "go"
	// Python: pyproject.toml or requirements.txt; ruff and pytest.
	Python Language = "python"
	// Node is TypeScript and JavaScript: package.json; eslint and npm test.
	Node Language = "node"
)

// Languages lists the languages golden builds.
var Languages = []Language{Go, Python, Node}

// ParseLanguage reads a language name, case-insensitively, with its
// aliases: go or golang; python; node, javascript, js, typescript or ts.
func ParseLanguage(s string) (Language, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "go", "golang":
		return Go, nil
	case "python":
		return Python, nil
	case "node", "nodejs", "javascript", "js", "typescript", "ts":
		return Node, nil
	}
	return "", fmt.Errorf("unknown language %q (want go, python or node)", s)
}

// Config is the configuration of one service. Load returns it complete:
// detected, defaulted and validated.
type Config struct {
	// Service is the service's name: golden.yaml service, else
	// service.yaml metadata.name, else the directory name ("" when none
	// is known, as for LoadFS without a name).
	Service string
	// Language is the service's language.
	Language Language
	// File is the config file read (golden.yaml or .golden.yaml), "" when
	// there is none.
	File string
	// Image is how the service's image is built and where it goes.
	Image ImageConfig
	// Lint configures the lint stage.
	Lint LintConfig
	// Test configures the test stage.
	Test TestConfig
	// Coverage holds the coverage gate's thresholds.
	Coverage CoverageConfig
	// Scan configures the Trivy scans.
	Scan ScanConfig
	// GitOps names the GitOps repository and its environments.
	GitOps GitOpsConfig
	// Tools overrides tool images by key ("go", "golangci-lint", "trivy",
	// "python", "node"); ToolImage falls back to the pinned tools.Image.
	Tools map[string]string
	// Env are environment variables of every tool container: the
	// package managers' mirrors and settings (GOPROXY, GOPRIVATE,
	// GONOSUMDB, GOFLAGS, PIP_INDEX_URL, npm_config_registry, ...). Never
	// credentials: those are secrets (netrc, npmrc).
	Env map[string]string
	// CACerts is a PEM bundle in the service's source that every tool
	// container trusts instead of its image's own (a corporate CA with
	// the public roots); "" keeps the images' bundles.
	CACerts string
	// Policy names the Rego policies that an environment's manifests
	// must pass (golden policy, and bump and promote before they
	// commit).
	Policy PolicyConfig
}

// ImageConfig says how the service's image is built and where it goes.
type ImageConfig struct {
	// Repository is where publish pushes ("ghcr.io/acme/go-service"),
	// without tag or digest; "" when not configured.
	Repository string
	// Dockerfile is the Dockerfile's path relative to the service root
	// (default "Dockerfile").
	Dockerfile string
	// Target is the build stage to build; "" builds the last one.
	Target string
	// Platforms are the platforms to build, os/arch[/variant] (default
	// linux/amd64).
	Platforms []string
	// BuildArgs are the Dockerfile's build arguments.
	BuildArgs map[string]string
	// Main is the main package of a Go service without a Dockerfile,
	// which golden builds itself onto the base image (tools.base), like
	// ko (default ".").
	Main string
}

// LintConfig configures the lint stage.
type LintConfig struct {
	// Skip skips the stage.
	Skip bool
	// FailOn is the lowest severity that fails the gate (default "LOW").
	FailOn string
}

// TestConfig configures the test stage.
type TestConfig struct {
	// Skip skips the stage.
	Skip bool
	// Race runs go test with -race (default true; Go only).
	Race bool
	// Packages are the packages to test (default ./... for Go).
	Packages []string
}

// CoverageConfig holds the coverage gate's thresholds, in percent; nil
// means no threshold.
type CoverageConfig struct {
	// Min is the least total statement coverage.
	Min *float64
	// MinPackage is the least coverage of every package.
	MinPackage *float64
	// PatchMin is the least coverage of the lines changed since PatchBase.
	PatchMin *float64
	// PatchBase is the git revision the patch is measured from
	// ("origin/main").
	PatchBase string
}

// ScanConfig configures the Trivy scans.
type ScanConfig struct {
	// Skip skips the source scan and the image scan.
	Skip bool
	// Severity are the severities reported (default HIGH, CRITICAL).
	Severity []string
	// IgnoreUnfixed leaves out the vulnerabilities trivy --ignore-unfixed
	// leaves out: every status but fixed (see scan.Policy).
	IgnoreUnfixed bool
	// Scanners are Trivy's scanners (default vuln, secret, misconfig).
	Scanners []string
	// DBRepository is a mirror of Trivy's vulnerability DB (OCI
	// repository, optionally with a tag), for air-gapped users.
	DBRepository string
	// JavaDBRepository is a mirror of Trivy's Java DB.
	JavaDBRepository string
	// ChecksBundleRepository is a mirror of Trivy's misconfiguration
	// checks bundle.
	ChecksBundleRepository string
	// Insecure lets Trivy download from the mirrors without verifying
	// their TLS certificates (trivy --insecure).
	Insecure bool
	// SkipDBUpdate scans with the databases and checks already in
	// Trivy's cache (a pre-seeded DB), downloading nothing.
	SkipDBUpdate bool
	// SkipDirs are directories (globs) Trivy does not scan: fixtures that
	// are not what the service ships.
	SkipDirs []string
	// SkipImage skips the scan of the built image.
	SkipImage bool
}

// PolicyConfig names the Rego policies that an environment's manifests
// must pass, with conftest's conventions (package policy).
type PolicyConfig struct {
	// Dir is the directory of the Rego (v1) policies and their data
	// files (.json, .yaml, .yml), relative to the service root; ""
	// checks nothing.
	Dir string
	// Namespaces are the Rego packages whose deny, violation and warn
	// rules are evaluated; none means main.
	Namespaces []string
}

// GitOpsConfig names the GitOps repository and its environments.
type GitOpsConfig struct {
	// Repo is the GitOps repository's URL (https://, ssh://, file://,
	// git@host:path) or path. It never holds credentials.
	Repo string
	// Branch is the branch to push to; "" is the remote's default branch.
	Branch string
	// Staging is the environment bumped after publish on the main branch
	// (default "staging").
	Staging string
	// Environments are the environments by name.
	Environments map[string]Environment
}

// Environment is one environment of the GitOps repository.
type Environment struct {
	// Path is the environment's directory or file in the GitOps
	// repository ("overlays/staging").
	Path string
	// Image, when set, is the repository the environment pulls from, the
	// target of a promotion to it (no tag or digest).
	Image string
	// VerifyKey, when set, is a cosign public key file of the service
	// (relative to its root): golden promote to the environment requires
	// the image to be signed by it, with a passing gates attestation
	// (golden promote --verify-key).
	VerifyKey string
}

// The defaults Load fills in.
const (
	DefaultDockerfile = "Dockerfile"
	DefaultPlatform   = "linux/amd64"
	DefaultFailOn     = "LOW"
	DefaultStaging    = "staging"
	DefaultPackages   = "./..."
)

// DefaultSeverity and DefaultScanners are the scan defaults.
var (
	DefaultSeverity = []string{"HIGH", "CRITICAL"}
	DefaultScanners = []string{"vuln", "secret", "misconfig"}
)

// ToolImage returns the image to run for a tool key: the override in
// Tools, else the pinned tools.Image(key). A nil Config gives the pinned
// image.
func (c *Config) ToolImage(key string) string {
	if c != nil {
		if img := c.Tools[key]; img != "" {
			return img
		}
	}
	return tools.Image(key)
}

// setDefaults fills in every unset field that has a default. Packages
// defaults for Go only, so it runs after the language is known.
func (c *Config) setDefaults() {
	if c.Image.Dockerfile == "" {
		c.Image.Dockerfile = DefaultDockerfile
	}
	if len(c.Image.Platforms) == 0 {
		c.Image.Platforms = []string{DefaultPlatform}
	}
	if c.Lint.FailOn == "" {
		c.Lint.FailOn = DefaultFailOn
	}
	if len(c.Test.Packages) == 0 && c.Language == Go {
		c.Test.Packages = []string{DefaultPackages}
	}
	if len(c.Scan.Severity) == 0 {
		c.Scan.Severity = append([]string(nil), DefaultSeverity...)
	}
	if len(c.Scan.Scanners) == 0 {
		c.Scan.Scanners = append([]string(nil), DefaultScanners...)
	}
	if c.GitOps.Staging == "" {
		c.GitOps.Staging = DefaultStaging
	}
}

// newConfig returns a Config with the defaults that do not depend on
// anything else set (race on).
func newConfig() *Config {
	return &Config{Test: TestConfig{Race: true}}
}

// inputf is a bad-input error (exit 2).
func inputf(format string, args ...any) error { return exitcode.Inputf(format, args...) }
