package main

import (
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/goldenci/golden/attest"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/registry"
)

// envKeyPassword holds the password of the private key: cosign's own
// variable, so that a CI job that signs with cosign and with golden sets
// one secret.
const envKeyPassword = "COSIGN_PASSWORD"

// envKeyScheme prefixes a --key that names an environment variable holding
// the key itself, as cosign's --key env://NAME does.
const envKeyScheme = "env://"

const keyHelp = `The key is a file, or env://NAME for an environment variable that holds
the key itself (as cosign's --key env://NAME): a key never appears in the
command line.`

// readKey reads what --key names: the file at ref, or the value of the
// variable NAME for env://NAME. The errors name the file or variable,
// never the key.
func readKey(e *Env, ref string) ([]byte, error) { return readKeyFlag(e, "key", ref) }

// readKeyFlag reads a key the flag --flag names (see readKey).
func readKeyFlag(e *Env, flag, ref string) ([]byte, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, exitcode.Inputf("--%s is required", flag)
	}
	if strings.Contains(ref, "-----BEGIN") || strings.ContainsAny(ref, "\r\n") {
		// A key pasted into the command line: say so without echoing it.
		return nil, exitcode.Inputf("--%s: give a file or env://NAME, never the key itself (a command line is visible to every process)", flag)
	}
	if name, ok := strings.CutPrefix(ref, envKeyScheme); ok {
		v := e.Getenv(name)
		if strings.TrimSpace(v) == "" {
			return nil, exitcode.Inputf("--%s %s: the variable %s is unset or empty", flag, ref, name)
		}
		return []byte(v), nil
	}
	return readFlagFile(flag, ref)
}

// readFlagFile reads the file the flag --name names; a missing or
// unreadable file is an input error naming the flag and the file.
func readFlagFile(name, path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, exitcode.Inputf("--%s %q: no such file", name, path)
	case err != nil:
		return nil, exitcode.Inputf("--%s %q: %w", name, path, err)
	}
	return b, nil
}

// loadPrivateKey reads and decrypts the private key --key names with the
// password in COSIGN_PASSWORD (none when unset, as a key generated with
// an empty password has).
func loadPrivateKey(e *Env, ref string) (*attest.PrivateKey, error) {
	return loadPrivateKeyFlag(e, "key", ref)
}

// loadPrivateKeyFlag is loadPrivateKey for the flag --flag.
func loadPrivateKeyFlag(e *Env, flag, ref string) (*attest.PrivateKey, error) {
	b, err := readKeyFlag(e, flag, ref)
	if err != nil {
		return nil, err
	}
	k, err := attest.ParsePrivateKey(b, []byte(e.Getenv(envKeyPassword)))
	if err != nil {
		if e.Getenv(envKeyPassword) == "" && strings.Contains(err.Error(), "decryption failed") {
			return nil, exitcode.Inputf("--%s %s: %w (%s is unset)", flag, ref, err, envKeyPassword)
		}
		return nil, exitcode.Inputf("--%s %s: %w", flag, ref, err)
	}
	return k, nil
}

// loadPublicKey reads the public key --key names.
func loadPublicKey(e *Env, ref string) (*attest.PublicKey, error) {
	b, err := readKey(e, ref)
	if err != nil {
		return nil, err
	}
	k, err := attest.ParsePublicKey(b)
	if err != nil {
		return nil, exitcode.Inputf("--key %s: %w", ref, err)
	}
	return k, nil
}

// imageTarget parses --image REPOSITORY@DIGEST and returns the repository,
// the digest and the registry options for it: the credential of
// GOLDEN_REGISTRY_USERNAME and GOLDEN_REGISTRY_PASSWORD for its registry,
// the Docker config for the rest.
func imageTarget(e *Env, image string) (repo, digest string, opts registry.Options, err error) {
	opts = registry.Options{Keychain: authn.DefaultKeychain}
	if strings.TrimSpace(image) == "" {
		return "", "", opts, exitcode.Inputf("--image is required: REGISTRY/REPOSITORY@sha256:DIGEST")
	}
	ref, err := registry.ParseDigestReference(image, opts)
	if err != nil {
		return "", "", opts, err
	}
	cred, err := registryCredential(e)
	if err != nil {
		return "", "", opts, err
	}
	if cred != nil {
		opts.Credentials = map[string]registry.Credential{ref.RegistryStr(): *cred}
	}
	return ref.Context().Name(), ref.DigestStr(), opts, nil
}
