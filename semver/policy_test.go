package semver

import (
	"errors"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
)

func TestConstraint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		constraint string
		allows     []string
		rejects    []string
	}{
		{"", []string{"0.0.1", "99.0.0", "1.0.0-rc.1"}, nil},
		{"   ", []string{"1.0.0"}, nil},
		{">= 1.4, < 2.0", []string{"1.4.0", "1.9.99", "v1.5.0"}, []string{"1.3.9", "2.0.0", "2.0.0-rc.1", "1.5.0-rc.1"}},
		{"~> 1.4", []string{"1.4.0", "1.9.0"}, []string{"1.3.0", "2.0.0"}},
		{"~> 1.4.2", []string{"1.4.2", "1.4.9"}, []string{"1.4.1", "1.5.0"}},
		{"!= 1.2.3", []string{"1.2.4"}, []string{"1.2.3", "v1.2.3"}},
		{"= v1.2.3", []string{"1.2.3"}, []string{"1.2.4"}},
		{">= 2.0.0-rc.1", []string{"2.0.0-rc.2", "2.0.0", "3.0.0"}, []string{"2.0.0-beta.1", "3.0.0-rc.1"}},
		{"<1.0.0", []string{"0.9.0"}, []string{"1.0.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.constraint, func(t *testing.T) {
			t.Parallel()
			c, err := ParseConstraint(tt.constraint)
			if err != nil {
				t.Fatal(err)
			}
			if c.String() != strings.TrimSpace(tt.constraint) && c.String() != tt.constraint {
				t.Errorf("String() = %q", c.String())
			}
			for _, s := range tt.allows {
				if !c.Check(mustParse(t, s)) {
					t.Errorf("%q rejects %s", tt.constraint, s)
				}
			}
			for _, s := range tt.rejects {
				if c.Check(mustParse(t, s)) {
					t.Errorf("%q allows %s", tt.constraint, s)
				}
			}
		})
	}
	for _, bad := range []string{">= 1.4,", ",", "=> 1.4", ">= one", "1.4 || 2.0", "^1.4", ">= 1.4 < 2.0", ">= 99999999999999999999"} {
		_, err := ParseConstraint(bad)
		var ice *InvalidConstraintError
		if !errors.As(err, &ice) || exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseConstraint(%q) error = %v, want an input *InvalidConstraintError naming it", bad, err)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	tags := []string{"latest", "sha-1a2b3c", "v1.2.0", "v1.3.0", "v1.3.0-rc.1", "1.4"}
	tests := []struct {
		name      string
		candidate string
		existing  []string
		policy    Policy
		tag       string // the returned version's tag, when allowed
		code      int
		err       any // pointer to the typed error expected
		mention   []string
	}{
		{name: "higher", candidate: "1.4.0", existing: tags, tag: "v1.4.0"},
		{name: "equal: a re-run", candidate: "v1.3.0", existing: tags, tag: "v1.3.0"},
		{name: "equal, other spelling", candidate: "1.3.0", existing: tags, tag: "v1.3.0"},
		{name: "repository style wins", candidate: "v2.0.0", existing: []string{"1.0.0"}, tag: "2.0.0"},
		{name: "no version tags: keep the candidate's spelling", candidate: "v0.1.0", existing: []string{"latest"}, tag: "v0.1.0"},
		{name: "no tags, unprefixed", candidate: "0.1.0", tag: "0.1.0"},
		{name: "release of the highest pre-release", candidate: "1.3.0", existing: []string{"1.3.0-rc.2"}, tag: "1.3.0"},
		{name: "downgrade", candidate: "1.2.5", existing: tags, code: exitcode.Failed, err: new(*DowngradeError),
			mention: []string{"1.2.5", "1.3.0", "v1.3.0", "downgrade"}},
		{name: "downgrade below a pre-release", candidate: "1.2.9", existing: []string{"1.3.0-rc.1"}, code: exitcode.Failed, err: new(*DowngradeError)},
		{name: "downgrade allowed", candidate: "1.2.5", existing: tags, policy: Policy{AllowDowngrade: true}, tag: "v1.2.5"},
		{name: "in constraint", candidate: "1.5.0", existing: tags, policy: Policy{Constraint: ">= 1.4, < 2.0"}, tag: "v1.5.0"},
		{name: "outside constraint", candidate: "2.0.0", existing: tags, policy: Policy{Constraint: ">= 1.4, < 2.0"},
			code: exitcode.Failed, err: new(*ConstraintError), mention: []string{"2.0.0", `">= 1.4, < 2.0"`}},
		{name: "downgrade allowed but outside constraint", candidate: "1.0.0", existing: tags,
			policy: Policy{AllowDowngrade: true, Constraint: "~> 1.2"}, code: exitcode.Failed, err: new(*ConstraintError)},
		{name: "invalid candidate", candidate: "1.4", existing: tags, code: exitcode.Usage, err: new(*InvalidVersionError), mention: []string{`"1.4"`}},
		{name: "invalid candidate comes before the policy", candidate: "latest", existing: tags, policy: Policy{Constraint: "~> 9"},
			code: exitcode.Usage, err: new(*InvalidVersionError)},
		{name: "invalid constraint comes before a downgrade", candidate: "0.0.1", existing: tags, policy: Policy{Constraint: "^1.0"},
			code: exitcode.Usage, err: new(*InvalidConstraintError), mention: []string{`"^1.0"`}},
		{name: "prefixed tag too long", candidate: "1.0.0-" + strings.Repeat("a", 122), existing: []string{"v0.1.0"},
			code: exitcode.Usage, err: new(*InvalidVersionError), mention: []string{"128"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := Check(tt.candidate, tt.existing, tt.policy)
			if got := exitcode.Code(err); got != tt.code {
				t.Fatalf("Check(%q) = %q, %v (exit %d); want exit %d", tt.candidate, v.Tag(), err, got, tt.code)
			}
			if tt.code == 0 {
				if v.Tag() != tt.tag {
					t.Errorf("Check(%q) tag = %q, want %q", tt.candidate, v.Tag(), tt.tag)
				}
				return
			}
			if !errors.As(err, tt.err) {
				t.Errorf("error %v (%T) is not a %T", err, err, tt.err)
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %s", err, m)
				}
			}
		})
	}
}
