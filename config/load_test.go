package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/tools"
)

// tree writes files (name -> content; a name ending in / is a directory)
// under a new directory called name in t.TempDir, and returns it.
func tree(t *testing.T, name string, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for f, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if strings.HasSuffix(f, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDetect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		files   map[string]string
		want    Language
		wantErr string
	}{
		{"go", map[string]string{"go.mod": "module x\n", "main.go": "package main\n"}, Go, ""},
		{"pyproject", map[string]string{"pyproject.toml": "[project]\nname = 'x'\n"}, Python, ""},
		{"requirements", map[string]string{"requirements.txt": "flask\n"}, Python, ""},
		{"pyproject and requirements", map[string]string{"pyproject.toml": "", "requirements.txt": ""}, Python, ""},
		{"node", map[string]string{"package.json": "{}", "tsconfig.json": "{}"}, Node, ""},
		{"marker in a subdirectory only", map[string]string{"web/package.json": "{}", "go.mod": "module x\n"}, Go, ""},
		{"marker that is a directory", map[string]string{"package.json/": "", "requirements.txt": ""}, Python, ""},
		{"none", map[string]string{"README.md": "hi"}, "",
			`cannot tell the language of "DIR": it has none of go.mod, pyproject.toml, requirements.txt, package.json (set language in golden.yaml)`},
		{"empty", map[string]string{}, "",
			`cannot tell the language of "DIR": it has none of go.mod, pyproject.toml, requirements.txt, package.json (set language in golden.yaml)`},
		{"go and node", map[string]string{"go.mod": "", "package.json": "{}"}, "",
			`cannot tell the language of "DIR": it has go.mod (go), package.json (node) (set language in golden.yaml)`},
		{"all three", map[string]string{"go.mod": "", "requirements.txt": "", "pyproject.toml": "", "package.json": "{}"}, "",
			`cannot tell the language of "DIR": it has go.mod (go), pyproject.toml (python), requirements.txt (python), package.json (node) (set language in golden.yaml)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := tree(t, "svc", tc.files)
			got, err := Detect(dir)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("Detect = %q, want an error", got)
				}
				if want := strings.ReplaceAll(tc.wantErr, "DIR", dir); err.Error() != want {
					t.Errorf("error:\n got %s\nwant %s", err, want)
				}
				if exitcode.Code(err) != exitcode.Usage {
					t.Errorf("exit code %d", exitcode.Code(err))
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("Detect = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestDetectBadDir(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "missing")
	if _, err := Detect(missing); err == nil || exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), "no such directory") {
		t.Errorf("missing dir: %v", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Detect(file); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("file: %v", err)
	}
}

// env returns a getenv over m.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoad(t *testing.T) {
	t.Parallel()
	goDefault := func(service string) *Config {
		c := Default(Go)
		c.Service = service
		return c
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
		env   map[string]string
		want  func(dir string) *Config
	}{
		{
			name:  "zero config",
			files: map[string]string{"go.mod": "module example.com/svc\n"},
			want:  func(string) *Config { return goDefault("svc") },
		},
		{
			name: "service.yaml names service and language",
			files: map[string]string{
				"go.mod": "", "package.json": "{}",
				"service.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: orders\n  annotations: {x: y}\nspec:\n  language: golang\n  owner: team-a\n",
			},
			want: func(string) *Config { return goDefault("orders") },
		},
		{
			name: "golden.yaml beats service.yaml",
			files: map[string]string{
				"requirements.txt": "",
				"service.yaml":     "metadata: {name: orders}\nspec: {language: go}\n",
				"golden.yaml":      "service: orders-api\nlanguage: python\n",
			},
			want: func(dir string) *Config {
				c := Default(Python)
				c.Service, c.File = "orders-api", filepath.Join(dir, "golden.yaml")
				return c
			},
		},
		{
			name: "service.yaml with several documents and a bad language it does not need",
			files: map[string]string{
				"go.mod":       "",
				"golden.yaml":  "language: go\n",
				"service.yaml": "metadata: {name: a}\nspec: {language: cobol}\n---\nmetadata: {name: b}\n",
			},
			want: func(dir string) *Config {
				c := goDefault("a")
				c.File = filepath.Join(dir, "golden.yaml")
				return c
			},
		},
		{
			name: "service.yaml that is not the convention",
			files: map[string]string{
				"package.json": "{}",
				"service.yaml": "- just\n- a list\n",
			},
			want: func(string) *Config { c := Default(Node); c.Service = "svc"; return c },
		},
		{
			name:  "hidden config file",
			files: map[string]string{"go.mod": "", ".golden.yaml": "coverage: {min: 75.5}\n"},
			want: func(dir string) *Config {
				c := goDefault("svc")
				c.File, c.Coverage.Min = filepath.Join(dir, ".golden.yaml"), ptr(75.5)
				return c
			},
		},
		{
			name:  "language resolves an ambiguous tree",
			files: map[string]string{"go.mod": "", "package.json": "{}", "golden.yaml": "language: node\n"},
			want: func(dir string) *Config {
				c := Default(Node)
				c.Service, c.File = "svc", filepath.Join(dir, "golden.yaml")
				return c
			},
		},
		{
			name:  "environment overrides tool images and beats the file",
			files: map[string]string{"go.mod": "", "golden.yaml": "tools: {go: \"golang:1.26.8\", node: \"node:22\"}\n"},
			env: map[string]string{
				"GOLDEN_IMAGE_GOLANGCI_LINT": "mirror.example.com/golangci/golangci-lint:v2.13.2",
				"GOLDEN_IMAGE_GO":            "mirror.example.com/golang:1.26.8-bookworm",
				"GOLDEN_IMAGE_UNKNOWN":       "ignored",
			},
			want: func(dir string) *Config {
				c := goDefault("svc")
				c.File = filepath.Join(dir, "golden.yaml")
				c.Tools = map[string]string{
					"go":            "mirror.example.com/golang:1.26.8-bookworm",
					"golangci-lint": "mirror.example.com/golangci/golangci-lint:v2.13.2",
					"node":          "node:22",
				}
				return c
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := tree(t, "svc", tc.files)
			c, err := Load(dir, env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want(dir), c); d != "" {
				t.Errorf("Load (-want +got):\n%s", d)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		files map[string]string
		env   map[string]string
		want  string
		code  int
	}{
		{"bad golden.yaml", map[string]string{"go.mod": "", "golden.yaml": "language: go\ncoverage:\n  thresold: 1\n"}, nil,
			`DIR/golden.yaml:3: unknown key "thresold" in coverage (want min, minPackage, patchMin, patchBase)`, exitcode.Usage},
		{"both config files", map[string]string{"go.mod": "", "golden.yaml": "", ".golden.yaml": ""}, nil,
			`DIR/golden.yaml and DIR/.golden.yaml: a service has one config file: merge them`, exitcode.Usage},
		{"yml spelling", map[string]string{"go.mod": "", "golden.yml": "language: go\n"}, nil,
			`DIR/golden.yml: golden reads golden.yaml or .golden.yaml: rename it`, exitcode.Usage},
		{"config file is a directory", map[string]string{"go.mod": "", "golden.yaml/": ""}, nil,
			`DIR/golden.yaml: is a directory`, exitcode.Usage},
		{"no language", map[string]string{"README.md": ""}, nil,
			`cannot tell the language of "DIR": it has none of go.mod, pyproject.toml, requirements.txt, package.json (set language in golden.yaml)`, exitcode.Usage},
		{"service.yaml bad language", map[string]string{"go.mod": "", "service.yaml": "metadata:\n  name: x\nspec:\n  language: cobol\n"}, nil,
			`DIR/service.yaml:4: spec.language: unknown language "cobol" (want go, python or node)`, exitcode.Usage},
		{"service.yaml language not a string", map[string]string{"go.mod": "", "service.yaml": "spec:\n  language: [go]\n"}, nil,
			`DIR/service.yaml:2: spec.language: want a string, got a list`, exitcode.Usage},
		{"service.yaml bad name", map[string]string{"go.mod": "", "service.yaml": "metadata:\n  name: \"a b\"\n"}, nil,
			`DIR/service.yaml:2: metadata.name: bad service name "a b" (want letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128)`, exitcode.Usage},
		{"service.yaml syntax", map[string]string{"go.mod": "", "service.yaml": "metadata: [\n"}, nil,
			`DIR/service.yaml:1: did not find expected node content`, exitcode.Usage},
		{"bad image environment variable", map[string]string{"go.mod": ""}, map[string]string{"GOLDEN_IMAGE_TRIVY": "aquasec/trivy"},
			`GOLDEN_IMAGE_TRIVY: image "aquasec/trivy" has neither tag nor digest: pin it (NAME:TAG@sha256:DIGEST)`, exitcode.Usage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := tree(t, "svc", tc.files)
			c, err := Load(dir, env(tc.env))
			if err == nil {
				t.Fatalf("Load succeeded: %+v", c)
			}
			if want := strings.ReplaceAll(tc.want, "DIR", dir); err.Error() != want {
				t.Errorf("error:\n got %s\nwant %s", err, want)
			}
			if got := exitcode.Code(err); got != tc.code {
				t.Errorf("exit code %d, want %d", got, tc.code)
			}
		})
	}
}

func TestLoadMissingDir(t *testing.T) {
	t.Parallel()
	_, err := Load(filepath.Join(t.TempDir(), "nope"), nil)
	if err == nil || exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), "no such directory") {
		t.Errorf("err = %v", err)
	}
}

// TestLoadDirName checks that the service name defaults to the base name
// of the directory, also when given as ".", and is left empty when the
// name is not a valid service name.
func TestLoadDirName(t *testing.T) {
	dir := tree(t, "pay ments", map[string]string{"go.mod": ""})
	c, err := Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Service != "" {
		t.Errorf("Service = %q, want empty for a directory name with a space", c.Service)
	}
	dir = tree(t, "payments", map[string]string{"go.mod": ""})
	t.Chdir(dir)
	c, err = Load(".", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Service != "payments" {
		t.Errorf("Service = %q, want payments", c.Service)
	}
}

func TestLoadFS(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"pyproject.toml": {Data: []byte("[project]\nname = 'x'\n")},
		"golden.yaml":    {Data: []byte("image: {repository: ghcr.io/acme/x}\nscan: {skipImage: true}\n")},
	}
	c, err := LoadFS(fsys, "", env(map[string]string{"GOLDEN_IMAGE_PYTHON": "python:3.12-slim"}))
	if err != nil {
		t.Fatal(err)
	}
	want := Default(Python)
	want.File = "golden.yaml"
	want.Image.Repository = "ghcr.io/acme/x"
	want.Scan.SkipImage = true
	want.Tools = map[string]string{"python": "python:3.12-slim"}
	if d := cmp.Diff(want, c); d != "" {
		t.Errorf("LoadFS (-want +got):\n%s", d)
	}

	_, err = LoadFS(fstest.MapFS{"go.mod": {}, "package.json": {}}, "web", nil)
	if want := "cannot tell the language of the service root: it has go.mod (go), package.json (node) (set language in golden.yaml)"; err == nil || err.Error() != want {
		t.Errorf("ambiguous: %v", err)
	}
	_, err = LoadFS(fstest.MapFS{"go.mod": {}, "golden.yaml": {Data: []byte("lint: {skip: 1}\n")}}, "web", nil)
	if want := "golden.yaml:1: lint.skip: want true or false, got a number"; err == nil || err.Error() != want {
		t.Errorf("bad file: %v", err)
	}
	c, err = LoadFS(fstest.MapFS{"go.mod": {}}, "web", nil)
	if err != nil || c.Service != "web" {
		t.Errorf("name: %+v, %v", c, err)
	}
}

func TestToolImage(t *testing.T) {
	t.Parallel()
	var nilConfig *Config
	for key, pinned := range tools.Images() {
		if got := nilConfig.ToolImage(key); got != pinned {
			t.Errorf("nil.ToolImage(%q) = %q, want %q", key, got, pinned)
		}
		if got := Default(Go).ToolImage(key); got != pinned {
			t.Errorf("ToolImage(%q) = %q, want %q", key, got, pinned)
		}
	}
	c := Default(Go)
	c.Tools = map[string]string{"go": "golang:1.27"}
	if got := c.ToolImage("go"); got != "golang:1.27" {
		t.Errorf("override: %q", got)
	}
}

func TestImageEnvVar(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]string{
		"go": "GOLDEN_IMAGE_GO", "golangci-lint": "GOLDEN_IMAGE_GOLANGCI_LINT", "trivy": "GOLDEN_IMAGE_TRIVY",
	} {
		if got := ImageEnvVar(key); got != want {
			t.Errorf("ImageEnvVar(%q) = %q, want %q", key, got, want)
		}
	}
}
