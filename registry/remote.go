package registry

import (
	"context"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// This file exports, for packages that store other artifacts than images
// in a registry (signatures and attestations, package attest), the one way
// golden talks to registries: credentials, user agent, transport, reference
// parsing and the classification of errors.

// RemoteOptions returns the go-containerregistry options of one call:
// the credentials of o (and its keychain), its user agent, transport and
// jobs. A malformed credential host is an input error (exit 2).
func (o Options) RemoteOptions(ctx context.Context) ([]remote.Option, error) {
	return o.remoteOptions(ctx)
}

// NameOptions returns the options to parse references with (name.Insecure
// when o.Insecure).
func (o Options) NameOptions() []name.Option { return o.nameOptions() }

// ParseRepository parses a repository reference without tag or digest,
// e.g. "ghcr.io/acme/app"; anything else is an input error (exit 2).
func ParseRepository(s string, o Options) (name.Repository, error) { return parseRepository(s, o) }

// ParseDigestReference parses "REGISTRY/REPOSITORY@sha256:..."; anything
// else is an input error (exit 2).
func ParseDigestReference(s string, o Options) (name.Digest, error) { return parseDigestRef(s, o) }

// Classify wraps err from go-containerregistry with what golden was doing
// (format and args) and its exit-code class, as every function of this
// package does: a refused login, a missing manifest or a rejected request
// is an input error (exit 2), an unreachable registry or a server error an
// infrastructure error (exit 3). It returns nil for nil.
func Classify(err error, format string, args ...any) error { return classify(err, format, args...) }
