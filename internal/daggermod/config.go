package daggermod

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"testing/fstest"

	"dagger.io/dagger"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
)

// Overrides are the settings a module function takes as arguments. They
// beat the service's golden.yaml, as the flags of golden ci do; a zero
// field leaves the file's value (or the default) alone. Errors name the
// argument as dagger call spells it (--min-coverage); values are checked
// by config.Validate, whose errors name the configuration key.
type Overrides struct {
	// Image is image.repository: where publish pushes.
	Image string
	// Dockerfile, Target and Platforms are image.dockerfile,
	// image.target and image.platforms.
	Dockerfile, Target string
	Platforms          []string
	// BuildArgs are NAME=VALUE build arguments, added to
	// image.buildArgs.
	BuildArgs []string
	// FailOn is lint.failOn.
	FailOn string
	// NoRace turns test.race off.
	NoRace bool
	// CoverageMin and CoverageMinPackage are coverage.min and
	// coverage.minPackage, in percent ("80", "72.5").
	CoverageMin, CoverageMinPackage string
	// Severity is scan.severity; IgnoreUnfixed sets scan.ignoreUnfixed.
	Severity      []string
	IgnoreUnfixed bool
	// DBRepository and JavaDBRepository are scan.dbRepository and
	// scan.javaDBRepository: mirrors of Trivy's databases.
	DBRepository, JavaDBRepository string
	// GitOpsRepo, GitOpsBranch and Staging are gitops.repo,
	// gitops.branch and gitops.staging.
	GitOpsRepo, GitOpsBranch, Staging string
	// Tools are KEY=IMAGE tool image overrides (tools.KEY), e.g.
	// "trivy=mirror.example.com/aquasec/trivy:0.69.3@sha256:...".
	Tools []string
}

// Apply sets the overrides on c and validates the result.
func (o Overrides) Apply(c *config.Config) error {
	if c == nil {
		return exitcode.Inputf("no configuration")
	}
	setString(&c.Image.Repository, o.Image)
	setString(&c.Image.Dockerfile, o.Dockerfile)
	setString(&c.Image.Target, o.Target)
	if len(o.Platforms) > 0 {
		c.Image.Platforms = append([]string(nil), o.Platforms...)
	}
	if len(o.BuildArgs) > 0 {
		args, err := pairs("build-args", "NAME=VALUE", o.BuildArgs, true)
		if err != nil {
			return err
		}
		if c.Image.BuildArgs == nil {
			c.Image.BuildArgs = map[string]string{}
		}
		for k, v := range args {
			c.Image.BuildArgs[k] = v
		}
	}
	setString(&c.Lint.FailOn, strings.ToUpper(strings.TrimSpace(o.FailOn)))
	if o.NoRace {
		c.Test.Race = false
	}
	for _, p := range []struct {
		arg, value string
		dst        **float64
	}{
		{"min-coverage", o.CoverageMin, &c.Coverage.Min},
		{"min-package-coverage", o.CoverageMinPackage, &c.Coverage.MinPackage},
	} {
		if strings.TrimSpace(p.value) == "" {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(p.value), "%"), 64)
		if err != nil {
			return exitcode.Inputf("--%s %q: want a percentage between 0 and 100", p.arg, p.value)
		}
		*p.dst = &v
	}
	if len(o.Severity) > 0 {
		c.Scan.Severity = nil
		for _, s := range o.Severity {
			// "HIGH,CRITICAL" as one value, or one value per severity.
			for _, part := range strings.Split(s, ",") {
				if part = strings.ToUpper(strings.TrimSpace(part)); part != "" {
					c.Scan.Severity = append(c.Scan.Severity, part)
				}
			}
		}
	}
	if o.IgnoreUnfixed {
		c.Scan.IgnoreUnfixed = true
	}
	setString(&c.Scan.DBRepository, o.DBRepository)
	setString(&c.Scan.JavaDBRepository, o.JavaDBRepository)
	setString(&c.GitOps.Repo, o.GitOpsRepo)
	setString(&c.GitOps.Branch, o.GitOpsBranch)
	setString(&c.GitOps.Staging, o.Staging)
	if len(o.Tools) > 0 {
		tools, err := pairs("tools", "KEY=IMAGE", o.Tools, false)
		if err != nil {
			return err
		}
		if c.Tools == nil {
			c.Tools = map[string]string{}
		}
		for k, v := range tools {
			c.Tools[k] = v
		}
	}
	return c.Validate()
}

// setString sets *dst to v unless v is blank.
func setString(dst *string, v string) {
	if v = strings.TrimSpace(v); v != "" {
		*dst = v
	}
}

// pairs reads KEY=VALUE arguments. The value may be empty when
// emptyValue.
func pairs(arg, want string, items []string, emptyValue bool) (map[string]string, error) {
	m := map[string]string{}
	for _, it := range items {
		k, v, ok := strings.Cut(it, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || (!emptyValue && strings.TrimSpace(v) == "") {
			return nil, exitcode.Inputf("--%s %q: want %s", arg, it, want)
		}
		m[k] = v
	}
	return m, nil
}

// configFiles are the files at a service's root that package config
// reads: the config file and its misspellings, the service.yaml
// convention, and the language markers Detect looks for.
var configFiles = []string{
	config.ConfigFile, config.HiddenConfigFile, "golden.yml", ".golden.yml",
	config.ServiceFile,
	"go.mod", "pyproject.toml", "requirements.txt", "package.json",
}

// readFiles are the configFiles config reads the content of; of the
// others (the language markers) only the existence matters.
var readFiles = map[string]bool{config.ConfigFile: true, config.HiddenConfigFile: true, config.ServiceFile: true}

// maxConfigFile is the largest config file read from a source directory;
// config refuses larger ones, naming the file.
const maxConfigFile = 1 << 20

// LoadConfig reads the configuration of the service in source, as
// config.Load reads a directory on the host (golden.yaml, service.yaml,
// detection and defaults; no environment: a module function's
// environment is not the caller's), then applies o.
func LoadConfig(ctx context.Context, source *dagger.Directory, o Overrides) (*config.Config, error) {
	if source == nil {
		return nil, exitcode.Inputf("no source directory")
	}
	entries, err := source.Entries(ctx)
	if err != nil {
		return nil, exitcode.InfraError(fmt.Errorf("listing the source directory: %w", err))
	}
	fsys, err := configFS(entries,
		func(name string) (bool, error) {
			return source.Exists(ctx, name, dagger.DirectoryExistsOpts{ExpectedType: dagger.ExistsTypeDirectoryType})
		},
		func(name string) (string, int, error) {
			f := source.File(name)
			size, err := f.Size(ctx)
			if err != nil || size > maxConfigFile {
				return "", size, err
			}
			s, err := f.Contents(ctx)
			return s, size, err
		})
	if err != nil {
		return nil, err
	}
	c, err := config.LoadFS(fsys, "", nil)
	if err != nil {
		return nil, err
	}
	if err := o.Apply(c); err != nil {
		return nil, err
	}
	return c, nil
}

// configFS builds the file system config.LoadFS reads from the entries at
// a source's root: isDir tells a directory from a file, read returns a
// file's content and size (no content when larger than maxConfigFile).
// Only configFiles are looked at; a file config does not read is empty.
func configFS(entries []string, isDir func(name string) (bool, error), read func(name string) (string, int, error)) (fs.FS, error) {
	present := map[string]bool{}
	for _, e := range entries {
		present[strings.TrimSuffix(e, "/")] = true
	}
	fsys := fstest.MapFS{}
	names := append([]string(nil), configFiles...)
	sort.Strings(names)
	for _, name := range names {
		if !present[name] {
			continue
		}
		dir, err := isDir(name)
		if err != nil {
			return nil, exitcode.InfraError(fmt.Errorf("looking at %s in the source: %w", name, err))
		}
		if dir {
			fsys[name] = &fstest.MapFile{Mode: fs.ModeDir | 0o755}
			continue
		}
		if !readFiles[name] {
			fsys[name] = &fstest.MapFile{Mode: 0o644}
			continue
		}
		data, size, err := read(name)
		if err != nil {
			return nil, exitcode.InfraError(fmt.Errorf("reading %s from the source: %w", name, err))
		}
		if size > maxConfigFile {
			return nil, exitcode.Inputf("%s: larger than %d bytes", name, maxConfigFile)
		}
		fsys[name] = &fstest.MapFile{Data: []byte(data), Mode: 0o644}
	}
	return fsys, nil
}
