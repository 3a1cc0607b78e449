// Package calc is a fixture module for golden's coverage tests: some of its
// code is tested, some is not.
package calc

import (
	"errors"

	"example.com/calc/stats"
)

// ErrDivByZero is returned by Div for a zero divisor.
var ErrDivByZero = errors.New("division by zero")

// Double is a package-level function literal: go test instruments it, but
// go tool cover -func leaves it out of its total (it is in no FuncDecl).
var Double = func(x int) int {
	return x * 2
}

// Add returns a+b.
func Add(a, b int) int {
	return a + b
}

// Sub returns a-b.
func Sub(a, b int) int {
	return a - b
}

// Div returns a/b.
func Div(a, b int) (int, error) {
	if b == 0 {
		return 0, ErrDivByZero
	}
	return a / b, nil
}

// Average returns the mean of xs, or 0 for none.
func Average(xs ...int) int {
	if len(xs) == 0 {
		return 0
	}
	return stats.Mean(xs)
}
