package toolcmd

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/goldenci/golden/internal/testsupport/scantest"
)

// writeImageTarball writes a docker-save tarball of a linux/amd64 image
// whose one layer holds app/config/app.env with sec's canary, and returns
// its path.
func writeImageTarball(t *testing.T, sec scantest.Secret) string {
	t.Helper()
	src := t.TempDir()
	scantest.WriteSecrets(t, src, sec)
	env, err := os.ReadFile(filepath.Join(src, "config", "app.env"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "app", "config", "app.env"), string(env))
	return scantest.WriteImageTarball(t, root)
}
