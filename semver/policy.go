package semver

import (
	"fmt"
	"strings"

	version "github.com/hashicorp/go-version"

	"github.com/goldenci/golden/exitcode"
)

// Constraint is a version constraint such as ">= 1.4, < 2.0": constraints
// separated by commas, all of which must hold. The operators are =, !=,
// >, >=, <, <= and ~> (pessimistic: "~> 1.4" means >= 1.4, < 2.0; "~> 1.4.2"
// means >= 1.4.2, < 1.5). A pre-release version only satisfies a
// constraint that names a pre-release of the same MAJOR.MINOR.PATCH
// (go-version's rule): ">= 1.4" rejects 1.5.0-rc.1. Constraints compare
// with go-version's precedence, which differs from Version.Compare only
// between two pre-releases where one extends the other (1.0.0-alpha and
// 1.0.0-alpha.beta).
//
// The zero Constraint allows every version.
type Constraint struct {
	cs  version.Constraints
	raw string
}

// InvalidConstraintError reports a malformed constraint. ParseConstraint
// and Check return it classified as an input error (exit 2).
type InvalidConstraintError struct {
	Constraint string
	Err        error
}

// Error implements error.
func (e *InvalidConstraintError) Error() string {
	return fmt.Sprintf("invalid version constraint %q: %v (want e.g. \">= 1.4, < 2.0\" or \"~> 1.4\")", e.Constraint, e.Err)
}

// Unwrap returns go-version's error.
func (e *InvalidConstraintError) Unwrap() error { return e.Err }

// ParseConstraint parses a constraint. An empty (or blank) string is the
// zero Constraint, which allows every version.
func ParseConstraint(s string) (Constraint, error) {
	if strings.TrimSpace(s) == "" {
		return Constraint{}, nil
	}
	cs, err := version.NewConstraint(s)
	if err != nil {
		return Constraint{}, exitcode.InputError(&InvalidConstraintError{Constraint: s, Err: err})
	}
	return Constraint{cs: cs, raw: s}, nil
}

// Check reports whether v satisfies the constraint.
func (c Constraint) Check(v Version) bool {
	if c.cs == nil {
		return true
	}
	return c.cs.Check(v.core())
}

// String returns the constraint as written ("" for the zero Constraint).
func (c Constraint) String() string { return c.raw }

// Policy is what a promotion's version must satisfy.
type Policy struct {
	// AllowDowngrade allows a version lower than the highest existing one.
	AllowDowngrade bool
	// Constraint, when not empty, must hold for the version, e.g.
	// ">= 1.4, < 2.0".
	Constraint string
}

// DowngradeError reports a candidate lower than the highest existing
// version. Check returns it classified as a failed gate (exit 1).
type DowngradeError struct {
	Candidate Version
	Highest   Version
}

// Error implements error.
func (e *DowngradeError) Error() string {
	return fmt.Sprintf("version %s is lower than the highest existing version %s (tag %s): refusing to downgrade unless downgrades are allowed",
		e.Candidate, e.Highest, e.Highest.Tag())
}

// ConstraintError reports a candidate that does not satisfy the policy's
// constraint. Check returns it classified as a failed gate (exit 1).
type ConstraintError struct {
	Candidate  Version
	Constraint string
}

// Error implements error.
func (e *ConstraintError) Error() string {
	return fmt.Sprintf("version %s does not satisfy the constraint %q", e.Candidate, e.Constraint)
}

// Check checks the version candidate (e.g. "1.4.0" or "v1.4.0") against
// the repository's existing tags and the policy, and returns it in the
// repository's tag style (see the package documentation), ready for
// Version.Tag.
//
// Input problems come first and are input errors (exit 2): an invalid
// candidate (*InvalidVersionError) or constraint (*InvalidConstraintError).
// Then the policy, as failed gates (exit 1): a candidate lower than the
// highest existing version without AllowDowngrade (*DowngradeError), and
// a candidate outside the constraint (*ConstraintError). A candidate equal
// to the highest version passes, so re-running a promotion passes too.
func Check(candidate string, existing []string, p Policy) (Version, error) {
	v, err := Parse(candidate)
	if err != nil {
		return Version{}, err
	}
	c, err := ParseConstraint(p.Constraint)
	if err != nil {
		return Version{}, err
	}
	highest, found := Highest(existing)
	if found {
		v = v.WithPrefix(highest.Prefixed())
	}
	if len(v.Tag()) > MaxTagLength {
		return Version{}, exitcode.InputError(&InvalidVersionError{Input: candidate,
			Reason: fmt.Sprintf("tag %q is longer than the %d characters an image tag may have", v.Tag(), MaxTagLength)})
	}
	if found && v.Compare(highest) < 0 && !p.AllowDowngrade {
		return Version{}, exitcode.GateError(&DowngradeError{Candidate: v, Highest: highest})
	}
	if !c.Check(v) {
		return Version{}, exitcode.GateError(&ConstraintError{Candidate: v, Constraint: p.Constraint})
	}
	return v, nil
}
