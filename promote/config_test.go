package promote

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
)

func TestParseConfig(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig("golden.yaml", []byte(`# the environments of acme/gitops
lint:
  enabled: true # other commands' keys are left alone
environments:
  staging:
    path: overlays/staging/
  production:
    path: ./overlays/production
    image: registry.example.com/acme/go-service-prod
`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Environment{
		"staging":    {Path: "overlays/staging"},
		"production": {Path: "overlays/production", Image: "registry.example.com/acme/go-service-prod"},
	}
	if len(cfg.Environments) != len(want) {
		t.Fatalf("environments = %+v", cfg.Environments)
	}
	for k, v := range want {
		if cfg.Environments[k] != v {
			t.Errorf("%s = %+v, want %+v", k, cfg.Environments[k], v)
		}
	}
	if env, err := cfg.Environment("production"); err != nil || env.Path != "overlays/production" {
		t.Errorf("Environment(production) = %+v, %v", env, err)
	}
	_, err = cfg.Environment("prod")
	if exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), `unknown environment "prod" (the config names production, staging)`) {
		t.Errorf("Environment(prod): %v", err)
	}
}

func TestParseConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, data, want string
	}{
		{"empty", "", "empty"},
		{"not a mapping", "- a\n", "line 1: want a mapping"},
		{"no environments", "lint: {}\n", "line 1: no environments key"},
		{"environments a list", "environments:\n  - staging\n", "line 2: environments is not a mapping"},
		{"environment a string", "environments:\n  staging: overlays/staging\n", `line 2: environment "staging" is not a mapping`},
		{"no path", "environments:\n  staging:\n    image: a/b\n", `line 3: environment "staging" has no path`},
		{"unknown key", "environments:\n  staging:\n    path: a\n    colour: blue\n", `line 4: environment "staging": unknown key "colour"`},
		{"bad path", "environments:\n  staging:\n    path: ../a\n", `line 3: environment "staging": path "../a": want a path inside`},
		{"bad image", "environments:\n  staging:\n    path: a\n    image: A/B:1\n", `line 4: environment "staging": image:`},
		{"path a list", "environments:\n  staging:\n    path: [a]\n", `line 3: environment "staging": path is not a string`},
		{"null path", "environments:\n  staging:\n    path:\n", `line 3: environment "staging": path is not a string`},
		{"duplicate key", "environments:\n  staging:\n    path: a\n    path: b\n", "line 4"},
		{"syntax", "environments:\n  staging: [\n", "parsing config"},
		{"two documents", "environments: {}\n---\nx: 1\n", "line 3: a config holds one YAML document"},
		{"alias", "e: &e {s: {path: a}}\nenvironments: *e\n", "aliases are not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseConfig("golden.yaml", []byte(tc.data))
			if exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `"golden.yaml"`) {
				t.Errorf("err = %v, want exit 2 naming golden.yaml and %q", err, tc.want)
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "golden.yaml")
	if err := os.WriteFile(p, []byte("environments:\n  staging:\n    path: overlays/staging\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if cfg, err := LoadConfig(p); err != nil || cfg.Environments["staging"].Path != "overlays/staging" {
		t.Errorf("LoadConfig = %+v, %v", cfg, err)
	}
	if _, err := LoadConfig(filepath.Join(dir, "nope.yaml")); exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing: %v", err)
	}
	if _, err := LoadConfig(dir); exitcode.Code(err) != exitcode.Usage {
		t.Errorf("directory: %v", err)
	}
}
