// Package tools holds the versions of the tools golden runs, in one place:
// versions.env, which the CI scripts source and this package embeds.
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
