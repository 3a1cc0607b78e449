package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/goldenci/golden/exitcode"
)

// markers are the files at a service's root that tell its language, in
// the order Detect reports them.
var markers = []struct {
	file string
	lang Language
}{
	{"go.mod", Go},
	{"pyproject.toml", Python},
	{"requirements.txt", Python},
	{"package.json", Node},
}

// RootFiles are the files at a service's root that Load looks at: the
// config files (ConfigFiles), the service.yaml convention and the
// language markers.
func RootFiles() []string {
	out := append(append([]string(nil), ConfigFiles...), ServiceFile)
	for _, m := range markers {
		out = append(out, m.file)
	}
	return out
}

// Detect tells the language of the service in directory dir from the files
// at its root: go.mod is Go; pyproject.toml or requirements.txt is Python;
// package.json is Node (TypeScript or JavaScript). None, or files of
// several languages (a Go service with a package.json for its web assets,
// say), is an error (exit 2) naming the files seen: set language in
// golden.yaml then.
func Detect(dir string) (Language, error) {
	if err := checkDir(dir); err != nil {
		return "", err
	}
	return detect(os.DirFS(dir), fmt.Sprintf("%q", dir))
}

// detect is Detect over fsys; where names the directory for errors.
func detect(fsys fs.FS, where string) (Language, error) {
	var langs []Language
	var seen []string
	for _, m := range markers {
		fi, err := fs.Stat(fsys, m.file)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return "", exitcode.Infraf("detecting the language of %s: %w", where, err)
		case fi.IsDir():
			continue
		}
		seen = append(seen, fmt.Sprintf("%s (%s)", m.file, m.lang))
		if len(langs) == 0 || langs[len(langs)-1] != m.lang {
			langs = append(langs, m.lang)
		}
	}
	switch len(langs) {
	case 0:
		return "", exitcode.Inputf("cannot tell the language of %s: it has none of go.mod, pyproject.toml, requirements.txt, package.json (set language in %s)", where, ConfigFile)
	case 1:
		return langs[0], nil
	}
	return "", exitcode.Inputf("cannot tell the language of %s: it has %s (set language in %s)", where, strings.Join(seen, ", "), ConfigFile)
}
