package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/goldenci/golden/exitcode"
)

// Kinds of failure, for errors.Is. Every error of this package is also
// classified for exitcode.Code: configuration problems (credentials,
// repository, branch) are input errors (exit 2), everything else is
// infrastructure (exit 3).
var (
	// ErrAuthentication: the remote refused the credentials, or needs
	// some and none were given.
	ErrAuthentication = errors.New("authentication failed")
	// ErrHostKey: the SSH server's host key is unknown or does not match.
	ErrHostKey = errors.New("host key verification failed")
	// ErrRepositoryNotFound: no repository at the address.
	ErrRepositoryNotFound = errors.New("repository not found")
	// ErrBranchNotFound: the repository has no such branch.
	ErrBranchNotFound = errors.New("branch not found")
	// ErrUnreachable: the remote could not be reached or answered with
	// a server error.
	ErrUnreachable = errors.New("remote unreachable")
	// ErrRejected: the remote refused the push for a reason other than
	// having moved, e.g. a protected branch or a hook.
	ErrRejected = errors.New("push rejected")
	// ErrRetriesExhausted: the branch kept moving and every attempt to
	// push lost the race.
	ErrRetriesExhausted = errors.New("retries exhausted")
)

// Error is an error of this package. Its message names the remote without
// credentials and holds no secret; it unwraps to one of the Err* kinds
// above and, for a cancelled operation, to the context's error, but never
// to the underlying go-git error, whose text may echo credentials.
type Error struct {
	msg   string
	kind  error
	cause error
}

func (e *Error) Error() string { return e.msg }

// Unwrap returns the kind and the context error, if any.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.kind != nil {
		errs = append(errs, e.kind)
	}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}

// classify turns an error of go-git (or of the network below it) during op
// ("cloning", "fetching", "pushing to") on r into a classified, redacted
// Error.
func classify(op string, r *remote, auth Auth, err error) error {
	if err == nil {
		return nil
	}
	var own *Error
	if errors.As(err, &own) {
		return err
	}
	secrets := auth.secrets()
	text := redact(err.Error(), secrets)
	mk := func(kind error, format string, args ...any) *Error {
		return &Error{msg: fmt.Sprintf(format, args...), kind: kind}
	}
	lower := strings.ToLower(text)
	var httpErr *githttp.Err
	var unexpected *plumbing.UnexpectedError
	if errors.As(err, &unexpected) {
		_ = errors.As(unexpected.Err, &httpErr)
	} else {
		_ = errors.As(err, &httpErr)
	}

	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		cause := context.Canceled
		if errors.Is(err, context.DeadlineExceeded) {
			cause = context.DeadlineExceeded
		}
		return exitcode.InfraError(&Error{msg: fmt.Sprintf("%s %s: %v", op, r.display, cause), kind: ErrUnreachable, cause: cause})

	case errors.Is(err, transport.ErrAuthenticationRequired),
		strings.Contains(lower, "unable to authenticate"):
		why := "invalid credentials"
		if !hasCredentials(r, auth) {
			why = "credentials required and none were given"
		}
		return exitcode.InputError(mk(ErrAuthentication, "authenticating to %s: %s", r.display, why))

	case errors.Is(err, transport.ErrAuthorizationFailed):
		return exitcode.InputError(mk(ErrAuthentication, "authenticating to %s: access denied: the credentials may not %s this repository", r.display, access(op)))

	case strings.Contains(lower, "ssh_auth_sock"), strings.Contains(lower, "ssh agent"):
		return exitcode.InputError(mk(ErrAuthentication, "authenticating to %s: no SSH key given and no SSH agent available", r.display))

	case strings.Contains(lower, "knownhosts:"), strings.Contains(lower, "known_hosts"), strings.Contains(lower, "host key"):
		return exitcode.InputError(mk(ErrHostKey, "verifying the host key of %s: %s", r.display, text))

	case errors.Is(err, transport.ErrRepositoryNotFound):
		return exitcode.InputError(mk(ErrRepositoryNotFound, "%s %s: repository not found", op, r.display))

	case errors.Is(err, transport.ErrEmptyRemoteRepository):
		return exitcode.InputError(mk(ErrBranchNotFound, "%s %s: the repository is empty (it has no branch)", op, r.display))

	case errors.Is(err, git.NoMatchingRefSpecError{}), errors.Is(err, plumbing.ErrReferenceNotFound):
		return exitcode.InputError(mk(ErrBranchNotFound, "%s %s: branch not found", op, r.display))

	case httpErr != nil && httpErr.Response != nil:
		code := httpErr.Response.StatusCode
		return exitcode.InfraError(mk(ErrUnreachable, "%s %s: the server answered %d %s", op, r.display, code, http.StatusText(code)))

	case isNetwork(err):
		return exitcode.InfraError(mk(ErrUnreachable, "%s %s: unreachable: %s", op, r.display, text))
	}
	return exitcode.InfraError(mk(nil, "%s %s: %s", op, r.display, text))
}

func access(op string) string {
	if strings.HasPrefix(op, "push") {
		return "push to"
	}
	return "read"
}

func hasCredentials(r *remote, auth Auth) bool {
	if r.kind == kindSSH {
		return len(auth.SSHKey) > 0
	}
	return auth.hasHTTP()
}

// isNetwork reports whether err comes from the network: refused or reset
// connections, DNS, timeouts, or a connection that ended early.
func isNetwork(err error) bool {
	var netErr net.Error
	var opErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &opErr), errors.As(err, &dnsErr), errors.As(err, &netErr):
		return true
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return true
	}
	return false
}
