package config

import (
	"io/fs"
	"sort"
	"strings"
	"time"
)

// MemFS is a service root held in memory, for LoadFS: the names at the
// root, each a file with its content or a directory (a nil entry). Only
// Open, Stat and Read are needed; names are plain file names.
type MemFS map[string]*MemFile

// MemFile is a file of a MemFS; Dir marks a directory.
type MemFile struct {
	Data []byte
	Dir  bool
}

// Open opens name, a root entry.
func (m MemFS) Open(name string) (fs.File, error) {
	f, ok := m[name]
	if !ok || !fs.ValidPath(name) || strings.Contains(name, "/") {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if f == nil {
		f = &MemFile{}
	}
	return &memFile{Reader: strings.NewReader(string(f.Data)), info: memInfo{name: name, size: int64(len(f.Data)), dir: f.Dir}}, nil
}

type memFile struct {
	*strings.Reader
	info memInfo
}

func (m *memFile) Stat() (fs.FileInfo, error) { return m.info, nil }
func (m *memFile) Close() error               { return nil }

type memInfo struct {
	name string
	size int64
	dir  bool
}

func (i memInfo) Name() string { return i.name }
func (i memInfo) Size() int64  { return i.size }
func (i memInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.dir }
func (i memInfo) Sys() any           { return nil }

// ReadDir lists the root, sorted by name ("." only).
func (m MemFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]fs.DirEntry, len(names))
	for i, n := range names {
		f := m[n]
		info := memInfo{name: n}
		if f != nil {
			info.size, info.dir = int64(len(f.Data)), f.Dir
		}
		out[i] = fs.FileInfoToDirEntry(info)
	}
	return out, nil
}
