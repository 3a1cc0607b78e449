// Package parse reads numbers.
package parse

import (
	"fmt"
	"strconv"
	"strings"
)

// Int parses a decimal integer, allowing surrounding spaces.
func Int(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty number")
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("bad number %q: %w", s, err)
	}
	return n, nil
}

// Sign names the sign of n.
func Sign(n int) string {
	switch {
	case n < 0:
		return "negative"
	case n == 0:
		return "zero"
	default:
		return "positive"
	}
}
