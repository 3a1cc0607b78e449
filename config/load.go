package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/goldenci/golden/exitcode"
)

// The files Load reads at the root of a service.
const (
	// ConfigFile is golden's config file; HiddenConfigFile is the same,
	// hidden. A service has at most one of them.
	ConfigFile       = "golden.yaml"
	HiddenConfigFile = ".golden.yaml"
	// ServiceFile is the service.yaml convention: metadata.name is the
	// service's name, spec.language its language.
	ServiceFile = "service.yaml"
)

// ConfigFiles are the names Load looks for at a service's root, in order:
// the config file, hidden, and the .yml spellings it refuses (with a
// message saying so).
var ConfigFiles = []string{ConfigFile, HiddenConfigFile, "golden.yml", ".golden.yml"}

// Default returns the configuration of a service of language lang without
// any file: every default filled in. It is what Load returns for a service
// with only its language's marker file, but for Service and File.
func Default(lang Language) *Config {
	c := newConfig()
	c.Language = lang
	c.setDefaults()
	return c
}

// ImageEnvVar returns the environment variable that overrides the image of
// a tool key: GOLDEN_IMAGE_ and the key upper-cased with '-' as '_'
// ("golangci-lint" gives GOLDEN_IMAGE_GOLANGCI_LINT).
func ImageEnvVar(key string) string {
	return "GOLDEN_IMAGE_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
}

// Load reads the configuration of the service in directory dir: its
// golden.yaml or .golden.yaml (Parse), the service.yaml convention, the
// language detected from its files when neither names it (Detect), the
// tool image overrides in the environment (GOLDEN_IMAGE_<KEY>, read with
// getenv, which may be nil), and the defaults. The service's name
// defaults to dir's base name. The settings (see Setting) beat the file
// and the environment. The result is validated; errors name
// the file, line and key, or the setting (exit 2).
func Load(dir string, getenv func(string) string, sets ...Setting) (*Config, error) {
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, exitcode.Infraf("service directory %q: %w", dir, err)
	}
	return load(os.DirFS(dir), dir, filepath.Base(abs), getenv, sets)
}

// LoadFS is Load over a file system whose root is the service's root,
// for sources that are not on the host (a fstest.MapFS of the files
// read from a container's directory, say). name is the service root's
// name: the default service name ("" for none). Errors name the files
// as paths in fsys.
func LoadFS(fsys fs.FS, name string, getenv func(string) string, sets ...Setting) (*Config, error) {
	if fsys == nil {
		return nil, exitcode.Infraf("loading the configuration: no file system")
	}
	return load(fsys, "", name, getenv, sets)
}

// checkDir checks that dir is a directory.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return exitcode.Inputf("service directory %q: no such directory", dir)
	case err != nil:
		return exitcode.Infraf("service directory %q: %w", dir, err)
	case !fi.IsDir():
		return exitcode.Inputf("service directory %q: not a directory", dir)
	}
	return nil
}

func load(fsys fs.FS, dir, name string, getenv func(string) string, sets []Setting) (*Config, error) {
	display := func(file string) string {
		if dir == "" {
			return file
		}
		return filepath.Join(dir, file)
	}

	c := newConfig()
	file, data, err := readConfigFile(fsys, display)
	if err != nil {
		return nil, err
	}
	if file != "" || len(sets) > 0 {
		shown := ""
		if file != "" {
			shown = display(file)
		}
		if c, err = parse(data, shown, sets...); err != nil {
			return nil, err
		}
	}

	svc, err := readServiceFile(fsys, display(ServiceFile))
	if err != nil {
		return nil, err
	}
	if c.Service == "" {
		switch {
		case svc.name != nil:
			c.Service, err = serviceString(svc.name, display(ServiceFile), "metadata.name", func(s string) (string, error) {
				return s, validService(s)
			})
			if err != nil {
				return nil, err
			}
		case validService(name) == nil:
			c.Service = name
		}
	}
	if c.Language == "" {
		if svc.language != nil {
			c.Language, err = serviceString(svc.language, display(ServiceFile), "spec.language", ParseLanguage)
			if err != nil {
				return nil, err
			}
		} else {
			where := "the service root"
			if dir != "" {
				where = fmt.Sprintf("%q", dir)
			}
			if c.Language, err = detect(fsys, where); err != nil {
				return nil, err
			}
		}
	}

	if getenv != nil {
		for _, key := range toolKeys() {
			v := getenv(ImageEnvVar(key))
			if v == "" || setsKey(sets, "tools."+key) {
				continue
			}
			if err := validToolImage(v); err != nil {
				return nil, exitcode.Inputf("%s: %w", ImageEnvVar(key), err)
			}
			if c.Tools == nil {
				c.Tools = map[string]string{}
			}
			c.Tools[key] = v
		}
	}

	c.setDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// setsKey reports whether one of the settings sets key.
func setsKey(sets []Setting, key string) bool {
	for _, s := range sets {
		if s.Key == key {
			return true
		}
	}
	return false
}

// readConfigFile reads golden.yaml or .golden.yaml; it returns "" when
// there is neither. Both, or only a .yml spelling, are errors.
func readConfigFile(fsys fs.FS, display func(string) string) (string, []byte, error) {
	var found []string
	for _, f := range ConfigFiles[:2] {
		ok, err := isFile(fsys, f, display)
		if err != nil {
			return "", nil, err
		}
		if ok {
			found = append(found, f)
		}
	}
	switch len(found) {
	case 0:
		for _, f := range ConfigFiles[2:] {
			if ok, _ := isFile(fsys, f, display); ok {
				return "", nil, exitcode.Inputf("%s: golden reads %s or %s: rename it", display(f), ConfigFile, HiddenConfigFile)
			}
		}
		return "", nil, nil
	case 2:
		return "", nil, exitcode.Inputf("%s and %s: a service has one config file: merge them", display(ConfigFile), display(HiddenConfigFile))
	}
	data, err := readFile(fsys, found[0], display)
	return found[0], data, err
}

// isFile reports whether name is a regular file (following symbolic
// links) in fsys.
func isFile(fsys fs.FS, name string, display func(string) string) (bool, error) {
	fi, err := fs.Stat(fsys, name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, exitcode.Infraf("%s: %w", display(name), err)
	case fi.IsDir():
		return false, exitcode.Inputf("%s: is a directory", display(name))
	}
	return true, nil
}

// readFile reads a config file of at most maxFileSize bytes.
func readFile(fsys fs.FS, name string, display func(string) string) ([]byte, error) {
	fi, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, exitcode.Infraf("reading %s: %w", display(name), err)
	}
	if fi.Size() > maxFileSize {
		return nil, exitcode.Inputf("%s: larger than %d bytes", display(name), maxFileSize)
	}
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, exitcode.Infraf("reading %s: %w", display(name), err)
	}
	if len(data) > maxFileSize {
		return nil, exitcode.Inputf("%s: larger than %d bytes", display(name), maxFileSize)
	}
	return data, nil
}

// serviceFile is what golden reads of service.yaml: the nodes of
// metadata.name and spec.language, nil when absent.
type serviceFile struct {
	name, language *yaml.Node
}

// readServiceFile reads service.yaml when there is one. The file belongs
// to other tools: golden reads metadata.name and spec.language and
// ignores the rest (and a file whose first document is not a mapping).
// A YAML syntax error is an error; the two values are checked when used
// (serviceString).
func readServiceFile(fsys fs.FS, shown string) (serviceFile, error) {
	var sf serviceFile
	display := func(string) string { return shown }
	ok, err := isFile(fsys, ServiceFile, display)
	if err != nil || !ok {
		return sf, err
	}
	data, err := readFile(fsys, ServiceFile, display)
	if err != nil {
		return sf, err
	}
	root, err := firstDocument(data, shown)
	if err != nil || root == nil {
		return sf, err
	}
	field := func(n *yaml.Node, key string) *yaml.Node {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
				return n.Content[i+1]
			}
		}
		return nil
	}
	sf.name = field(field(root, "metadata"), "name")
	sf.language = field(field(root, "spec"), "language")
	return sf, nil
}

// serviceString reads a string value of service.yaml and checks it with
// valid; errors name the file, line and key.
func serviceString[T any](n *yaml.Node, shown, key string, valid func(string) (T, error)) (T, error) {
	var zero T
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return zero, exitcode.Inputf("%s:%d: %s: want a string, got %s", shown, n.Line, key, describe(n))
	}
	v, err := valid(n.Value)
	if err != nil {
		return zero, exitcode.Inputf("%s:%d: %s: %w", shown, n.Line, key, err)
	}
	return v, nil
}

// firstDocument decodes the first YAML document of data (service.yaml
// may hold more).
func firstDocument(data []byte, name string) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(err, name)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}
