package daggermod

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"dagger.io/dagger"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
)

// configFiles are the files at a service's root that package config
// reads: the config file and its misspellings, the service.yaml
// convention, and the language markers Detect looks for.
var configFiles = config.RootFiles()

// readFiles are the configFiles config reads the content of; of the
// others (the language markers) only the existence matters.
var readFiles = map[string]bool{config.ConfigFile: true, config.HiddenConfigFile: true, config.ServiceFile: true}

// maxConfigFile is the largest config file read from a source directory;
// config refuses larger ones, naming the file.
const maxConfigFile = 1 << 20

// LoadConfig reads the configuration of the service in source, as
// config.Load reads a directory on the host (golden.yaml, service.yaml,
// detection and defaults; no environment: a module function's
// environment is not the caller's), with the settings sets (KEY=VALUE,
// config's --set) on top.
func LoadConfig(ctx context.Context, source *dagger.Directory, sets []string) (*config.Config, error) {
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
	settings, err := config.ParseSettings(sets)
	if err != nil {
		return nil, err
	}
	return config.LoadFS(fsys, "", nil, settings...)
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
	fsys := config.MemFS{}
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
			fsys[name] = &config.MemFile{Dir: true}
			continue
		}
		if !readFiles[name] {
			fsys[name] = &config.MemFile{}
			continue
		}
		data, size, err := read(name)
		if err != nil {
			return nil, exitcode.InfraError(fmt.Errorf("reading %s from the source: %w", name, err))
		}
		if size > maxConfigFile {
			return nil, exitcode.Inputf("%s: larger than %d bytes", name, maxConfigFile)
		}
		fsys[name] = &config.MemFile{Data: []byte(data)}
	}
	return fsys, nil
}
