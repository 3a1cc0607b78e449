package registry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/goldenci/golden/exitcode"
)

// TagConflictError reports a tag that already points to another digest
// than the one TagImmutable was asked to give it. TagImmutable returns it
// classified as a failed gate (exit 1): golden refuses to move a version
// tag.
type TagConflictError struct {
	Repository string // e.g. "ghcr.io/acme/app"
	Tag        string // e.g. "1.4.0"
	Existing   string // the digest the tag points to now
	Wanted     string // the digest the caller wanted to tag
}

// Error implements error.
func (e *TagConflictError) Error() string {
	return fmt.Sprintf("tag %q in %s already points to %s, not %s: refusing to move it", e.Tag, e.Repository, e.Existing, e.Wanted)
}

// errNotFound reports a reference that the registry answered without error
// but does not have.
var errNotFound = errors.New("not found in the registry")

// classify wraps err from go-containerregistry with what golden was doing
// and its exit-code class. go-containerregistry's errors name the request
// (method and URL, with query values redacted) but never the Authorization
// header, and golden adds only references, so no credential can appear.
func classify(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	var (
		terr   *transport.Error
		urlErr *url.Error
		netErr net.Error
	)
	switch {
	case exitcode.Code(err) != exitcode.Infra:
		// Already classified (e.g. a bad reference found by a helper).
		return fmt.Errorf("%s: %w", what, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return exitcode.Infraf("%s: %w", what, err)
	case errors.As(err, &terr):
		return classifyStatus(err, terr, what)
	case errors.Is(err, remote.ErrSchema1):
		return exitcode.Inputf("%s: %w (Docker schema 1 manifests are not supported)", what, err)
	case errors.As(err, &urlErr), errors.As(err, &netErr):
		return exitcode.Infraf("%s: registry unreachable: %w", what, err)
	default:
		return exitcode.Infraf("%s: %w", what, err)
	}
}

// classifyStatus classifies a registry's HTTP error answer.
func classifyStatus(err error, terr *transport.Error, what string) error {
	host := ""
	if terr.Request != nil && terr.Request.URL != nil {
		host = "registry " + terr.Request.URL.Host + " "
	}
	status := fmt.Sprintf("HTTP %d %s", terr.StatusCode, http.StatusText(terr.StatusCode))
	switch {
	case terr.StatusCode == http.StatusUnauthorized || terr.StatusCode == http.StatusForbidden ||
		hasCode(terr, transport.UnauthorizedErrorCode, transport.DeniedErrorCode):
		return exitcode.Inputf("%s: %srefused access (%s): check the credentials for it: %w", what, host, status, err)
	case terr.StatusCode == http.StatusNotFound ||
		hasCode(terr, transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode, transport.BlobUnknownErrorCode):
		return exitcode.Inputf("%s: not found (%s): %w", what, status, err)
	case terr.StatusCode >= 500, terr.StatusCode == http.StatusTooManyRequests, terr.StatusCode == http.StatusRequestTimeout:
		return exitcode.Infraf("%s: %sfailed (%s): %w", what, host, status, err)
	case terr.StatusCode >= 400:
		// The registry refused the request itself: an invalid name, tag or
		// manifest, or a registry policy such as immutable tags.
		return exitcode.Inputf("%s: %srejected the request (%s): %w", what, host, status, err)
	default:
		return exitcode.Infraf("%s: %sanswered %s: %w", what, host, status, err)
	}
}

func hasCode(terr *transport.Error, codes ...transport.ErrorCode) bool {
	for _, d := range terr.Errors {
		for _, c := range codes {
			if d.Code == c {
				return true
			}
		}
	}
	return false
}

// IsNotFound reports whether err, however wrapped, is a registry's answer
// that a repository, manifest, tag or blob does not exist.
func IsNotFound(err error) bool {
	if errors.Is(err, errNotFound) {
		return true
	}
	var terr *transport.Error
	if !errors.As(err, &terr) {
		return false
	}
	return terr.StatusCode == http.StatusNotFound ||
		hasCode(terr, transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode, transport.BlobUnknownErrorCode)
}
