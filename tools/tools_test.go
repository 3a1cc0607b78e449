package tools

import "testing"

func TestVersionsParse(t *testing.T) {
	t.Parallel()
	if _, err := parseEnv(versionsEnv); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"TRIVY_VERSION", "GOLANGCI_LINT_VERSION"} {
		if Version(k) == "" {
			t.Errorf("versions.env has no %s", k)
		}
	}
}

func TestParseEnvRejectsBadLine(t *testing.T) {
	t.Parallel()
	if _, err := parseEnv("A=1\nbroken\n"); err == nil || err.Error() != `versions.env:2: want KEY=VALUE, got "broken"` {
		t.Errorf("err = %v", err)
	}
}
