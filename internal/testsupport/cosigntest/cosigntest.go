// Package cosigntest runs the real cosign (tools/versions.env
// COSIGN_VERSION, installed by .ci/install-tools) against a registry on
// 127.0.0.1: nothing leaves the machine (the transparency log is off both
// ways), and cosign's home, TUF cache and Docker config are the test's own.
package cosigntest

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenci/golden/internal/testsupport/testtool"
)

// Cosign is cosign with a home of its own.
type Cosign struct {
	bin string
	dir string // its home: cosign.key, cosign.pub, the Docker config
	env []string
}

// New prepares cosign for the registry at host (user and password in a
// Docker config) with a key pair cosign generates, encrypted with
// keyPassword (cosign.key and cosign.pub, see Path).
func New(t testing.TB, host, user, password, keyPassword string) *Cosign {
	t.Helper()
	c := &Cosign{bin: testtool.Path(t, "cosign"), dir: t.TempDir()}
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	cfg := `{"auths":{"` + host + `":{"auth":"` + auth + `"}}}`
	testtool.WriteFiles(t, c.dir, map[string]string{"docker/config.json": cfg})
	c.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + c.dir,
		"DOCKER_CONFIG=" + filepath.Join(c.dir, "docker"),
		"TUF_ROOT=" + filepath.Join(c.dir, "tuf"),
		"COSIGN_PASSWORD=" + keyPassword,
	}
	c.Run(t, "generate-key-pair")
	return c
}

// Path is the file name in cosign's home.
func (c *Cosign) Path(name string) string { return filepath.Join(c.dir, name) }

// Run runs cosign and fails the test unless it succeeds; it returns the
// standard output.
func (c *Cosign) Run(t testing.TB, args ...string) string {
	t.Helper()
	out, errOut, err := c.Try(t, args...)
	if err != nil {
		t.Fatalf("cosign %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// Try runs cosign and returns its outputs and error.
func (c *Cosign) Try(t testing.TB, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Dir = c.dir
	cmd.Env = c.env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// Verify runs `cosign verify` with the public key file pub, the
// transparency log off; it returns the standard output, or the standard
// error with the error.
func (c *Cosign) Verify(t testing.TB, pub, image string) (string, error) {
	t.Helper()
	out, errOut, err := c.Try(t, "verify", "--key", pub, "--insecure-ignore-tlog=true", image)
	if err != nil {
		return errOut, err
	}
	return out, nil
}

// VerifyAttestation runs `cosign verify-attestation --type typ` with pub
// and, when policy is set, a CUE policy.
func (c *Cosign) VerifyAttestation(t testing.TB, pub, typ, image, policy string) (string, error) {
	t.Helper()
	args := []string{"verify-attestation", "--key", pub, "--insecure-ignore-tlog=true", "--type", typ}
	if policy != "" {
		// Not in t.TempDir(): cosign splits --policy at commas, which a
		// subtest's name may hold.
		file := c.Path("policy.cue")
		if err := os.WriteFile(file, []byte(policy), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--policy", file)
	}
	out, errOut, err := c.Try(t, append(args, image)...)
	if err != nil {
		return errOut, err
	}
	return out, nil
}
