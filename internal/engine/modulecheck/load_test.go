package modulecheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/moby/patternmatcher"

	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/tools"
)

// update writes back each module's go.mod and go.sum as the engine's
// codegen leaves them: what dagger develop would write.
var update = flag.Bool("update", false, "write each module's go.mod and go.sum as Dagger's codegen leaves them")

// introspectionFile is the engine's API as a module without dependencies
// sees it: what a Dagger engine of the version in dagger.json hands to a
// module's codegen (dagger core module-source introspection-schema-json).
func introspectionFile(t testing.TB) string {
	t.Helper()
	v := tools.Version("DAGGER_ENGINE_VERSION")
	return filepath.Join(testtool.Root(), "internal", "engine", "modulecheck", "testdata", "introspection-"+v+".json")
}

// contextFiles are the files of the repository at root that the engine
// uploads for module m, slash-separated and relative to root: what git
// does not ignore (the engine applies .gitignore), kept by the include
// patterns the engine builds from dagger.json. Those are the dagger.json,
// the source directory and the "include" entries, rebased from the
// dagger.json directory onto the context, in order: a pattern starting
// with ! excludes what the ones before it included (moby's patternmatcher,
// as the engine's filter uses it).
func contextFiles(root string, m module) ([]string, error) {
	patterns := []string{path.Join(m.configDir, "dagger.json")}
	if m.codeDir == "." {
		patterns = append(patterns, "*")
	} else {
		patterns = append(patterns, m.codeDir)
	}
	for _, inc := range m.config.Include {
		neg := strings.HasPrefix(inc, "!")
		p := path.Join(m.configDir, strings.TrimPrefix(inc, "!"))
		if !filepath.IsLocal(p) {
			return nil, fmt.Errorf("%s: include %q escapes the repository", m, inc)
		}
		if neg {
			p = "!" + p
		}
		patterns = append(patterns, p)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, fmt.Errorf("%s: include patterns: %w", m, err)
	}
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files: %w", err)
	}
	var files []string
	for _, f := range strings.Split(string(out), "\x00") {
		if f == "" {
			continue
		}
		if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(f))); errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the work tree
		}
		ok, err := pm.MatchesOrParentMatches(f)
		if err != nil {
			return nil, fmt.Errorf("%s: matching %s: %w", m, f, err)
		}
		if ok {
			files = append(files, f)
		}
	}
	return files, nil
}

// layContext copies the files of module m's context from root into dst,
// and removes the dagger.gen.go the engine deletes before codegen.
func layContext(root, dst string, files []string, m module) error {
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			return err
		}
		p := filepath.Join(dst, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	err := os.Remove(filepath.Join(dst, filepath.FromSlash(m.codeDir), "dagger.gen.go"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// loadStep is one command of the engine's load, run in dir.
type loadStep struct {
	name string
	argv []string
}

// loadModule does what the engine does to load module m from the context
// laid out in ctxDir: codegen (generate the bindings, go get, go mod
// tidy), then go build of the runtime; and go vet. It returns the go.mod
// and go.sum codegen left.
func loadModule(ctx context.Context, codegen, schema, ctxDir string, m module) (gomod, gosum []byte, err error) {
	src := filepath.Join(ctxDir, filepath.FromSlash(m.codeDir))
	version := tools.Version("DAGGER_ENGINE_VERSION")
	steps := []loadStep{
		{"codegen", []string{codegen, "generate-module", "--output", ctxDir, "--module-source-path", src,
			"--module-name", m.config.Name, "--introspection-json-path", schema, "--lib-version", version}},
		{"build", []string{"go", "build", "-ldflags", "-s -w", "-o", filepath.Join(ctxDir, "runtime"), "."}},
		{"vet", []string{"go", "vet", "."}},
	}
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=", "GOTOOLCHAIN=local")
	for i, s := range steps {
		cmd := exec.CommandContext(ctx, s.argv[0], s.argv[1:]...)
		cmd.Dir = src
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s failed: %w\n%s", m, s.name, err, tail(out, 40))
		}
		if i == 0 {
			if gomod, err = os.ReadFile(filepath.Join(src, "go.mod")); err != nil {
				return nil, nil, err
			}
			if gosum, err = os.ReadFile(filepath.Join(src, "go.sum")); err != nil {
				return nil, nil, err
			}
		}
	}
	return gomod, gosum, nil
}

// tail is the last n lines of out.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// checkLoad lays out module m's context from the repository, edits it
// with edit (when not nil), loads it as the engine does, and reports
// whether codegen left the module's go.mod and go.sum as they are in the
// repository (with -update and no edit, writes them back).
func checkLoad(t *testing.T, m module, edit func(ctxDir string)) error {
	t.Helper()
	root := testtool.Root()
	codegen := testtool.Path(t, "codegen")
	files, err := contextFiles(root, m)
	if err != nil {
		return err
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.Contains("/"+f+"/", "/testdata/") {
			return fmt.Errorf("%s: the context holds %s: tests and testdata are not part of a module (exclude them with \"!\" patterns)", m, f)
		}
	}
	ctxDir := t.TempDir()
	if err := layContext(root, ctxDir, files, m); err != nil {
		return err
	}
	t.Logf("%s: context of %d files", m, len(files))
	if edit != nil {
		edit(ctxDir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	gomod, gosum, err := loadModule(ctx, codegen, introspectionFile(t), ctxDir, m)
	if err != nil {
		return err
	}
	code := filepath.Join(root, filepath.FromSlash(m.codeDir))
	for name, got := range map[string][]byte{"go.mod": gomod, "go.sum": gosum} {
		file := filepath.Join(code, name)
		if *update && edit == nil {
			if err := os.WriteFile(file, got, 0o644); err != nil {
				return err
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("%s/%s is not as Dagger's codegen (dagger develop) leaves it, so every cold load resolves it again, at whatever versions are newest; "+
				"run go test ./internal/modulecheck -run TestModulesLoad -update and commit it. Codegen wrote:\n%s", m.codeDir, name, tail(got, 30))
		}
	}
	return nil
}

// contextExcludes end every module's include list: tests, test data and
// test helpers are not part of a module.
var contextExcludes = []string{"**/*_test.go", "**/testdata"}

// wantIncludes is the include list of module m: go.mod, go.sum and the
// folders of the root packages its code imports, transitively, then the
// excludes; paths relative to m's dagger.json.
func wantIncludes(t *testing.T, m module) []string {
	t.Helper()
	_, files, _ := codeFiles(t, m)
	args := append([]string{"list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}"}, rootImports(files, m.goPath())...)
	cmd := exec.Command("go", args...)
	cmd.Dir = testtool.Root()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	inc := []string{rel(t, m.configDir, "go.mod"), rel(t, m.configDir, "go.sum")}
	var pkgs []string
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, rootPath+"/") {
			pkgs = append(pkgs, rel(t, m.configDir, strings.TrimPrefix(p, rootPath+"/")))
		}
	}
	sort.Strings(pkgs)
	inc = append(inc, pkgs...)
	for _, x := range contextExcludes {
		inc = append(inc, "!"+rel(t, m.configDir, x))
	}
	return inc
}

// writeIncludes sets the include list of m's dagger.json (-update).
func writeIncludes(t *testing.T, m *module) {
	t.Helper()
	file := filepath.Join(testtool.Root(), filepath.FromSlash(m.configDir), "dagger.json")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	m.config.Include = wantIncludes(t, *m)
	inc, _ := json.Marshal(m.config.Include)
	doc["include"] = inc
	// Keep dagger.json's own key order.
	var b bytes.Buffer
	b.WriteString("{\n")
	keys := []string{"name", "engineVersion", "sdk", "source", "include"}
	first := true
	for _, k := range keys {
		v, ok := doc[k]
		if !ok {
			continue
		}
		if !first {
			b.WriteString(",\n")
		}
		first = false
		var ind bytes.Buffer
		if err := json.Indent(&ind, v, "  ", "  "); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "  %q: %s", k, ind.String())
	}
	b.WriteString("\n}\n")
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestModulesLoad loads every module as a Dagger engine loads it: the
// context it uploads (dagger.json, the source directory, the include
// patterns, .gitignore applied), Dagger's own codegen run on it against
// the engine's introspection JSON (which runs go get and go mod tidy),
// then go build of the runtime, and go vet. A missing include, a package
// whose tests import what is not in the context, or a go.mod that does
// not pin what the bindings import fails here as it would on a user's
// engine.
func TestModulesLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("loads every module with Dagger's codegen (-short)")
	}
	for _, m := range modules(t) {
		t.Run(m.configDir, func(t *testing.T) {
			if *update {
				writeIncludes(t, &m)
			}
			if err := checkLoad(t, m, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestModulesLoadFailsWhenBroken proves that the load check fails for the
// two ways the engine found golden's modules broken: an include entry
// missing, and a go.mod that lost what pins the bindings' imports.
func TestModulesLoadFailsWhenBroken(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a module with Dagger's codegen (-short)")
	}
	var root module
	for _, m := range modules(t) {
		if m.configDir == "." {
			root = m
		}
	}
	cases := []struct {
		name string
		// drop is the include entry to remove; edit edits the context.
		drop string
		edit func(t *testing.T, ctxDir string)
		// want are the failures the check may report, any one of them.
		want []string
	}{
		{name: "include entry removed", drop: "pipeline", want: []string{"codegen failed"}},
		{name: "go.mod pin removed", edit: func(t *testing.T, ctxDir string) {
			cmd := exec.Command("go", "mod", "edit", "-droprequire", "github.com/dagger/otel-go")
			cmd.Dir = filepath.Join(ctxDir, filepath.FromSlash(root.codeDir))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
		}, want: []string{"build failed", "not as Dagger's codegen"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := root
			m.config.Include = nil
			for _, inc := range root.config.Include {
				if inc != c.drop {
					m.config.Include = append(m.config.Include, inc)
				}
			}
			if c.drop != "" && len(m.config.Include) == len(root.config.Include) {
				t.Fatalf("the root module does not include %s", c.drop)
			}
			edit := func(string) {}
			if c.edit != nil {
				edit = func(dir string) { c.edit(t, dir) }
			}
			err := checkLoad(t, m, edit)
			if err == nil {
				t.Fatal("the load check passed a broken module")
			}
			for _, w := range c.want {
				if strings.Contains(err.Error(), w) {
					t.Logf("failed as it should: %.300s", err)
					return
				}
			}
			t.Fatalf("the load check failed for another reason than %q: %v", c.want, err)
		})
	}
}
