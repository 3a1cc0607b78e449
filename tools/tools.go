// Package tools holds the versions of the tools golden runs, in one place:
// versions.env, which the CI scripts source and this package embeds. It
// also names the container images the pipeline runs, pinned by tag and
// digest (Images).
package tools

import (
	_ "embed"
	"fmt"
	"strings"
)

//go:embed versions.env
var versionsEnv string

// Versions returns the KEY=VALUE pairs of versions.env.
func Versions() map[string]string {
	m, err := parseEnv(versionsEnv)
	if err != nil {
		// versions.env is part of the source tree; a test guards it.
		panic(err)
	}
	return m
}

// Version returns one pinned version, e.g. Version("TRIVY_VERSION").
func Version(key string) string { return Versions()[key] }

// imageVars maps the image keys to their versions.env variables.
var imageVars = map[string]string{
	"go":            "GO_IMAGE",
	"golangci-lint": "GOLANGCI_LINT_IMAGE",
	"trivy":         "TRIVY_IMAGE",
	"python":        "PYTHON_IMAGE",
	"node":          "NODE_IMAGE",
	"base":          "BASE_IMAGE",
}

// Images returns the pinned container image of every tool, by key: "go",
// "golangci-lint", "trivy", "python", "node", and "base", the base image
// of the native Go build. Each value is a reference NAME:TAG@sha256:DIGEST
// from versions.env (GO_IMAGE, GOLANGCI_LINT_IMAGE, TRIVY_IMAGE,
// PYTHON_IMAGE, NODE_IMAGE, BASE_IMAGE). The map is a fresh copy.
func Images() map[string]string {
	v := Versions()
	m := make(map[string]string, len(imageVars))
	for key, name := range imageVars {
		m[key] = v[name]
	}
	return m
}

// Image returns the pinned image of one tool key (see Images), or "" for
// an unknown key.
func Image(key string) string {
	name, ok := imageVars[key]
	if !ok {
		return ""
	}
	return Version(name)
}

func parseEnv(s string) (map[string]string, error) {
	m := map[string]string{}
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("versions.env:%d: want KEY=VALUE, got %q", i+1, line)
		}
		m[k] = v
	}
	return m, nil
}
