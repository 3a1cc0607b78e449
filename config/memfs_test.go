package config

import (
	"errors"
	"io/fs"
	"testing"
)

func TestMemFS(t *testing.T) {
	t.Parallel()
	m := MemFS{"golden.yaml": {Data: []byte("language: go\n")}, "src": {Dir: true}, "go.mod": nil}
	if data, err := fs.ReadFile(m, "golden.yaml"); err != nil || string(data) != "language: go\n" {
		t.Errorf("ReadFile = %q, %v", data, err)
	}
	if fi, err := fs.Stat(m, "src"); err != nil || !fi.IsDir() {
		t.Errorf("Stat(src) = %v, %v", fi, err)
	}
	if fi, err := fs.Stat(m, "go.mod"); err != nil || fi.IsDir() || fi.Size() != 0 {
		t.Errorf("Stat(go.mod) = %v, %v", fi, err)
	}
	for _, name := range []string{"nope", "../golden.yaml", "src/x"} {
		if _, err := m.Open(name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(%q) = %v, want not exist", name, err)
		}
	}
	if names, err := fs.Glob(m, "*"); err != nil || len(names) != 3 || names[0] != "go.mod" {
		t.Errorf("Glob = %v, %v", names, err)
	}
	c, err := LoadFS(m, "svc", nil)
	if err != nil || c.Language != Go {
		t.Errorf("LoadFS = %+v, %v", c, err)
	}
}
