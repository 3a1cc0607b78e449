package daggermod

import (
	"testing"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
)

// FuzzOverridesApply feeds module arguments to Overrides.Apply: it never
// panics, a failure is bad input (exit 2), and a success leaves a valid
// configuration.
func FuzzOverridesApply(f *testing.F) {
	f.Add("80", "72.5%", "VERSION=1.2.3", "trivy=mirror.example.com/aquasec/trivy:0.69.3", "HIGH,critical", "linux/arm64", "ghcr.io/acme/api", "medium")
	f.Add("eighty", "", "=x", "trivy=", "SEVERE", "amd64", "ghcr.io/acme/api:1.0", "")
	f.Add("NaN", "-1", "A", "go", ",", "linux/", "UPPER/Case", "none")
	f.Fuzz(func(t *testing.T, minCov, minPkg, buildArg, tool, severity, platform, image, failOn string) {
		c := config.Default(config.Go)
		o := Overrides{
			Image: image, Platforms: []string{platform}, BuildArgs: []string{buildArg},
			FailOn: failOn, CoverageMin: minCov, CoverageMinPackage: minPkg,
			Severity: []string{severity}, Tools: []string{tool},
		}
		if err := o.Apply(c); err != nil {
			if code := exitcode.Code(err); code != exitcode.Usage {
				t.Fatalf("Apply: %v: exit code %d, want %d", err, code, exitcode.Usage)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Apply succeeded but the configuration is invalid: %v", err)
		}
	})
}
