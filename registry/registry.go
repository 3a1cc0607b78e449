// Package registry copies container images between OCI registries by
// digest and manages their tags, without Docker.
//
// Copy moves exactly one digest (a single image or a whole multi-platform
// index with every child manifest and blob) and preserves it byte for
// byte: manifests are copied as the registry served them, never
// re-serialised. Within one registry the layers are cross-repository
// mounted, so no layer bytes move; between registries each blob moves once.
// Copy, Tag and TagImmutable are idempotent: re-running a completed call
// changes nothing and re-running an interrupted one completes it.
//
// Every error is classified for golden's exit-code contract (package
// exitcode): a malformed reference, a missing manifest or digest and a
// refused login are input errors (exit 2); an unreachable registry and
// server-side failures (5xx) are infrastructure errors (exit 3). Errors
// never contain credentials.
package registry

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/goldenci/golden/exitcode"
)

// DefaultUserAgent is the User-Agent golden sends to registries (followed by
// go-containerregistry's own product token).
const DefaultUserAgent = "golden"

// Credential is a username and password (or token) for one registry.
// Its String and GoString methods redact the password so that printing a
// Credential or an Options by accident does not leak it.
type Credential struct {
	Username string
	Password string
}

// String implements fmt.Stringer without revealing the password.
func (c Credential) String() string {
	return fmt.Sprintf("Credential{Username: %q, Password: <redacted>}", c.Username)
}

// GoString implements fmt.GoStringer without revealing the password.
func (c Credential) GoString() string { return c.String() }

// Options configure how golden talks to registries. The zero value talks
// anonymously over HTTPS (plain HTTP for localhost and 127.0.0.1, as
// go-containerregistry does for loopback addresses).
type Options struct {
	// Credentials maps a registry host, as written in references
	// ("ghcr.io", "registry.example.com:5000", "127.0.0.1:5000";
	// "docker.io" means Docker Hub), to the credential for it. The caller
	// reads them from the environment or a file; they are never logged.
	Credentials map[string]Credential

	// Keychain resolves credentials for registries missing from
	// Credentials, e.g. authn.DefaultKeychain for the Docker config file
	// and credential helpers. Nil means anonymous access.
	Keychain authn.Keychain

	// Insecure allows plain HTTP (and falls back to it) for every
	// registry, not only for loopback ones.
	Insecure bool

	// Transport replaces the HTTP transport (remote.DefaultTransport);
	// tests use it to observe requests. Retries and the User-Agent are
	// still layered on top of it.
	Transport http.RoundTripper

	// UserAgent is sent with every request; empty means DefaultUserAgent.
	UserAgent string

	// Jobs is the number of blobs and manifests copied concurrently;
	// zero means go-containerregistry's default (4).
	Jobs int
}

// keychain resolves Options.Credentials by registry host and falls back to
// Options.Keychain, then to anonymous access.
type keychain struct {
	creds    map[string]Credential
	fallback authn.Keychain
}

// Resolve implements authn.Keychain.
func (k keychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if c, ok := k.creds[r.RegistryStr()]; ok {
		return authn.FromConfig(authn.AuthConfig{Username: c.Username, Password: c.Password}), nil
	}
	if k.fallback != nil {
		return k.fallback.Resolve(r)
	}
	return authn.Anonymous, nil
}

// nameOptions are the options used to parse every reference.
func (o Options) nameOptions() []name.Option {
	if o.Insecure {
		return []name.Option{name.Insecure}
	}
	return nil
}

// remoteOptions builds the go-containerregistry options for one call.
func (o Options) remoteOptions(ctx context.Context) ([]remote.Option, error) {
	creds := make(map[string]Credential, len(o.Credentials))
	for host, c := range o.Credentials {
		reg, err := name.NewRegistry(host, o.nameOptions()...)
		if err != nil || strings.ContainsAny(host, "/@") {
			// Only the host is named: the credential itself stays out of the message.
			return nil, exitcode.Inputf("credentials for registry %q: not a registry host (want e.g. ghcr.io or 127.0.0.1:5000)", host)
		}
		creds[reg.RegistryStr()] = c
	}
	ua := o.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	ropts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(keychain{creds: creds, fallback: o.Keychain}),
		remote.WithUserAgent(ua),
	}
	if o.Transport != nil {
		ropts = append(ropts, remote.WithTransport(o.Transport))
	}
	if o.Jobs > 0 {
		ropts = append(ropts, remote.WithJobs(o.Jobs))
	}
	return ropts, nil
}

// parseRepository parses a repository reference without tag or digest,
// e.g. "ghcr.io/acme/app".
func parseRepository(s string, o Options) (name.Repository, error) {
	if strings.ContainsAny(s, "@") {
		return name.Repository{}, exitcode.Inputf("repository %q: want REGISTRY/REPOSITORY (no tag, no digest)", s)
	}
	// A tag after the last path element ("repo:tag", but not "host:port/repo").
	if i := strings.LastIndex(s, ":"); i >= 0 && !strings.Contains(s[i:], "/") {
		return name.Repository{}, exitcode.Inputf("repository %q: want REGISTRY/REPOSITORY (no tag, no digest)", s)
	}
	r, err := name.NewRepository(s, o.nameOptions()...)
	if err != nil {
		return name.Repository{}, exitcode.Inputf("repository %q: %w", s, err)
	}
	return r, nil
}

// parseDigestRef parses "REGISTRY/REPOSITORY@sha256:...".
func parseDigestRef(s string, o Options) (name.Digest, error) {
	if !strings.Contains(s, "@") {
		return name.Digest{}, exitcode.Inputf("image %q: want REGISTRY/REPOSITORY@sha256:DIGEST (pinned by digest)", s)
	}
	d, err := name.NewDigest(s, o.nameOptions()...)
	if err != nil {
		return name.Digest{}, exitcode.Inputf("image %q: %w", s, err)
	}
	return d, nil
}

// parseReference parses a tag or digest reference, e.g. "ghcr.io/acme/app:1.2.3".
func parseReference(s string, o Options) (name.Reference, error) {
	ref, err := name.ParseReference(s, o.nameOptions()...)
	if err != nil {
		return nil, exitcode.Inputf("image %q: %w", s, err)
	}
	return ref, nil
}

// tagPattern is the tag grammar of the OCI distribution spec.
var tagPattern = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)

// parseTag validates tag and returns it as a reference in repo.
func parseTag(repo name.Repository, tag string, o Options) (name.Tag, error) {
	if !tagPattern.MatchString(tag) {
		return name.Tag{}, exitcode.Inputf("tag %q: a tag is 1-128 characters of [A-Za-z0-9_.-], not starting with '.' or '-'", tag)
	}
	t, err := name.NewTag(repo.Name()+":"+tag, o.nameOptions()...)
	if err != nil || t.TagStr() != tag {
		return name.Tag{}, exitcode.Inputf("tag %q: a tag is 1-128 characters of [A-Za-z0-9_.-], not starting with '.' or '-'", tag)
	}
	return t, nil
}

// parseDigest validates a digest such as "sha256:<64 hex>".
func parseDigest(digest string, repo name.Repository, o Options) (name.Digest, error) {
	d, err := name.NewDigest(repo.Name()+"@"+digest, o.nameOptions()...)
	if err != nil {
		return name.Digest{}, exitcode.Inputf("digest %q: want sha256:<64 hex digits>: %w", digest, err)
	}
	return d, nil
}
