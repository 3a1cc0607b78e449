package promote

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitops"
)

// Config names the environments of a GitOps repository, so that a
// promotion can say "--from staging --to production":
//
//	environments:
//	  staging:
//	    path: overlays/staging
//	  production:
//	    path: overlays/production
//	    image: registry.example.com/acme/go-service-prod
//
// Other top-level keys are left for other golden commands; unknown keys
// inside environments are errors.
type Config struct {
	Environments map[string]Environment
}

// Environment is one environment of a Config.
type Environment struct {
	// Path is the environment's directory or file in the repository.
	Path string
	// Image, when set, is the repository the environment pulls from
	// ("REGISTRY/REPOSITORY", no tag): the target image of a promotion to
	// it.
	Image string
}

// maxConfigSize bounds the config files read.
const maxConfigSize = 1 << 20

// LoadConfig reads a Config from a YAML file. A missing, unreadable or
// malformed file is an input error (exit 2) naming the file and line.
func LoadConfig(path string) (*Config, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, exitcode.Inputf("reading config %q: no such file", path)
		}
		return nil, exitcode.Inputf("reading config %q: %v", path, err)
	}
	if fi.Size() > maxConfigSize {
		return nil, exitcode.Inputf("reading config %q: larger than %d bytes", path, maxConfigSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, exitcode.Inputf("reading config %q: %v", path, err)
	}
	return ParseConfig(path, data)
}

// ParseConfig parses a Config; name is the file name for errors.
func ParseConfig(name string, data []byte) (*Config, error) {
	bad := func(line int, format string, args ...any) error {
		return exitcode.Inputf("parsing config %q: line %d: %s", name, line, fmt.Sprintf(format, args...))
	}
	if len(data) > maxConfigSize {
		return nil, exitcode.Inputf("parsing config %q: larger than %d bytes", name, maxConfigSize)
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil, exitcode.Inputf("parsing config %q: empty: want an environments mapping", name)
	} else if err != nil {
		return nil, exitcode.Inputf("parsing config %q: %v", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil && len(extra.Content) > 0 && !isNullNode(extra.Content[0]) {
		line := extra.Line
		if len(extra.Content) > 0 {
			line = extra.Content[0].Line
		}
		return nil, bad(line, "a config holds one YAML document, found another")
	}
	if len(doc.Content) == 0 {
		return nil, exitcode.Inputf("parsing config %q: empty: want an environments mapping", name)
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, bad(root.Line, "want a mapping with an environments key")
	}
	cfg := &Config{Environments: map[string]Environment{}}
	var envs *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k := root.Content[i]; k.Value == "environments" {
			envs = root.Content[i+1]
		}
	}
	if envs == nil {
		return nil, bad(root.Line, "no environments key")
	}
	if envs.Kind == yaml.AliasNode {
		return nil, bad(envs.Line, "environments: aliases are not supported")
	}
	if envs.Kind != yaml.MappingNode {
		return nil, bad(envs.Line, "environments is not a mapping of names to {path, image}")
	}
	for i := 0; i+1 < len(envs.Content); i += 2 {
		k, v := envs.Content[i], envs.Content[i+1]
		if k.Kind != yaml.ScalarNode || strings.TrimSpace(k.Value) == "" {
			return nil, bad(k.Line, "an environment name must be a non-empty string")
		}
		envName := k.Value
		if _, dup := cfg.Environments[envName]; dup {
			return nil, bad(k.Line, "environment %q is defined twice", envName)
		}
		if v.Kind != yaml.MappingNode {
			return nil, bad(v.Line, "environment %q is not a mapping with path and image", envName)
		}
		var env Environment
		seen := map[string]bool{}
		for j := 0; j+1 < len(v.Content); j += 2 {
			fk, fv := v.Content[j], v.Content[j+1]
			if seen[fk.Value] {
				return nil, bad(fk.Line, "environment %q: %s is set twice", envName, fk.Value)
			}
			seen[fk.Value] = true
			if fv.Kind != yaml.ScalarNode || isNullNode(fv) {
				return nil, bad(fv.Line, "environment %q: %s is not a string", envName, fk.Value)
			}
			switch fk.Value {
			case "path":
				p, err := cleanPath("path", fv.Value)
				if err != nil {
					return nil, bad(fv.Line, "environment %q: %v", envName, err)
				}
				env.Path = p
			case "image":
				if err := gitops.ValidateRepository(fv.Value); err != nil {
					return nil, bad(fv.Line, "environment %q: image: %v", envName, err)
				}
				env.Image = fv.Value
			default:
				return nil, bad(fk.Line, "environment %q: unknown key %q (want path and image)", envName, fk.Value)
			}
		}
		if env.Path == "" {
			return nil, bad(v.Line, "environment %q has no path", envName)
		}
		cfg.Environments[envName] = env
	}
	return cfg, nil
}

// Environment returns the environment called name, or an input error
// listing the known ones.
func (c *Config) Environment(name string) (Environment, error) {
	if env, ok := c.Environments[name]; ok {
		return env, nil
	}
	names := make([]string, 0, len(c.Environments))
	for n := range c.Environments {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		names = []string{"none"}
	}
	return Environment{}, exitcode.Inputf("unknown environment %q (the config names %s)", name, strings.Join(names, ", "))
}

// isNullNode reports a null scalar (empty, ~ or null).
func isNullNode(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }
