// Package exitcode classifies errors into golden's stable exit-code contract:
//
//	0  passed
//	1  a gate failed (lint, tests, coverage, scan, policy)
//	2  bad usage, configuration or input
//	3  infrastructure (network, registry, git server) or an internal error
//
// Code that knows why it failed wraps its error with Gate, Input or Infra;
// Code reads the class back through any amount of further wrapping.
// An unclassified error counts as infrastructure: something outside the
// user's input went wrong.
package exitcode

import (
	"errors"
	"fmt"
)

// The exit codes of every golden command.
const (
	Passed = 0
	Failed = 1
	Usage  = 2
	Infra  = 3
)

// classified carries an exit code through error wrapping.
type classified struct {
	code int
	err  error
}

func (c *classified) Error() string { return c.err.Error() }
func (c *classified) Unwrap() error { return c.err }

func wrap(code int, err error) error {
	if err == nil {
		return nil
	}
	return &classified{code: code, err: err}
}

// GateError marks err as a failed gate (exit 1). It returns nil for nil.
func GateError(err error) error { return wrap(Failed, err) }

// InputError marks err as bad usage, configuration or input (exit 2).
// It returns nil for nil.
func InputError(err error) error { return wrap(Usage, err) }

// InfraError marks err as an infrastructure failure (exit 3). It returns nil
// for nil.
func InfraError(err error) error { return wrap(Infra, err) }

// Gatef formats a failed-gate error (exit 1).
func Gatef(format string, args ...any) error { return GateError(fmt.Errorf(format, args...)) }

// Inputf formats a bad-input error (exit 2).
func Inputf(format string, args ...any) error { return InputError(fmt.Errorf(format, args...)) }

// Infraf formats an infrastructure error (exit 3).
func Infraf(format string, args ...any) error { return InfraError(fmt.Errorf(format, args...)) }

// Code returns the exit code for err: 0 for nil, the outermost
// classification found by errors.As otherwise, and Infra for an
// unclassified error.
func Code(err error) int {
	if err == nil {
		return Passed
	}
	var c *classified
	if errors.As(err, &c) {
		return c.code
	}
	return Infra
}
