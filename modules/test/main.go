// GoldenTest runs the tests of a service with coverage (go test -race,
// pytest with pytest-cov, npm test) and golden's test and coverage gates.
//
// It is a part of golden's pipeline as a module of its own (the module
// golden at the root of the repository has them all, and the whole
// pipeline). Its functions convert their arguments to objects of the
// published Go SDK (dagger.io/dagger) by ID, run golden's pipeline library
// on them (through package internal/daggermod) and convert the results
// back. The service's golden.yaml configures the stage; arguments beat it.
package main

import (
	"context"

	sdk "dagger.io/dagger"

	"github.com/goldenci/golden/internal/daggerid"
	"github.com/goldenci/golden/internal/daggermod"
	"github.com/goldenci/golden/modules/test/internal/dagger"
)

// GoldenTest runs a service's tests with golden's test and coverage gates.
type GoldenTest struct{}

// Test runs the tests with coverage (go test -race, pytest with
// pytest-cov, npm test) and the coverage gates, and returns the test
// reports, the coverage profile and golden-result.json, whatever the
// verdict.
//
// +cache="session"
func (m *GoldenTest) Test(
	ctx context.Context,
	// The service's source directory (default: the root of the repository
	// of this module: pass --source=. from a service's repository).
	//
	// +defaultPath="/"
	// +ignore=[".git", "**/node_modules", "**/.venv", "**/__pycache__", ".tools", "golden-reports", "golden-out"]
	source *dagger.Directory,
	// The least total coverage, in percent (coverage.min).
	//
	// +optional
	minCoverage string,
	// The least coverage of every package, in percent
	// (coverage.minPackage).
	//
	// +optional
	minPackageCoverage string,
	// Run go test without -race (test.race: false).
	//
	// +optional
	noRace bool,
	// Tool image overrides, KEY=IMAGE; keys: go, golangci-lint, trivy,
	// python, node (tools).
	//
	// +optional
	tools []string,
) (*dagger.Directory, error) {
	c, src, err := session(ctx, source)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	out, err := daggermod.Test(ctx, c, daggermod.Inputs{Source: src, Overrides: daggermod.Overrides{
		CoverageMin: minCoverage, CoverageMinPackage: minPackageCoverage, NoRace: noRace, Tools: tools,
	}})
	if err != nil {
		return nil, err
	}
	return daggerid.Convert(ctx, out, dag.LoadDirectoryFromID)
}

// TestCheck runs the tests and fails when a test or a coverage gate
// failed.
//
// +check
// +cache="session"
func (m *GoldenTest) TestCheck(
	ctx context.Context,
	// The service's source directory (default: the root of the repository
	// of this module).
	//
	// +defaultPath="/"
	// +ignore=[".git", "**/node_modules", "**/.venv", "**/__pycache__", ".tools", "golden-reports", "golden-out"]
	source *dagger.Directory,
) error {
	c, src, err := session(ctx, source)
	if err != nil {
		return err
	}
	defer c.Close()
	return daggermod.TestCheck(ctx, c, daggermod.Inputs{Source: src})
}

// session joins the function's Dagger session with the published SDK
// (DAGGER_SESSION_PORT and DAGGER_SESSION_TOKEN) and converts the source
// directory to it.
func session(ctx context.Context, source *dagger.Directory) (*sdk.Client, *sdk.Directory, error) {
	c, err := sdk.Connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	src, err := daggerid.Convert(ctx, source, c.LoadDirectoryFromID)
	if err != nil {
		_ = c.Close()
		return nil, nil, err
	}
	return c, src, nil
}
