package config

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/goldenci/golden/gitops"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/tools"
)

// Validate checks a complete Config, as Load returns it and as the runner
// leaves it after applying its flags. The error (exit 2) names the key
// path of the first bad value, e.g. `coverage.min: 120 is not a
// percentage between 0 and 100`.
func (c *Config) Validate() error {
	if c == nil {
		return inputf("no configuration")
	}
	for _, check := range c.checks() {
		if err := check.err(); err != nil {
			var ie *itemError
			if errors.As(err, &ie) {
				return inputf("%s[%d]: %v", check.key, ie.index, ie.err)
			}
			return inputf("%s: %v", check.key, err)
		}
	}
	return nil
}

// itemError is a bad item of a list, by index.
type itemError struct {
	index int
	err   error
}

func (e *itemError) Error() string { return fmt.Sprintf("[%d]: %v", e.index, e.err) }
func (e *itemError) Unwrap() error { return e.err }

// check is one validation of Validate: key names the value.
type check struct {
	key string
	err func() error
}

func (c *Config) checks() []check {
	var cs []check
	add := func(key string, err func() error) { cs = append(cs, check{key, err}) }
	add("service", optional(c.Service, validService))
	add("language", func() error {
		if c.Language == "" {
			return fmt.Errorf("not set (want go, python or node)")
		}
		if !slices.Contains(Languages, c.Language) {
			return fmt.Errorf("unknown language %q (want go, python or node)", c.Language)
		}
		return nil
	})
	add("image.repository", optional(c.Image.Repository, validRepository))
	add("image.dockerfile", func() error { return validDockerfile(c.Image.Dockerfile) })
	add("image.target", optional(c.Image.Target, validTarget))
	add("image.platforms", func() error { return validList(c.Image.Platforms, validPlatform) })
	add("image.main", optional(c.Image.Main, validPackage))
	for _, k := range sortedKeys(c.Image.BuildArgs) {
		add("image.buildArgs."+k, func() error { return validBuildArg(k, c.Image.BuildArgs[k]) })
	}
	add("lint.failOn", func() error { return validSeverity(c.Lint.FailOn) })
	add("test.packages", func() error {
		if len(c.Test.Packages) == 0 && c.Language != Go {
			return nil
		}
		return validList(c.Test.Packages, validPackage)
	})
	add("coverage.min", func() error { return validPercentPtr(c.Coverage.Min) })
	add("coverage.minPackage", func() error { return validPercentPtr(c.Coverage.MinPackage) })
	add("coverage.patchMin", func() error { return validPercentPtr(c.Coverage.PatchMin) })
	add("coverage.patchBase", optional(c.Coverage.PatchBase, validRevision))
	add("scan.severity", func() error { return validList(c.Scan.Severity, validSeverity) })
	add("scan.scanners", func() error { return validList(c.Scan.Scanners, validScanner) })
	add("scan.dbRepository", optional(c.Scan.DBRepository, validDBRepository))
	add("scan.javaDBRepository", optional(c.Scan.JavaDBRepository, validDBRepository))
	add("scan.checksBundleRepository", optional(c.Scan.ChecksBundleRepository, validDBRepository))
	add("scan.skipDirs", func() error {
		if len(c.Scan.SkipDirs) == 0 {
			return nil
		}
		return validList(c.Scan.SkipDirs, validSkipDir)
	})
	for _, k := range sortedKeys(c.Env) {
		add("env."+k, func() error {
			if err := validEnvVar(k); err != nil {
				return err
			}
			return validEnvValue(c.Env[k])
		})
	}
	add("caCerts", optional(c.CACerts, validCACerts))
	add("policy.dir", optional(c.Policy.Dir, validPolicyDir))
	add("policy.namespaces", func() error {
		if len(c.Policy.Namespaces) == 0 {
			return nil
		}
		if c.Policy.Dir == "" {
			return errNoPolicyDir
		}
		return validList(c.Policy.Namespaces, validRegoPackage)
	})
	add("gitops.repo", optional(c.GitOps.Repo, validGitRepo))
	add("gitops.branch", optional(c.GitOps.Branch, validBranch))
	for _, name := range sortedKeys(c.GitOps.Environments) {
		env := c.GitOps.Environments[name]
		key := "gitops.environments." + name
		add(key, func() error { return validEnvName(name) })
		add(key+".path", func() error { return validEnvPath(env.Path) })
		add(key+".image", optional(env.Image, validRepository))
		add(key+".verifyKey", optional(env.VerifyKey, validVerifyKey))
	}
	add("gitops.staging", func() error { return validStaging(c.GitOps.Staging, c.GitOps.Environments, c.GitOps.Repo != "") })
	for _, k := range sortedKeys(c.Tools) {
		add("tools."+k, func() error {
			if err := validToolKey(k); err != nil {
				return err
			}
			return validToolImage(c.Tools[k])
		})
	}
	return cs
}

// optional checks s with valid unless it is empty (not set).
func optional(s string, valid func(string) error) func() error {
	return func() error {
		if s == "" {
			return nil
		}
		return valid(s)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// validList checks a list that must not be empty, has no duplicates and
// whose every item passes valid; errors name the index.
func validList(items []string, valid func(string) error) error {
	if len(items) == 0 {
		return fmt.Errorf("empty list")
	}
	seen := map[string]bool{}
	for i, s := range items {
		if err := valid(s); err != nil {
			return &itemError{i, err}
		}
		if seen[s] {
			return &itemError{i, fmt.Errorf("%q is listed twice", s)}
		}
		seen[s] = true
	}
	return nil
}

// hasControl reports whether s has a control character (or is not valid
// text on one line).
func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

var serviceRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

func validService(s string) error {
	if !serviceRE.MatchString(s) {
		return fmt.Errorf("bad service name %q (want letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128)", s)
	}
	return nil
}

// validRepository checks an image repository without tag or digest, by
// the grammar of package gitops (the one place it is written).
func validRepository(s string) error {
	if len(s) > gitops.MaxRepositoryLength {
		return fmt.Errorf("image repository longer than %d characters", gitops.MaxRepositoryLength)
	}
	if gitops.ValidateRepository(s) != nil {
		return fmt.Errorf("bad image repository %q (want [registry[:port]/]path in lowercase, without tag or digest)", s)
	}
	return nil
}

// splitRef splits an image reference into repository, tag and digest;
// hasTag and hasDigest say whether the separators are there (the values
// may be empty).
func splitRef(s string) (repo, tag, digest string, hasTag, hasDigest bool) {
	repo, digest, hasDigest = strings.Cut(s, "@")
	if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
		repo, tag, hasTag = repo[:i], repo[i+1:], true
	}
	return repo, tag, digest, hasTag, hasDigest
}

// validRef checks an image reference repo[:tag][@sha256:digest].
func validRef(s string) error {
	if s == "" {
		return fmt.Errorf("empty image reference")
	}
	repo, tag, digest, hasTag, hasDigest := splitRef(s)
	if gitops.ValidateRepository(repo) != nil {
		return fmt.Errorf("bad image reference %q (want [registry[:port]/]path[:tag][@sha256:digest], the path in lowercase)", s)
	}
	if hasTag && gitops.ValidateTag(tag) != nil {
		return fmt.Errorf("bad image reference %q: bad tag %q", s, tag)
	}
	if hasDigest && gitops.ValidateDigest(digest) != nil {
		return fmt.Errorf("bad image reference %q: bad digest %q (want sha256:<64 lowercase hex digits>)", s, digest)
	}
	return nil
}

// validToolImage checks a tool image: a reference with a tag or a digest
// (a bare repository would run whatever "latest" is).
func validToolImage(s string) error {
	if err := validRef(s); err != nil {
		return err
	}
	if _, _, _, hasTag, hasDigest := splitRef(s); !hasTag && !hasDigest {
		return fmt.Errorf("image %q has neither tag nor digest: pin it (NAME:TAG@sha256:DIGEST)", s)
	}
	return nil
}

func validToolKey(k string) error {
	if tools.Image(k) == "" {
		return fmt.Errorf("unknown tool %q (want %s)", k, strings.Join(toolKeys(), ", "))
	}
	return nil
}

// toolKeys returns the tool image keys, sorted.
func toolKeys() []string { return sortedKeys(tools.Images()) }

// validDBRepository checks a Trivy DB repository: an OCI reference,
// optionally with a tag or digest.
func validDBRepository(s string) error { return validRef(s) }

// validRelPath checks a slash-separated path inside the service or GitOps
// repository: relative, clean enough, without "..".
func validRelPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("empty path")
	case hasControl(p):
		return fmt.Errorf("path %q contains a control character", p)
	case strings.Contains(p, `\`):
		return fmt.Errorf("path %q: use forward slashes", p)
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("path %q is absolute (want a path relative to the repository root)", p)
	case strings.HasPrefix(p, "-"):
		return fmt.Errorf("path %q starts with '-'", p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return fmt.Errorf("path %q leaves the repository (..)", p)
		}
	}
	return nil
}

func validDockerfile(p string) error { return validFile(p, "the Dockerfile's path") }

// validFile checks the path of a file of the service: relative, inside it,
// not a directory (want says what is wanted instead).
func validFile(p, want string) error {
	if err := validRelPath(p); err != nil {
		return err
	}
	if c := path.Clean(p); c == "." || strings.HasSuffix(p, "/") {
		return fmt.Errorf("path %q is a directory (want %s)", p, want)
	}
	return nil
}

func validVerifyKey(p string) error { return validFile(p, "a cosign public key file") }

func validEnvPath(p string) error {
	if err := validRelPath(p); err != nil {
		return err
	}
	if first, _, _ := strings.Cut(path.Clean(p), "/"); first == ".git" {
		return fmt.Errorf("path %q is inside .git", p)
	}
	return nil
}

var targetRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)

func validTarget(s string) error {
	if !targetRE.MatchString(s) {
		return fmt.Errorf("bad build stage name %q", s)
	}
	return nil
}

// The platforms Docker builds; a typo ("linux/amd46") is an error rather
// than a failed build later.
var (
	knownOS   = []string{"aix", "android", "darwin", "dragonfly", "freebsd", "illumos", "ios", "js", "linux", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows"}
	knownArch = []string{"386", "amd64", "arm", "arm64", "loong64", "mips", "mips64", "mips64le", "mipsle", "ppc64", "ppc64le", "riscv64", "s390x", "wasm"}
	variantRE = regexp.MustCompile(`^v[0-9]+$`)
)

func validPlatform(s string) error {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return fmt.Errorf("bad platform %q (want os/arch[/variant], e.g. linux/arm64)", s)
	}
	if !slices.Contains(knownOS, parts[0]) {
		return fmt.Errorf("bad platform %q: unknown os %q", s, parts[0])
	}
	if !slices.Contains(knownArch, parts[1]) {
		return fmt.Errorf("bad platform %q: unknown architecture %q", s, parts[1])
	}
	if len(parts) == 3 && !variantRE.MatchString(parts[2]) {
		return fmt.Errorf("bad platform %q: bad variant %q (want v6, v7, v8...)", s, parts[2])
	}
	return nil
}

var buildArgRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)

func validBuildArg(name, value string) error {
	if !buildArgRE.MatchString(name) {
		return fmt.Errorf("bad build argument name %q (want letters, digits and '_', not starting with a digit)", name)
	}
	if strings.ContainsRune(value, 0) {
		return fmt.Errorf("value contains a NUL character")
	}
	return nil
}

func validSeverity(s string) error {
	sev, err := result.ParseSeverity(s)
	if err != nil {
		return err
	}
	if string(sev) != s {
		return fmt.Errorf("severity %q: write it in capitals, %s", s, sev)
	}
	return nil
}

var scanners = []string{"vuln", "secret", "misconfig", "license"}

func validScanner(s string) error {
	if !slices.Contains(scanners, s) {
		return fmt.Errorf("unknown scanner %q (want %s)", s, strings.Join(scanners, ", "))
	}
	return nil
}

func validPackage(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("empty package pattern")
	case strings.HasPrefix(s, "-"):
		return fmt.Errorf("package pattern %q starts with '-'", s)
	case hasControl(s) || strings.ContainsAny(s, " \t"):
		return fmt.Errorf("package pattern %q contains a space or control character", s)
	}
	return nil
}

func validPercent(v float64) error {
	if !(v >= 0 && v <= 100) { // also rejects NaN
		return fmt.Errorf("%s is not a percentage between 0 and 100", strconv.FormatFloat(v, 'g', -1, 64))
	}
	return nil
}

func validPercentPtr(v *float64) error {
	if v == nil {
		return nil
	}
	return validPercent(*v)
}

// validRevision checks a git revision given to git: no option, no space.
func validRevision(s string) error {
	switch {
	case strings.HasPrefix(s, "-"):
		return fmt.Errorf("revision %q starts with '-'", s)
	case hasControl(s) || strings.ContainsAny(s, " \t"):
		return fmt.Errorf("revision %q contains a space or control character", s)
	case len(s) > 256:
		return fmt.Errorf("revision longer than 256 characters")
	}
	return nil
}

// validBranch checks a branch name by git check-ref-format's rules.
func validBranch(s string) error {
	bad := func(why string) error { return fmt.Errorf("bad branch name %q: %s", s, why) }
	switch {
	case strings.HasPrefix(s, "-"):
		return bad("starts with '-'")
	case hasControl(s) || strings.ContainsAny(s, " ~^:?*[\\"):
		return bad("contains a space, a control character or one of ~^:?*[\\")
	case strings.Contains(s, "..") || strings.Contains(s, "@{") || strings.Contains(s, "//"):
		return bad("contains '..', '@{' or '//'")
	case strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/") || strings.HasSuffix(s, ".") || strings.HasSuffix(s, ".lock") || s == "@":
		return bad("begins or ends with '/', ends with '.' or '.lock', or is '@'")
	case len(s) > 255:
		return bad("longer than 255 characters")
	}
	for _, part := range strings.Split(s, "/") {
		if strings.HasPrefix(part, ".") {
			return bad("a component starts with '.'")
		}
	}
	return nil
}

var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// validGitRepo checks a GitOps repository address: an http(s)://, ssh://
// or file:// URL, an scp-like address or a path. A URL holding a password
// is refused without being echoed: credentials come from the environment,
// never from a file in a repository.
func validGitRepo(s string) error {
	switch {
	case hasControl(s):
		return fmt.Errorf("repository address contains a control character")
	case strings.HasPrefix(s, "-"):
		return fmt.Errorf("repository address starts with '-'")
	case strings.TrimSpace(s) != s:
		return fmt.Errorf("repository address has leading or trailing spaces")
	}
	if !schemeRE.MatchString(s) {
		return nil // scp-like address or path
	}
	u, err := url.Parse(s)
	if err != nil {
		// The parser's message may quote part of the URL, which may
		// hold a credential.
		return fmt.Errorf("not a valid URL")
	}
	_, hasPassword := u.User.Password()
	if hasPassword || (u.User != nil && (u.Scheme == "https" || u.Scheme == "http")) {
		return fmt.Errorf("the repository URL holds credentials: remove them from the file (golden bump reads them from GOLDEN_GIT_TOKEN and the other GOLDEN_GIT_* variables)")
	}
	switch u.Scheme {
	case "https", "http", "ssh":
		if u.Host == "" {
			return fmt.Errorf("repository URL %q has no host", u.Redacted())
		}
	case "file":
	default:
		return fmt.Errorf("repository URL %q: unsupported scheme %q (want https, http, ssh, file, git@host:path or a path)", u.Redacted(), u.Scheme)
	}
	return nil
}

var envNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

func validEnvName(s string) error {
	if !envNameRE.MatchString(s) {
		return fmt.Errorf("bad environment name %q (want letters, digits, '.', '_' and '-', starting with a letter or digit)", s)
	}
	return nil
}

// validStaging checks the staging environment: a valid name and, when a
// repository and environments are configured (so that a bump after
// publish needs the environment's path), one of the environments.
func validStaging(s string, envs map[string]Environment, hasRepo bool) error {
	if s == "" {
		return fmt.Errorf("empty environment name")
	}
	if err := validEnvName(s); err != nil {
		return err
	}
	if hasRepo && len(envs) > 0 {
		if _, ok := envs[s]; !ok {
			return fmt.Errorf("environment %q is not one of gitops.environments (%s): set gitops.staging to the environment bumped after publish", s, strings.Join(sortedKeys(envs), ", "))
		}
	}
	return nil
}

// envVarRE is a portable environment variable name.
var envVarRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// reservedEnv are the variables golden sets in the tool containers itself.
var reservedEnv = []string{"CI", "GOCACHE", "GOMODCACHE", "PIP_CACHE_DIR", "npm_config_cache", "NETRC", "NPM_CONFIG_USERCONFIG",
	"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT", "NODE_EXTRA_CA_CERTS", "GIT_SSL_CAINFO", "HOME", "PATH"}

// validEnvVar checks a name of env: a variable golden does not set
// itself.
func validEnvVar(s string) error {
	if !envVarRE.MatchString(s) {
		return fmt.Errorf("bad environment variable name %q", s)
	}
	if slices.Contains(reservedEnv, s) {
		return fmt.Errorf("%s is set by golden itself (caCerts, netrc and npmrc set the credentials and certificate variables)", s)
	}
	return nil
}

// validEnvValue checks a value of env: printable, and no credentials,
// which are secrets (netrc, npmrc), never configuration. The error never
// quotes the value.
func validEnvValue(s string) error {
	if hasControl(s) {
		return fmt.Errorf("the value contains a control character")
	}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '|' || r == ' ' }) {
		if u, err := url.Parse(f); err == nil && u.User != nil {
			if _, hasPassword := u.User.Password(); hasPassword {
				return fmt.Errorf("the value holds a URL with a password: credentials go in a netrc or npmrc secret, never in configuration")
			}
		}
	}
	return nil
}

// validCACerts checks caCerts: a file of the service.
func validCACerts(p string) error { return validFile(p, "a PEM file") }

// validPolicyDir checks policy.dir: a directory of the service, not its
// root (every YAML file under the directory is the policies' data).
func validPolicyDir(p string) error {
	if err := validRelPath(p); err != nil {
		return err
	}
	if path.Clean(p) == "." {
		return fmt.Errorf("path %q is the service root (want a directory of its own: every .yaml, .yml and .json file under it is the policies' data)", p)
	}
	return nil
}

// errNoPolicyDir: policy.namespaces without policy.dir.
var errNoPolicyDir = errors.New("set without policy.dir")

// regoPackageRE is a Rego package path without "data.": main,
// kubernetes.admission.
var regoPackageRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

// validRegoPackage checks a policy.namespaces entry.
func validRegoPackage(s string) error {
	if !regoPackageRE.MatchString(s) {
		return fmt.Errorf("bad Rego package %q (want dot-separated names, e.g. main or kubernetes.admission)", s)
	}
	return nil
}

// validSkipDir checks a scan.skipDirs entry: a relative path or glob.
func validSkipDir(p string) error {
	if p == "" || hasControl(p) || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "-") || strings.Contains(p, ",") {
		return fmt.Errorf("bad directory %q (want a relative path or glob, without commas)", p)
	}
	return nil
}
