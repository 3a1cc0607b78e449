package gitops

import (
	"errors"
	"fmt"

	"github.com/goldenci/golden/exitcode"
)

// The sentinel errors of the package; test with errors.Is. Every error the
// package returns for bad input (an invalid image, a missing image, a
// malformed or unsupported file) is also classified as exitcode.InputError
// (exit code 2); errors writing files are exitcode.InfraError (exit 3).
var (
	// ErrInvalidImage: an image name, tag or digest is not valid.
	ErrInvalidImage = errors.New("invalid image")
	// ErrImageNotFound: the image is not in the manifests or Helm values
	// (Update) or not in any file (CurrentImage).
	ErrImageNotFound = errors.New("image not found")
	// ErrMalformed: a file is not valid YAML or not the expected structure.
	ErrMalformed = errors.New("malformed file")
	// ErrUnsupported: the YAML uses a form gitops cannot rewrite without
	// touching other bytes (a block scalar or multi-line plain image, say).
	ErrUnsupported = errors.New("unsupported YAML")
	// ErrAmbiguous: CurrentImage found different values for one image.
	ErrAmbiguous = errors.New("ambiguous image")
)

// invalid returns an input error wrapping ErrInvalidImage.
func invalid(format string, args ...any) error {
	return exitcode.InputError(fmt.Errorf("%w: "+format, append([]any{ErrInvalidImage}, args...)...))
}

// inputf returns an input error with the formatted message that wraps
// sentinel (without repeating its text) and any %w argument.
func inputf(sentinel error, format string, args ...any) error {
	return exitcode.InputError(&kindError{err: fmt.Errorf(format, args...), kind: sentinel})
}

// kindError is an error that also matches a sentinel with errors.Is.
type kindError struct {
	err  error
	kind error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.err, e.kind} }
