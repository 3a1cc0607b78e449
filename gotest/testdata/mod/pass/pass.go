// Package pass has passing and skipped tests.
package pass

// Add adds.
func Add(a, b int) int { return a + b }
