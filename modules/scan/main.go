// GoldenScan scans a service's source with Trivy (vulnerabilities,
// secrets, misconfigurations) with golden's scan gate, and writes SARIF for
// code scanning.
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
	"github.com/goldenci/golden/modules/scan/internal/dagger"
)

// GoldenScan scans a service's source with Trivy and golden's scan gate.
type GoldenScan struct{}

// Scan runs Trivy on the source (vulnerabilities, secrets,
// misconfigurations) and returns trivy.json, trivy.sarif (for code
// scanning) and golden-result.json, whatever the verdict.
//
// +cache="session"
func (m *GoldenScan) Scan(
	ctx context.Context,
	// The service's source directory (default: the root of the repository
	// of this module: pass --source=. from a service's repository).
	//
	// +defaultPath="/"
	// +ignore=[".git", "**/node_modules", "**/.venv", "**/__pycache__", ".tools", "golden-reports", "golden-out"]
	source *dagger.Directory,
	// The severities that fail the gate (scan.severity; default
	// HIGH,CRITICAL).
	//
	// +optional
	scanSeverity []string,
	// Let vulnerabilities without a fixed version pass
	// (scan.ignoreUnfixed).
	//
	// +optional
	ignoreUnfixed bool,
	// A mirror of Trivy's vulnerability database, for air-gapped engines
	// (scan.dbRepository).
	//
	// +optional
	trivyDbRepository string,
	// A mirror of Trivy's Java database (scan.javaDBRepository).
	//
	// +optional
	trivyJavaDbRepository string,
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
	out, err := daggermod.Scan(ctx, c, daggermod.Inputs{Source: src, Overrides: daggermod.Overrides{
		Severity: scanSeverity, IgnoreUnfixed: ignoreUnfixed, DBRepository: trivyDbRepository, JavaDBRepository: trivyJavaDbRepository, Tools: tools,
	}})
	if err != nil {
		return nil, err
	}
	return daggerid.Convert(ctx, out, dag.LoadDirectoryFromID)
}

// ScanCheck runs Trivy on the source and fails when a finding of a gating
// severity remains.
//
// +check
// +cache="session"
func (m *GoldenScan) ScanCheck(
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
	return daggermod.ScanCheck(ctx, c, daggermod.Inputs{Source: src})
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
