package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxFileSize bounds the config files read.
const maxFileSize = 1 << 20

// Parse reads one golden.yaml; name is the file's name for errors. Every
// key is optional (see the package documentation); unset values get their
// defaults, except those that depend on the language when the file does
// not name it, and Language stays "" then. Unknown keys, values of the
// wrong type and bad values are errors (exit 2) naming the file, the line
// and the key path:
//
//	golden.yaml:9: coverage.min: 120 is not a percentage between 0 and 100
func Parse(data []byte, name string) (*Config, error) {
	c, err := parse(data, name)
	if err != nil {
		return nil, err
	}
	c.setDefaults()
	return c, nil
}

// parse reads a golden.yaml without filling in defaults (but race, which
// is true unless the file says otherwise).
func parse(data []byte, name string, sets ...Setting) (*Config, error) {
	if len(data) > maxFileSize {
		return nil, inputf("%s: larger than %d bytes", name, maxFileSize)
	}
	root, err := decodeOne(data, name)
	if err != nil {
		return nil, err
	}
	if root, err = applySets(root, sets); err != nil {
		return nil, err
	}
	c := newConfig()
	c.File = name
	if root == nil {
		return c, nil // empty file: all defaults
	}
	p := &parser{name: name, c: c}
	if root.Kind != yaml.MappingNode && !isNull(root) {
		return nil, p.errf(root, "want a mapping of keys (service, language, image, ...), got %s", describe(root))
	}
	if err := p.top(root); err != nil {
		return nil, err
	}
	return c, nil
}

// yamlLineRE finds the line in a yaml error message.
var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// decodeOne decodes the one YAML document of data into its root node; it
// returns nil for a document without content (empty, or comments only).
func decodeOne(data []byte, name string) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, yamlError(err, name)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, inputf("%s:%d: a config file holds one YAML document, found another", name, next.Line)
	case !errors.Is(err, io.EOF):
		return nil, yamlError(err, name)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// yamlError turns a yaml syntax error into name:line: message.
func yamlError(err error, name string) error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		return inputf("%s:%s: %s", name, m[1], strings.TrimPrefix(msg, m[0]))
	}
	return inputf("%s: %s", name, strings.TrimPrefix(msg, "yaml: "))
}

// parser walks the nodes of one file into c.
type parser struct {
	name string
	c    *Config
}

func (p *parser) errf(n *yaml.Node, format string, args ...any) error {
	return inputf("%s: %s", p.where(n), fmt.Sprintf(format, args...))
}

// bad is a bad value error at node n for the key path key.
func (p *parser) bad(n *yaml.Node, key string, err error) error {
	return p.errf(n, "%s: %v", key, err)
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// describe names a node's kind for errors.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing"
		case "!!bool":
			return "a boolean"
		case "!!int", "!!float":
			return "a number"
		case "!!str":
			return "a string"
		}
		return "a value tagged " + n.Tag
	}
	return "a YAML document"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// The keys of each mapping, in the order of the documentation.
var (
	topKeys      = []string{"service", "language", "image", "lint", "test", "coverage", "scan", "gitops", "tools", "env", "caCerts", "policy"}
	imageKeys    = []string{"repository", "dockerfile", "target", "platforms", "buildArgs", "main"}
	lintKeys     = []string{"skip", "failOn"}
	testKeys     = []string{"skip", "race", "packages"}
	coverageKeys = []string{"min", "minPackage", "patchMin", "patchBase"}
	scanKeys     = []string{"skip", "severity", "ignoreUnfixed", "scanners", "dbRepository", "javaDBRepository", "checksBundleRepository", "insecure", "skipDBUpdate", "skipDirs", "skipImage"}
	gitopsKeys   = []string{"repo", "branch", "staging", "environments"}
	policyKeys   = []string{"dir", "namespaces"}
	envKeys      = []string{"path", "image", "verifyKey"}
)

// entries walks the key/value pairs of mapping n (key path path), which
// may be null (an empty section). Keys must be strings and unique; keys,
// when not nil, are the only keys allowed.
func (p *parser) entries(n *yaml.Node, path string, keys []string, each func(k, v *yaml.Node, key string) error) error {
	if isNull(n) {
		return nil
	}
	if n.Kind == yaml.AliasNode {
		return p.errf(n, "%s: aliases are not supported", path)
	}
	if n.Kind != yaml.MappingNode {
		return p.errf(n, "%s: want a mapping, got %s", path, describe(n))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!null" {
			return p.errf(k, "%s: want a name as key, got %s", orTop(path), describe(k))
		}
		if line, dup := seen[k.Value]; dup {
			return p.errf(k, "%s is set twice (first on line %d)", join(path, k.Value), line)
		}
		seen[k.Value] = k.Line
		if keys != nil && !slices.Contains(keys, k.Value) {
			return p.errf(k, "%s", unknownKey(k.Value, path, keys))
		}
		if v.Kind == yaml.AliasNode {
			return p.errf(v, "%s: aliases are not supported", join(path, k.Value))
		}
		if err := each(k, v, join(path, k.Value)); err != nil {
			return err
		}
	}
	return nil
}

func orTop(path string) string {
	if path == "" {
		return "top level"
	}
	return path
}

// unknownKey says that key is not one of keys, suggesting the closest.
func unknownKey(key, path string, keys []string) string {
	in := ""
	if path != "" {
		in = " in " + path
	}
	best, bestDist := "", 3
	for _, k := range keys {
		if d := editDistance(strings.ToLower(key), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf("unknown key %q%s (did you mean %q?)", key, in, best)
	}
	return fmt.Sprintf("unknown key %q%s (want %s)", key, in, strings.Join(keys, ", "))
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 64
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// str reads a string value. Numbers and dates are taken as written;
// booleans and null are errors (quote them to mean the text).
func (p *parser) str(v *yaml.Node, key string) (string, error) {
	if v.Kind != yaml.ScalarNode {
		return "", p.errf(v, "%s: want a string, got %s", key, describe(v))
	}
	switch v.ShortTag() {
	case "!!str", "!!int", "!!float", "!!timestamp":
		if strings.ContainsRune(v.Value, 0) {
			return "", p.errf(v, "%s: contains a NUL character", key)
		}
		return v.Value, nil
	case "!!null":
		return "", p.errf(v, "%s: no value (want a string)", key)
	}
	return "", p.errf(v, "%s: want a string, got %s (quote it to mean the text)", key, describe(v))
}

// checkedStr reads a string and checks it with valid.
func (p *parser) checkedStr(v *yaml.Node, key string, valid func(string) error) (string, error) {
	s, err := p.str(v, key)
	if err != nil {
		return "", err
	}
	if err := valid(s); err != nil {
		return "", p.bad(v, key, err)
	}
	return s, nil
}

func (p *parser) boolean(v *yaml.Node, key string) (bool, error) {
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
		return false, p.errf(v, "%s: want true or false, got %s", key, describe(v))
	}
	var b bool
	if err := v.Decode(&b); err != nil {
		return false, p.errf(v, "%s: want true or false, got %q", key, v.Value)
	}
	return b, nil
}

// percent reads a percentage, 0 to 100.
func (p *parser) percent(v *yaml.Node, key string) (*float64, error) {
	if isNull(v) {
		return nil, nil // no threshold: --set coverage.patchMin=null
	}
	if v.Kind != yaml.ScalarNode || (v.ShortTag() != "!!int" && v.ShortTag() != "!!float") {
		return nil, p.errf(v, "%s: want a percentage between 0 and 100, got %s", key, describe(v))
	}
	var f float64
	if err := v.Decode(&f); err != nil {
		f2, err2 := strconv.ParseFloat(v.Value, 64)
		if err2 != nil {
			return nil, p.errf(v, "%s: want a percentage between 0 and 100, got %q", key, v.Value)
		}
		f = f2
	}
	if err := validPercent(f); err != nil {
		return nil, p.bad(v, key, err)
	}
	return &f, nil
}

// list reads a non-empty list of strings without duplicates, each checked
// by valid and then mapped by canon (nil: kept as is).
func (p *parser) list(v *yaml.Node, key string, valid func(string) error, canon func(string) string) ([]string, error) {
	if v.Kind != yaml.SequenceNode {
		return nil, p.errf(v, "%s: want a list, got %s", key, describe(v))
	}
	if len(v.Content) == 0 {
		return nil, p.errf(v, "%s: empty list (leave the key out for the default)", key)
	}
	out := make([]string, 0, len(v.Content))
	seen := map[string]int{}
	for i, item := range v.Content {
		ikey := fmt.Sprintf("%s[%d]", key, i)
		if item.Kind == yaml.AliasNode {
			return nil, p.errf(item, "%s: aliases are not supported", ikey)
		}
		s, err := p.str(item, ikey)
		if err != nil {
			return nil, err
		}
		if canon != nil {
			s = canon(s)
		}
		if err := valid(s); err != nil {
			return nil, p.bad(item, ikey, err)
		}
		if j, dup := seen[s]; dup {
			return nil, p.errf(item, "%s: %q is listed twice (also %s[%d])", ikey, s, key, j)
		}
		seen[s] = i
		out = append(out, s)
	}
	return out, nil
}

// canonSeverity upper-cases a severity name so that the file may write
// "high".
func canonSeverity(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

func (p *parser) top(root *yaml.Node) error {
	c := p.c
	return p.entries(root, "", topKeys, func(k, v *yaml.Node, key string) error {
		var err error
		switch k.Value {
		case "service":
			c.Service, err = p.checkedStr(v, key, validService)
		case "language":
			var s string
			if s, err = p.str(v, key); err == nil {
				if c.Language, err = ParseLanguage(s); err != nil {
					err = p.bad(v, key, err)
				}
			}
		case "image":
			err = p.image(v, key)
		case "lint":
			err = p.lint(v, key)
		case "test":
			err = p.test(v, key)
		case "coverage":
			err = p.coverage(v, key)
		case "scan":
			err = p.scan(v, key)
		case "gitops":
			err = p.gitops(k, v, key)
		case "tools":
			err = p.tools(v, key)
		case "env":
			err = p.env(v, key)
		case "caCerts":
			c.CACerts, err = p.checkedStr(v, key, validCACerts)
		case "policy":
			err = p.policy(v, key)
		}
		return err
	})
}

func (p *parser) image(n *yaml.Node, path string) error {
	img := &p.c.Image
	return p.entries(n, path, imageKeys, func(k, v *yaml.Node, key string) error {
		var err error
		switch k.Value {
		case "repository":
			img.Repository, err = p.checkedStr(v, key, validRepository)
		case "dockerfile":
			img.Dockerfile, err = p.checkedStr(v, key, validDockerfile)
		case "target":
			img.Target, err = p.checkedStr(v, key, func(s string) error {
				if s == "" {
					return nil
				}
				return validTarget(s)
			})
		case "platforms":
			img.Platforms, err = p.list(v, key, validPlatform, nil)
		case "main":
			img.Main, err = p.checkedStr(v, key, validPackage)
		case "buildArgs":
			img.BuildArgs = map[string]string{}
			err = p.entries(v, key, nil, func(ak, av *yaml.Node, akey string) error {
				if !buildArgRE.MatchString(ak.Value) {
					return p.bad(ak, akey, validBuildArg(ak.Value, ""))
				}
				s, err := p.str(av, akey)
				if err != nil {
					return err
				}
				img.BuildArgs[ak.Value] = s
				return nil
			})
		}
		return err
	})
}

func (p *parser) lint(n *yaml.Node, path string) error {
	l := &p.c.Lint
	return p.entries(n, path, lintKeys, func(k, v *yaml.Node, key string) error {
		var err error
		switch k.Value {
		case "skip":
			l.Skip, err = p.boolean(v, key)
		case "failOn":
			var s string
			if s, err = p.str(v, key); err == nil {
				l.FailOn = canonSeverity(s)
				if verr := validSeverity(l.FailOn); verr != nil {
					err = p.bad(v, key, verr)
				}
			}
		}
		return err
	})
}

func (p *parser) test(n *yaml.Node, path string) error {
	t := &p.c.Test
	return p.entries(n, path, testKeys, func(k, v *yaml.Node, key string) error {
		var err error
		switch k.Value {
		case "skip":
			t.Skip, err = p.boolean(v, key)
		case "race":
			t.Race, err = p.boolean(v, key)
		case "packages":
			t.Packages, err = p.list(v, key, validPackage, nil)
		}
		return err
	})
}

func (p *parser) coverage(n *yaml.Node, path string) error {
	cv := &p.c.Coverage
	return p.entries(n, path, coverageKeys, func(k, v *yaml.Node, key string) error {
		var err error
		switch k.Value {
		case "min":
			cv.Min, err = p.percent(v, key)
		case "minPackage":
			cv.MinPackage, err = p.percent(v, key)
		case "patchMin":
			cv.PatchMin, err = p.percent(v, key)
		case "patchBase":
			cv.PatchBase, err = p.checkedStr(v, key, validRevision)
		}
		return err
	})
}

func (p *parser) scan(n *yaml.Node, path string) error {
	s := &p.c.Scan
	return p.entries(n, path, scanKeys, func(k, v *yaml.Node, key string) error {
		var err error
		switch k.Value {
		case "skip":
			s.Skip, err = p.boolean(v, key)
		case "severity":
			s.Severity, err = p.list(v, key, validSeverity, canonSeverity)
		case "ignoreUnfixed":
			s.IgnoreUnfixed, err = p.boolean(v, key)
		case "scanners":
			s.Scanners, err = p.list(v, key, validScanner, nil)
		case "dbRepository":
			s.DBRepository, err = p.checkedStr(v, key, validDBRepository)
		case "javaDBRepository":
			s.JavaDBRepository, err = p.checkedStr(v, key, validDBRepository)
		case "checksBundleRepository":
			s.ChecksBundleRepository, err = p.checkedStr(v, key, validDBRepository)
		case "insecure":
			s.Insecure, err = p.boolean(v, key)
		case "skipDBUpdate":
			s.SkipDBUpdate, err = p.boolean(v, key)
		case "skipDirs":
			s.SkipDirs, err = p.list(v, key, validSkipDir, nil)
		case "skipImage":
			s.SkipImage, err = p.boolean(v, key)
		}
		return err
	})
}

func (p *parser) gitops(gk, n *yaml.Node, path string) error {
	g := &p.c.GitOps
	var stagingNode *yaml.Node
	err := p.entries(n, path, gitopsKeys, func(k, v *yaml.Node, key string) error {
		var err error
		switch k.Value {
		case "repo":
			g.Repo, err = p.checkedStr(v, key, validGitRepo)
		case "branch":
			g.Branch, err = p.checkedStr(v, key, validBranch)
		case "staging":
			stagingNode = v
			g.Staging, err = p.checkedStr(v, key, validEnvName)
		case "environments":
			g.Environments = map[string]Environment{}
			err = p.entries(v, key, nil, func(ek, ev *yaml.Node, ekey string) error {
				if err := validEnvName(ek.Value); err != nil {
					return p.bad(ek, ekey, err)
				}
				env, err := p.environment(ev, ekey)
				if err != nil {
					return err
				}
				g.Environments[ek.Value] = env
				return nil
			})
		}
		return err
	})
	if err != nil {
		return err
	}
	staging, at := g.Staging, stagingNode
	if staging == "" {
		staging, at = DefaultStaging, gk
	}
	if err := validStaging(staging, g.Environments, g.Repo != ""); err != nil {
		return p.bad(at, join(path, "staging"), err)
	}
	return nil
}

func (p *parser) environment(n *yaml.Node, path string) (Environment, error) {
	var env Environment
	if n.Kind != yaml.MappingNode {
		return env, p.errf(n, "%s: want a mapping with path (and image), got %s", path, describe(n))
	}
	err := p.entries(n, path, envKeys, func(k, v *yaml.Node, key string) error {
		var err error
		switch k.Value {
		case "path":
			env.Path, err = p.checkedStr(v, key, validEnvPath)
		case "image":
			env.Image, err = p.checkedStr(v, key, validRepository)
		case "verifyKey":
			env.VerifyKey, err = p.checkedStr(v, key, validVerifyKey)
		}
		return err
	})
	if err == nil && env.Path == "" {
		err = p.errf(n, "%s: no path (want the environment's directory or file in the GitOps repository)", path)
	}
	return env, err
}

func (p *parser) policy(n *yaml.Node, path string) error {
	pc := &p.c.Policy
	var namespaces *yaml.Node
	err := p.entries(n, path, policyKeys, func(k, v *yaml.Node, key string) error {
		var err error
		switch k.Value {
		case "dir":
			pc.Dir, err = p.checkedStr(v, key, validPolicyDir)
		case "namespaces":
			namespaces = v
			pc.Namespaces, err = p.list(v, key, validRegoPackage, nil)
		}
		return err
	})
	if err == nil && namespaces != nil && pc.Dir == "" {
		err = p.bad(namespaces, join(path, "namespaces"), errNoPolicyDir)
	}
	return err
}

func (p *parser) tools(n *yaml.Node, path string) error {
	p.c.Tools = map[string]string{}
	return p.entries(n, path, nil, func(k, v *yaml.Node, key string) error {
		if err := validToolKey(k.Value); err != nil {
			return p.errf(k, "%s", unknownKey(k.Value, path, toolKeys()))
		}
		img, err := p.checkedStr(v, key, validToolImage)
		if err != nil {
			return err
		}
		p.c.Tools[k.Value] = img
		return nil
	})
}

func (p *parser) env(n *yaml.Node, path string) error {
	p.c.Env = map[string]string{}
	return p.entries(n, path, nil, func(k, v *yaml.Node, key string) error {
		if err := validEnvVar(k.Value); err != nil {
			return p.bad(k, key, err)
		}
		s, err := p.checkedStr(v, key, validEnvValue)
		if err != nil {
			return err
		}
		p.c.Env[k.Value] = s
		return nil
	})
}
