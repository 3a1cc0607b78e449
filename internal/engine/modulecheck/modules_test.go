package modulecheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goldenci/golden/internal/testsupport/testtool"
)

// rootPath is the root module's path.
const rootPath = "github.com/goldenci/golden"

// daggerJSON is a module's dagger.json. Decoding rejects unknown fields:
// a misspelt key would be ignored by the engine.
type daggerJSON struct {
	Name          string `json:"name"`
	EngineVersion string `json:"engineVersion"`
	SDK           *struct {
		Source string `json:"source"`
	} `json:"sdk"`
	Source       string   `json:"source,omitempty"`
	Include      []string `json:"include,omitempty"`
	Dependencies []struct {
		Name   string `json:"name"`
		Source string `json:"source"`
		Pin    string `json:"pin,omitempty"`
	} `json:"dependencies,omitempty"`
}

// module is one Dagger module of the repository.
type module struct {
	// configDir is the directory of its dagger.json, codeDir that of its
	// code (its "source"), both relative to the root, slash-separated.
	configDir, codeDir string
	config             daggerJSON
}

func (m module) String() string { return path.Join(m.configDir, "dagger.json") }

// goPath is the Go module path its code must have: the root module's
// path and the code's folder, so that it may import the root module's
// internal packages.
func (m module) goPath() string { return rootPath + "/" + m.codeDir }

// modules reads the root dagger.json and modules/*/dagger.json.
func modules(t *testing.T) []module {
	t.Helper()
	root := testtool.Root()
	files := []string{filepath.Join(root, "dagger.json")}
	more, err := filepath.Glob(filepath.Join(root, "modules", "*", "dagger.json"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, more...)
	var mods []module
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cfg daggerJSON
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		rel, err := filepath.Rel(root, filepath.Dir(f))
		if err != nil {
			t.Fatal(err)
		}
		m := module{configDir: filepath.ToSlash(rel), config: cfg}
		m.codeDir = path.Clean(path.Join(m.configDir, cfg.Source))
		mods = append(mods, m)
	}
	if len(mods) < 2 {
		t.Fatalf("found %d modules, want the root module and modules/*", len(mods))
	}
	return mods
}

// goModJSON is what go mod edit -json prints of a go.mod.
type goModJSON struct {
	Module  struct{ Path string }
	Go      string
	Require []struct {
		Path, Version string
		Indirect      bool
	}
	Replace []struct {
		Old struct{ Path, Version string }
		New struct{ Path, Version string }
	}
}

func readGoMod(t *testing.T, file string) goModJSON {
	t.Helper()
	out, err := exec.Command("go", "mod", "edit", "-json", file).Output()
	if err != nil {
		t.Fatalf("go mod edit -json %s: %v", file, err)
	}
	var m goModJSON
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return m
}

func (m goModJSON) require(path string) (string, bool) {
	for _, r := range m.Require {
		if r.Path == path {
			return r.Version, true
		}
	}
	return "", false
}

// sdkVersion is the version of dagger.io/dagger the root module requires:
// the SDK package pipeline is compiled against.
func sdkVersion(t *testing.T) string {
	t.Helper()
	v, ok := readGoMod(t, filepath.Join(testtool.Root(), "go.mod")).require("dagger.io/dagger")
	if !ok {
		t.Fatal("go.mod does not require dagger.io/dagger")
	}
	return v
}

var moduleName = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

func TestDaggerJSON(t *testing.T) {
	t.Parallel()
	want := sdkVersion(t)
	names := map[string]string{}
	for _, m := range modules(t) {
		c := m.config
		if !moduleName.MatchString(c.Name) {
			t.Errorf("%s: name %q: want lower-case words joined by dashes", m, c.Name)
		}
		if other, dup := names[c.Name]; dup {
			t.Errorf("%s: name %q is also the name of %s", m, c.Name, other)
		}
		names[c.Name] = m.String()
		if c.EngineVersion != want {
			t.Errorf("%s: engineVersion %q, want %q: the version of dagger.io/dagger in go.mod, which package pipeline is compiled against", m, c.EngineVersion, want)
		}
		if c.SDK == nil || c.SDK.Source != "go" {
			t.Errorf("%s: want \"sdk\": {\"source\": \"go\"}", m)
		}
		switch {
		case m.configDir == ".":
			if c.Name != "golden" || c.Source != "ci" {
				t.Errorf("%s: the root module is golden with \"source\": \"ci\", got name %q, source %q", m, c.Name, c.Source)
			}
		case c.Source != "" && c.Source != ".":
			t.Errorf("%s: source %q: a module's code is next to its dagger.json", m, c.Source)
		}
		if len(c.Dependencies) > 0 {
			t.Errorf("%s: has dependencies: golden's modules call the library, not each other", m)
		}
	}
}

// codeFiles parses the module's own Go files (not the generated ones).
func codeFiles(t *testing.T, m module) (*token.FileSet, []*ast.File, map[string][]byte) {
	t.Helper()
	dir := filepath.Join(testtool.Root(), filepath.FromSlash(m.codeDir))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	srcs := map[string][]byte{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, ".gen.go") {
			continue
		}
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, path.Join(m.codeDir, name), src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		srcs[path.Join(m.codeDir, name)] = src
	}
	if len(files) == 0 {
		t.Fatalf("%s: no Go files in %s", m, m.codeDir)
	}
	return fset, files, srcs
}

// rootImports are the root module's packages the module's code imports.
func rootImports(files []*ast.File, own string) []string {
	seen := map[string]bool{}
	for _, f := range files {
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if (p == rootPath || strings.HasPrefix(p, rootPath+"/")) && p != own && !strings.HasPrefix(p, own+"/") {
				seen[p] = true
			}
		}
	}
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// rel is the root-relative path p as seen from the directory dir.
func rel(t *testing.T, dir, p string) string {
	t.Helper()
	r, err := filepath.Rel(filepath.FromSlash(dir), filepath.FromSlash(p))
	if err != nil {
		t.Fatal(err)
	}
	return filepath.ToSlash(r)
}

func TestGoMod(t *testing.T) {
	t.Parallel()
	root := testtool.Root()
	rootMod := readGoMod(t, filepath.Join(root, "go.mod"))
	sdk := sdkVersion(t)
	for _, m := range modules(t) {
		file := path.Join(m.codeDir, "go.mod")
		gm := readGoMod(t, filepath.Join(root, filepath.FromSlash(file)))
		if gm.Module.Path != m.goPath() {
			t.Errorf("%s: module %q, want %q (under the root module's path, so that it may import its internal packages)", file, gm.Module.Path, m.goPath())
		}
		if gm.Go != rootMod.Go {
			t.Errorf("%s: go %s, want go.mod's %s", file, gm.Go, rootMod.Go)
		}
		if v, ok := gm.require("dagger.io/dagger"); !ok || v != sdk {
			t.Errorf("%s: requires dagger.io/dagger %q, want go.mod's %s", file, v, sdk)
		}
		if _, ok := gm.require(rootPath); !ok {
			t.Errorf("%s: does not require %s", file, rootPath)
		}
		replaced := false
		for _, r := range gm.Replace {
			if r.Old.Path != rootPath {
				continue
			}
			replaced = true
			target := filepath.Join(root, filepath.FromSlash(m.codeDir), filepath.FromSlash(r.New.Path))
			if r.New.Version != "" || filepath.Clean(target) != filepath.Clean(root) {
				t.Errorf("%s: replace %s => %s %s, want the relative path to the repository root", file, rootPath, r.New.Path, r.New.Version)
			}
		}
		if !replaced {
			t.Errorf("%s: no replace %s => <path to the root>", file, rootPath)
		}
		// What dagger develop leaves is committed (TestModulesLoad checks
		// that it is current): a module must load the same way every time.
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(m.codeDir), "go.sum")); err != nil {
			t.Errorf("%s/go.sum: %v (commit it as dagger develop leaves it)", m.codeDir, err)
		}
	}
}

// pragma is a line "+name" or "+name=value" of a comment.
var pragma = regexp.MustCompile(`^\+([a-zA-Z]+)(?:=(.*))?$`)

// commentLines returns the lines of a comment group, without "//".
func commentLines(g *ast.CommentGroup) []string {
	if g == nil {
		return nil
	}
	var lines []string
	for _, c := range g.List {
		for _, l := range strings.Split(c.Text, "\n") {
			l = strings.TrimPrefix(l, "//")
			l = strings.TrimPrefix(l, " ")
			lines = append(lines, strings.TrimRight(l, " \t"))
		}
	}
	return lines
}

// splitDoc splits a comment into its description and its pragmas, and
// checks the layout: text first, then a blank line, then the pragmas.
func splitDoc(lines []string) (text string, pragmas map[string]string, err error) {
	pragmas = map[string]string{}
	first := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "+") {
			if first < 0 {
				first = i
			}
			sub := pragma.FindStringSubmatch(l)
			if sub == nil {
				return "", nil, fmt.Errorf("malformed pragma %q", l)
			}
			if _, dup := pragmas[sub[1]]; dup {
				return "", nil, fmt.Errorf("pragma +%s twice", sub[1])
			}
			pragmas[sub[1]] = sub[2]
			continue
		}
		if first >= 0 && l != "" {
			return "", nil, fmt.Errorf("text %q after a pragma: pragmas go last", l)
		}
	}
	body := lines
	if first >= 0 {
		body = lines[:first]
		if first > 0 && body[len(body)-1] != "" {
			return "", nil, fmt.Errorf("no blank // line between the text and the pragmas")
		}
	}
	return strings.TrimSpace(strings.Join(body, "\n")), pragmas, nil
}

// cacheValue is a +cache value: never, session or a duration.
func validCache(v string) error {
	s, err := strconv.Unquote(v)
	if err != nil {
		return fmt.Errorf("+cache=%s: want a quoted string", v)
	}
	if s == "never" || s == "session" {
		return nil
	}
	if _, err := time.ParseDuration(s); err != nil {
		return fmt.Errorf("+cache=%s: want \"never\", \"session\" or a duration", v)
	}
	return nil
}

// checkArgPragmas checks the pragmas of an argument of type typ.
func checkArgPragmas(typ string, p map[string]string) error {
	for k, v := range p {
		switch k {
		case "optional":
			if v != "" {
				return fmt.Errorf("+optional takes no value")
			}
		case "default":
			var x any
			if err := json.Unmarshal([]byte(v), &x); err != nil {
				return fmt.Errorf("+default=%s: not a JSON value: %v", v, err)
			}
		case "defaultPath":
			s, err := strconv.Unquote(v)
			if err != nil || s == "" {
				return fmt.Errorf("+defaultPath=%s: want a quoted path", v)
			}
			if typ != "*dagger.Directory" && typ != "*dagger.File" {
				return fmt.Errorf("+defaultPath on a %s: only directories and files have one", typ)
			}
		case "ignore":
			var pats []string
			if err := json.Unmarshal([]byte(v), &pats); err != nil || len(pats) == 0 {
				return fmt.Errorf("+ignore=%s: want a JSON array of patterns", v)
			}
			if typ != "*dagger.Directory" {
				return fmt.Errorf("+ignore on a %s: only directories have one", typ)
			}
		default:
			return fmt.Errorf("unknown argument pragma +%s", k)
		}
	}
	if _, ok := p["optional"]; ok {
		if _, ok := p["defaultPath"]; ok {
			return fmt.Errorf("+optional with +defaultPath: the default path makes it optional")
		}
	}
	return nil
}

// pascal is the Go name of a module's object: golden-lint is GoldenLint.
func pascal(name string) string {
	var b strings.Builder
	for _, w := range strings.Split(name, "-") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

func TestModuleCode(t *testing.T) {
	t.Parallel()
	for _, m := range modules(t) {
		t.Run(m.configDir, func(t *testing.T) {
			t.Parallel()
			fset, files, srcs := codeFiles(t, m)
			for name, src := range srcs {
				formatted, err := format.Source(src)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if !bytes.Equal(formatted, src) {
					t.Errorf("%s is not gofmt-ed", name)
				}
			}
			object := pascal(m.config.Name)
			generated := m.goPath() + "/internal/dagger"
			var sawType, sawDoc bool
			methods := 0
			for _, f := range files {
				pos := fset.Position(f.Package)
				if f.Name.Name != "main" {
					t.Errorf("%s: package %s, want main", pos, f.Name.Name)
				}
				if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
					sawDoc = true
				}
				usesGenerated := false
				for _, imp := range f.Imports {
					p, _ := strconv.Unquote(imp.Path.Value)
					if strings.HasSuffix(p, "/internal/dagger") && p != generated {
						t.Errorf("%s: imports %s, want the bindings of this module, %s", fset.Position(imp.Pos()), p, generated)
					}
					usesGenerated = usesGenerated || p == generated
				}
				for _, d := range f.Decls {
					switch d := d.(type) {
					case *ast.GenDecl:
						for _, s := range d.Specs {
							if ts, ok := s.(*ast.TypeSpec); ok && ts.Name.Name == object {
								sawType = true
								if d.Doc == nil && ts.Doc == nil {
									t.Errorf("%s: type %s has no doc comment", fset.Position(ts.Pos()), object)
								}
								checkFields(t, fset, ts)
							}
						}
					case *ast.FuncDecl:
						if d.Recv == nil && d.Name.Name == "New" {
							checkConstructor(t, fset, f, d, object)
							continue
						}
						if d.Recv == nil || !d.Name.IsExported() {
							continue
						}
						methods++
						checkFunc(t, fset, f, d, object)
					}
				}
				_ = usesGenerated
			}
			if !sawDoc {
				t.Errorf("%s: no package doc comment: it is the module's description", m.codeDir)
			}
			if !sawType {
				t.Errorf("%s: no type %s: the object of module %q", m.codeDir, object, m.config.Name)
			}
			if methods == 0 {
				t.Errorf("%s: %s has no functions", m.codeDir, object)
			}
		})
	}
}

// checkFields checks the object's fields: the constructor's state, kept
// from the API (+private) so that dagger call --help lists functions only.
func checkFields(t *testing.T, fset *token.FileSet, ts *ast.TypeSpec) {
	t.Helper()
	st, ok := ts.Type.(*ast.StructType)
	if !ok {
		t.Errorf("%s: %s is not a struct", fset.Position(ts.Pos()), ts.Name.Name)
		return
	}
	for _, fl := range st.Fields.List {
		_, pragmas, err := splitDoc(commentLines(fl.Doc))
		if err != nil {
			t.Errorf("%s: field: %v", fset.Position(fl.Pos()), err)
		}
		for k := range pragmas {
			if k != "private" {
				t.Errorf("%s: unknown field pragma +%s", fset.Position(fl.Pos()), k)
			}
		}
		if _, ok := pragmas["private"]; !ok {
			t.Errorf("%s: field without +private: the constructor's state is not part of the API", fset.Position(fl.Pos()))
		}
	}
}

// checkConstructor checks New: documented, returning the object, every
// argument documented with well-formed pragmas and optional (dagger check
// passes none).
func checkConstructor(t *testing.T, fset *token.FileSet, f *ast.File, d *ast.FuncDecl, object string) {
	t.Helper()
	pos := fset.Position(d.Pos())
	if d.Doc == nil || !strings.HasPrefix(d.Doc.Text(), "New ") {
		t.Errorf("%s: New: its doc comment must start with its name", pos)
	}
	res := d.Type.Results
	if res == nil || len(res.List) != 1 || types(res.List[0].Type) != "*"+object {
		t.Errorf("%s: New must return only *%s", pos, object)
	}
	docs := paramDocs(fset, f, d.Type.Params)
	for i, field := range d.Type.Params.List {
		typ := types(field.Type)
		for _, name := range field.Names {
			fpos := fset.Position(name.Pos())
			text, pragmas, err := splitDoc(docs[i])
			switch {
			case err != nil:
				t.Errorf("%s: argument %s: %v", fpos, name.Name, err)
				continue
			case text == "":
				t.Errorf("%s: argument %s has no doc comment (dagger call --help shows it)", fpos, name.Name)
			}
			if err := checkArgPragmas(typ, pragmas); err != nil {
				t.Errorf("%s: argument %s: %v", fpos, name.Name, err)
			}
			_, optional := pragmas["optional"]
			_, defPath := pragmas["defaultPath"]
			if !optional && !defPath {
				t.Errorf("%s: constructor argument %s is required: dagger check passes none", fpos, name.Name)
			}
			if typ == "string" && looksSecret(name.Name) {
				t.Errorf("%s: argument %s is a string: secrets are *dagger.Secret", fpos, name.Name)
			}
		}
	}
}

// checkFunc checks a function of a module's object: documented, its
// pragmas, every argument documented with well-formed pragmas.
func checkFunc(t *testing.T, fset *token.FileSet, f *ast.File, d *ast.FuncDecl, object string) {
	t.Helper()
	pos := fset.Position(d.Pos())
	recv := d.Recv.List[0].Type
	if star, ok := recv.(*ast.StarExpr); !ok || fmt.Sprint(star.X) != object {
		t.Errorf("%s: %s is a method of %s, want *%s", pos, d.Name.Name, types(recv), object)
	}
	text, pragmas, err := splitDoc(commentLines(d.Doc))
	if err != nil {
		t.Errorf("%s: %s: %v", pos, d.Name.Name, err)
	}
	if !strings.HasPrefix(text, d.Name.Name+" ") {
		t.Errorf("%s: %s: its doc comment must start with its name (dagger call --help shows it)", pos, d.Name.Name)
	}
	_, isCheck := pragmas["check"]
	for k, v := range pragmas {
		switch k {
		case "check":
			if v != "" {
				t.Errorf("%s: %s: +check takes no value", pos, d.Name.Name)
			}
		case "cache":
			if err := validCache(v); err != nil {
				t.Errorf("%s: %s: %v", pos, d.Name.Name, err)
			}
		default:
			t.Errorf("%s: %s: unknown function pragma +%s", pos, d.Name.Name, k)
		}
	}
	if isCheck {
		res := d.Type.Results
		if res == nil || len(res.List) != 1 || types(res.List[0].Type) != "error" {
			t.Errorf("%s: check %s must return only an error", pos, d.Name.Name)
		}
	}
	docs := paramDocs(fset, f, d.Type.Params)
	for i, field := range d.Type.Params.List {
		typ := types(field.Type)
		if i == 0 && typ == "context.Context" {
			continue
		}
		for _, name := range field.Names {
			fpos := fset.Position(name.Pos())
			text, pragmas, err := splitDoc(docs[i])
			if err != nil {
				t.Errorf("%s: argument %s: %v", fpos, name.Name, err)
				continue
			}
			if text == "" {
				t.Errorf("%s: argument %s has no doc comment (dagger call --help shows it)", fpos, name.Name)
			}
			if err := checkArgPragmas(typ, pragmas); err != nil {
				t.Errorf("%s: argument %s: %v", fpos, name.Name, err)
			}
			_, optional := pragmas["optional"]
			_, def := pragmas["default"]
			_, defPath := pragmas["defaultPath"]
			if isCheck && !optional && !def && !defPath {
				t.Errorf("%s: check %s has a required argument %s: dagger check passes none", fpos, d.Name.Name, name.Name)
			}
			if strings.HasPrefix(typ, "*dagger.") && typ != "*dagger.Secret" && !optional && !defPath {
				t.Logf("%s: argument %s is a required %s", fpos, name.Name, typ)
			}
			if typ == "string" && looksSecret(name.Name) {
				t.Errorf("%s: argument %s is a string: secrets are *dagger.Secret", fpos, name.Name)
			}
		}
	}
}

// paramDocs returns the comment lines of each parameter of a list: the
// comments between the previous parameter (or the opening parenthesis)
// and it, and a comment on its line after it. go/parser attaches no
// comments to parameters.
func paramDocs(fset *token.FileSet, f *ast.File, params *ast.FieldList) [][]string {
	docs := make([][]string, len(params.List))
	line := func(p token.Pos) int { return fset.Position(p).Line }
	prev := params.Opening
	for i, field := range params.List {
		end := field.End()
		for _, g := range f.Comments {
			switch {
			case g.Pos() > prev && g.End() < field.Pos():
				docs[i] = append(docs[i], commentLines(g)...)
			case g.Pos() > end && line(g.Pos()) == line(end) && (i+1 == len(params.List) || g.End() < params.List[i+1].Pos()):
				docs[i] = append(docs[i], commentLines(g)...)
				end = g.End()
			}
		}
		prev = end
	}
	return docs
}

// looksSecret reports whether an argument's name says it holds a secret.
func looksSecret(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "password") || strings.Contains(n, "token") || strings.Contains(n, "secret")
}

// types prints a type expression.
func types(e ast.Expr) string {
	var b bytes.Buffer
	if err := format.Node(&b, token.NewFileSet(), e); err != nil {
		return fmt.Sprint(e)
	}
	return b.String()
}

func TestGeneratedBindingsAreIgnored(t *testing.T) {
	t.Parallel()
	root := testtool.Root()
	git := testtool.Path(t, "git")
	if out, err := exec.Command(git, "-C", root, "rev-parse", "--is-inside-work-tree").Output(); err != nil || strings.TrimSpace(string(out)) != "true" {
		t.Skip("not a git work tree")
	}
	for _, m := range modules(t) {
		for _, p := range []string{"dagger.gen.go", "internal/dagger/dagger.gen.go", "internal/querybuilder/querybuilder.go", "internal/telemetry/init.go"} {
			f := path.Join(m.codeDir, p)
			cmd := exec.Command(git, "-C", root, "check-ignore", "--no-index", "-q", f)
			if err := cmd.Run(); err != nil {
				t.Errorf("%s: git does not ignore the generated %s (.gitignore)", m, f)
			}
		}
		for _, p := range []string{"main.go", "go.mod", "go.sum"} {
			f := path.Join(m.codeDir, p)
			if err := exec.Command(git, "-C", root, "check-ignore", "--no-index", "-q", f).Run(); err == nil {
				t.Errorf("%s: git ignores %s", m, f)
			}
		}
	}
}
