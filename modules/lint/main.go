// GoldenLint runs the linter of a service (golangci-lint v2 for Go, ruff
// for Python, ESLint for Node) with golden's lint gate.
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
	"github.com/goldenci/golden/modules/lint/internal/dagger"
)

// GoldenLint runs a service's linter with golden's lint gate.
type GoldenLint struct{}

// Lint runs the language's linter (golangci-lint, ruff or ESLint) and
// returns its JSON report and golden-result.json, whatever the verdict.
//
// +cache="session"
func (m *GoldenLint) Lint(
	ctx context.Context,
	// The service's source directory (default: the root of the repository
	// of this module: pass --source=. from a service's repository).
	//
	// +defaultPath="/"
	// +ignore=[".git", "**/node_modules", "**/.venv", "**/__pycache__", ".tools", "golden-reports", "golden-out"]
	source *dagger.Directory,
	// The lowest finding severity that fails the gate: LOW, MEDIUM, HIGH or
	// CRITICAL (lint.failOn; default LOW).
	//
	// +optional
	lintFailOn string,
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
	out, err := daggermod.Lint(ctx, c, daggermod.Inputs{Source: src, Overrides: daggermod.Overrides{FailOn: lintFailOn, Tools: tools}})
	if err != nil {
		return nil, err
	}
	return daggerid.Convert(ctx, out, dag.LoadDirectoryFromID)
}

// LintCheck runs the linter and fails when a finding is at or above the
// gate's severity.
//
// +check
// +cache="session"
func (m *GoldenLint) LintCheck(
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
	return daggermod.LintCheck(ctx, c, daggermod.Inputs{Source: src})
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
