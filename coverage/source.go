package coverage

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/goldenci/golden/exitcode"
)

// Source is the source tree a profile describes. Go profiles name files by
// import path; Source maps them onto files with the module paths of the
// go.mod files in the tree (a module may live in any subdirectory).
// Cobertura and LCOV paths are resolved relative to the tree, to the
// report's <source> directories, or by the longest suffix of an absolute
// path (written on another machine) that exists in the tree.
type Source struct {
	// Dir is the absolute root of the tree.
	Dir string
	// Modules are the Go modules found in the tree, longest path first.
	Modules []Module
}

// Module is one go.mod of the tree.
type Module struct {
	Path string // module path: "example.com/calc"
	Dir  string // slash-separated, relative to Source.Dir: "." or "services/api"
}

// skipDir reports whether the walk for go.mod files skips a directory, as
// the go command's "./..." does (plus node_modules).
func skipDir(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") ||
		name == "testdata" || name == "vendor" || name == "node_modules"
}

// OpenSource finds the Go modules under dir. The walk skips hidden
// directories and those named testdata, vendor, node_modules or starting
// with "_" (except dir itself). A missing dir is an input error.
func OpenSource(dir string) (*Source, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, exitcode.Inputf("source directory %q: %w", dir, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, exitcode.Inputf("source directory %q does not exist", dir)
		}
		return nil, infraErr(fmt.Errorf("source directory %q: %w", dir, err))
	}
	if !fi.IsDir() {
		return nil, exitcode.Inputf("source directory %q is not a directory", dir)
	}
	s := &Source{Dir: abs}
	err = filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == abs {
				return err
			}
			return nil // an unreadable subdirectory holds no module we can use
		}
		if d.IsDir() {
			if p != abs && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Name() != "go.mod" {
			return nil
		}
		modPath, line, err := readModulePath(p)
		if err != nil {
			rel, _ := filepath.Rel(abs, p)
			return exitcode.Inputf("reading %s: line %d: %w", filepath.ToSlash(rel), line, err)
		}
		rel, err := filepath.Rel(abs, filepath.Dir(p))
		if err != nil {
			return err
		}
		s.Modules = append(s.Modules, Module{Path: modPath, Dir: filepath.ToSlash(rel)})
		return nil
	})
	if err != nil {
		if exitcode.Code(err) == exitcode.Usage {
			return nil, err
		}
		return nil, infraErr(fmt.Errorf("looking for go.mod files in %q: %w", dir, err))
	}
	// Longest module path first, so that nested modules win; among equal
	// paths, the shallowest directory.
	sort.SliceStable(s.Modules, func(i, j int) bool {
		a, b := s.Modules[i], s.Modules[j]
		if len(a.Path) != len(b.Path) {
			return len(a.Path) > len(b.Path)
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return strings.Count(a.Dir, "/") < strings.Count(b.Dir, "/")
	})
	return s, nil
}

// ModulePath returns the module path of a go.mod file (its "module"
// directive).
func ModulePath(file string) (string, error) {
	p, _, err := readModulePath(file)
	return p, err
}

// readModulePath returns the module path of a go.mod file (its "module"
// directive) and, on error, the line it concerns.
func readModulePath(file string) (string, int, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		rest, ok := strings.CutPrefix(line, "module")
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t' && rest[0] != '"' && rest[0] != '`') {
			continue
		}
		rest = strings.TrimSpace(rest)
		if rest == "(" {
			return "", n, errors.New(`"module (" blocks are not supported`)
		}
		if strings.HasPrefix(rest, `"`) || strings.HasPrefix(rest, "`") {
			u, err := strconv.Unquote(rest)
			if err != nil {
				return "", n, fmt.Errorf("bad module path %s", rest)
			}
			rest = u
		}
		if rest == "" || strings.ContainsAny(rest, " \t") {
			return "", n, fmt.Errorf("bad module path %q", rest)
		}
		return rest, n, nil
	}
	if err := sc.Err(); err != nil {
		return "", n, err
	}
	return "", n, errors.New("no module directive")
}

// resolved is where a profile's file is in the source tree.
type resolved struct {
	path    string // slash-separated, relative to Source.Dir when inside it, else absolute
	pkg     string // the package: import-path directory (Go) or directory of path
	abs     string // absolute OS path of the file; "" when not known
	present bool   // the file exists
}

// resolve maps a profile's file onto the source tree.
func (s *Source) resolve(f *File) resolved {
	if f.Format == FormatGo {
		return s.resolveGo(f.Name)
	}
	return s.resolvePath(f.Name, f.Sources)
}

// resolveGo maps an import path ("example.com/mod/pkg/file.go"), or the
// relative or absolute path go test writes for files outside a module.
func (s *Source) resolveGo(name string) resolved {
	if strings.HasPrefix(name, ".") || filepath.IsAbs(name) {
		return s.resolvePath(name, nil)
	}
	if strings.HasPrefix(name, "_/") && filepath.IsAbs(name[1:]) { // GOPATH-less local import
		return s.resolvePath(name[1:], nil)
	}
	r := resolved{path: name, pkg: path.Dir(name)}
	for _, m := range s.Modules {
		rest, ok := strings.CutPrefix(name, m.Path+"/")
		if !ok {
			continue
		}
		rel := path.Join(m.Dir, rest)
		abs := filepath.Join(s.Dir, filepath.FromSlash(rel))
		r.path, r.abs = rel, abs
		r.present = fileExists(abs)
		break
	}
	return r
}

// resolvePath maps a file path: absolute, relative to the tree, or
// relative to one of sources (Cobertura <source> directories, themselves
// absolute or relative to the tree). An absolute path from another
// machine is matched by its longest suffix that exists in the tree.
func (s *Source) resolvePath(name string, sources []string) resolved {
	var candidates []string
	native := filepath.FromSlash(name)
	if filepath.IsAbs(native) {
		candidates = append(candidates, filepath.Clean(native))
	} else {
		for _, src := range sources {
			src = filepath.FromSlash(src)
			if !filepath.IsAbs(src) {
				src = filepath.Join(s.Dir, src)
			}
			candidates = append(candidates, filepath.Join(src, native))
		}
		candidates = append(candidates, filepath.Join(s.Dir, native))
	}
	inTree := func(c string) bool { return strings.HasPrefix(c, s.Dir+string(filepath.Separator)) }
	for _, c := range candidates {
		if inTree(c) && fileExists(c) {
			return s.found(c)
		}
	}
	// Written elsewhere: try the suffixes of the other absolute candidates.
	for _, c := range candidates {
		if inTree(c) {
			continue
		}
		parts := strings.Split(filepath.ToSlash(c), "/")
		for i := 1; i < len(parts); i++ {
			try := filepath.Join(s.Dir, filepath.FromSlash(strings.Join(parts[i:], "/")))
			if fileExists(try) {
				return s.found(try)
			}
		}
	}
	// Outside the tree, but here.
	for _, c := range candidates {
		if fileExists(c) {
			return s.found(c)
		}
	}
	// Not found: report the first candidate.
	r := s.found(candidates[0])
	if !filepath.IsAbs(native) && len(sources) == 0 {
		r = s.found(filepath.Join(s.Dir, native))
	}
	r.present = false
	return r
}

// found describes the file at the absolute path abs.
func (s *Source) found(abs string) resolved {
	r := resolved{abs: abs, present: true, path: filepath.ToSlash(abs)}
	if rel, err := filepath.Rel(s.Dir, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		r.path = filepath.ToSlash(rel)
	}
	r.pkg = path.Dir(r.path)
	return r
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}
