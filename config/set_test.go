package config

import (
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
)

// hex64 is a digest's hex.
const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestLoadWithSettings(t *testing.T) {
	t.Parallel()
	const file = "language: go\ncoverage:\n  min: 50\nscan:\n  severity: [HIGH]\ntools:\n  go: golang:1.26@sha256:" + hex64 + "\n"
	for _, tc := range []struct {
		name  string
		file  string
		sets  []string
		env   map[string]string
		check func(t *testing.T, c *Config)
	}{
		{"number beats the file", file, []string{"coverage.min=80"}, nil, func(t *testing.T, c *Config) {
			if c.Coverage.Min == nil || *c.Coverage.Min != 80 {
				t.Errorf("coverage.min = %v, want 80", c.Coverage.Min)
			}
		}},
		{"list", file, []string{"scan.severity=[critical, HIGH]"}, nil, func(t *testing.T, c *Config) {
			if strings.Join(c.Scan.Severity, ",") != "CRITICAL,HIGH" {
				t.Errorf("scan.severity = %v", c.Scan.Severity)
			}
		}},
		{"boolean turns a setting off", "language: go\ntest:\n  race: true\nscan:\n  ignoreUnfixed: true\n",
			[]string{"test.race=false", "scan.ignoreUnfixed=false"}, nil, func(t *testing.T, c *Config) {
				if c.Test.Race || c.Scan.IgnoreUnfixed {
					t.Errorf("race %v, ignoreUnfixed %v, want both false", c.Test.Race, c.Scan.IgnoreUnfixed)
				}
			}},
		{"new section without a file", "", []string{"language=python", "env.PIP_INDEX_URL=https://pypi.acme.internal/simple", "scan.skipDirs=[testdata, fixtures]"}, nil,
			func(t *testing.T, c *Config) {
				if c.Language != Python || c.Env["PIP_INDEX_URL"] != "https://pypi.acme.internal/simple" || len(c.Scan.SkipDirs) != 2 {
					t.Errorf("got language %q, env %v, skipDirs %v", c.Language, c.Env, c.Scan.SkipDirs)
				}
			}},
		{"policy", file, []string{"policy.dir=platform/policy", "policy.namespaces=[main, kubernetes.admission]"}, nil, func(t *testing.T, c *Config) {
			if c.Policy.Dir != "platform/policy" || strings.Join(c.Policy.Namespaces, ",") != "main,kubernetes.admission" {
				t.Errorf("policy = %+v", c.Policy)
			}
		}},
		{"a later setting wins", file, []string{"lint.failOn=LOW", "lint.failOn=high"}, nil, func(t *testing.T, c *Config) {
			if c.Lint.FailOn != "HIGH" {
				t.Errorf("lint.failOn = %q", c.Lint.FailOn)
			}
		}},
		{"setting beats GOLDEN_IMAGE_", file, []string{"tools.go=mirror.acme.internal/golang:1.26@sha256:" + hex64}, map[string]string{"GOLDEN_IMAGE_GO": "other/golang:1@sha256:" + hex64},
			func(t *testing.T, c *Config) {
				if !strings.HasPrefix(c.ToolImage("go"), "mirror.acme.internal/") {
					t.Errorf("tools.go = %q", c.ToolImage("go"))
				}
			}},
		{"split at commas by the dagger CLI", file, []string{"scan.severity=[HIGH", "CRITICAL]", "env.GOPROXY=https://goproxy.acme.internal", "direct", "env.GONOSUMDB=github.com/acme/*"}, nil,
			func(t *testing.T, c *Config) {
				if strings.Join(c.Scan.Severity, ",") != "HIGH,CRITICAL" || c.Env["GOPROXY"] != "https://goproxy.acme.internal,direct" || c.Env["GONOSUMDB"] != "github.com/acme/*" {
					t.Errorf("scan.severity %v, env %v", c.Scan.Severity, c.Env)
				}
			}},
		{"string that is not YAML", file, []string{"gitops.repo=https://git.acme.internal/gitops.git", "scan.dbRepository=mirror:5000/trivy-db:2"}, nil,
			func(t *testing.T, c *Config) {
				if c.Scan.DBRepository != "mirror:5000/trivy-db:2" {
					t.Errorf("scan.dbRepository = %q", c.Scan.DBRepository)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			files := map[string]string{"go.mod": "module x\n"}
			if tc.file != "" {
				files[ConfigFile] = tc.file
			}
			dir := tree(t, "svc", files)
			sets, err := ParseSettings(tc.sets)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Load(dir, func(k string) string { return tc.env[k] }, sets...)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func TestLoadWithBadSettings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		sets []string
		want string
	}{
		{"no equals", []string{"coverage.min"}, `--set "coverage.min": want KEY=VALUE`},
		{"empty key", []string{"=1"}, `--set "=1": want KEY=VALUE`},
		{"empty path element", []string{"scan..skip=true"}, `--set scan..skip: empty key in the path "scan..skip"`},
		{"unknown key", []string{"coverage.minn=80"}, `--set coverage.minn: unknown key "minn" in coverage (did you mean "min"?)`},
		{"bad value", []string{"coverage.min=120"}, `--set coverage.min: coverage.min: 120 is not a percentage`},
		{"wrong type", []string{"scan.severity=HIGH"}, `--set scan.severity: scan.severity: want a list, got a string`},
		{"through a scalar", []string{"language.x=1"}, `--set language.x: language is a string, not a mapping`},
		{"password in env", []string{"env.GOPROXY=https://u:s3cret@proxy.acme.internal"}, "credentials go in a netrc"},
		{"reserved env", []string{"env.SSL_CERT_FILE=/x"}, "set by golden itself"},
		{"bad env name", []string{"env.MY-VAR=1"}, `bad environment variable name "MY-VAR"`},
		{"absolute caCerts", []string{"caCerts=/etc/ssl/ca.pem"}, "is absolute"},
		{"policy namespaces without dir", []string{"policy.namespaces=[main]"}, "--set policy.namespaces: policy.namespaces: set without policy.dir"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := tree(t, "svc", map[string]string{"go.mod": "module x\n", ConfigFile: "language: go\n"})
			sets, err := ParseSettings(tc.sets)
			if err == nil {
				_, err = Load(dir, nil, sets...)
			}
			if err == nil {
				t.Fatal("no error")
			}
			if exitcode.Code(err) != exitcode.Usage {
				t.Errorf("exit code %d, want %d", exitcode.Code(err), exitcode.Usage)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q quotes the password", err)
			}
		})
	}
}

// FuzzApplySets: settings never panic, and a setting either loads or is
// bad input.
func FuzzApplySets(f *testing.F) {
	for _, s := range []string{"coverage.min=80", "scan.severity=[HIGH]", "env.GOPROXY=off", "a.b.c=[{x: 1}]", "tools=", "=", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sets, err := ParseSettings([]string{s})
		if err == nil {
			_, err = parse([]byte("language: go\nscan:\n  skip: false\n"), ConfigFile, sets...)
		}
		if err != nil && exitcode.Code(err) != exitcode.Usage {
			t.Fatalf("%q: exit code %d: %v", s, exitcode.Code(err), err)
		}
	})
}

// TestSettingFrom: a setting made by a flag is named by the flag.
func TestSettingFrom(t *testing.T) {
	t.Parallel()
	dir := tree(t, "svc", map[string]string{"go.mod": "module x\n"})
	_, err := Load(dir, nil, Setting{Key: "coverage.min", Value: "120", From: "--min-coverage"})
	if err == nil || !strings.HasPrefix(err.Error(), "--min-coverage: coverage.min: 120 is not a percentage") {
		t.Errorf("err = %v", err)
	}
}
