// Package lintfixture has known lint findings for golden's lint tests.
// Do not fix them: the tests assert exactly these findings.
package lintfixture

import (
	"fmt"
	"os"
)

// Remove ignores the error of os.Remove (errcheck).
func Remove(path string) {
	os.Remove(path)
}

// unusedHelper is never called (unused).
func unusedHelper() int { return 1 }

// Count assigns a value it never reads (ineffassign).
func Count(n int) int {
	total := n
	total = 2
	return total
}

// Greet passes an int to %s (govet printf).
func Greet(n int) string {
	return fmt.Sprintf("hello %s", n)
}
