package semver_test

import (
	"fmt"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/semver"
)

// Bump the highest version tag of a repository; non-version tags are
// ignored and the repository's "v" style is kept.
func ExampleNext() {
	tags := []string{"latest", "sha-1a2b3c", "v1.2.0", "v1.3.0", "1.4"}
	highest, ok := semver.Highest(tags)
	fmt.Println("highest:", highest.Tag(), ok)
	for _, bump := range []semver.Bump{semver.Patch, semver.Minor, semver.Major} {
		next, err := semver.Next(highest, bump)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s -> %s\n", bump, next.Tag())
	}

	// A repository without version tags starts from 0.0.0.
	first, _ := semver.Next(semver.Version{}, semver.Minor)
	fmt.Println("first minor:", first.Tag())
	// Output:
	// highest: v1.3.0 true
	// patch -> v1.3.1
	// minor -> v1.4.0
	// major -> v2.0.0
	// first minor: 0.1.0
}

// Check a requested version against the existing tags and the policy.
func ExampleCheck() {
	tags := []string{"latest", "v1.2.0", "v1.3.0"}
	policy := semver.Policy{Constraint: ">= 1.3, < 2.0"}

	v, err := semver.Check("1.4.0", tags, policy)
	fmt.Println(v.Tag(), err)

	_, err = semver.Check("1.2.9", tags, policy)
	fmt.Println(exitcode.Code(err), err)

	_, err = semver.Check("2.0.0", tags, policy)
	fmt.Println(exitcode.Code(err), err)

	_, err = semver.Check("1.4", tags, policy)
	fmt.Println(exitcode.Code(err), err)
	// Output:
	// v1.4.0 <nil>
	// 1 version 1.2.9 is lower than the highest existing version 1.3.0 (tag v1.3.0): refusing to downgrade unless downgrades are allowed
	// 1 version 2.0.0 does not satisfy the constraint ">= 1.3, < 2.0"
	// 2 invalid version "1.4": want MAJOR.MINOR.PATCH[-PRERELEASE], optionally with a leading v, e.g. 1.4.0, v1.4.0 or 1.4.0-rc.1
}
