// Package untested has no tests at all.
package untested

// Hello greets.
func Hello(name string) string {
	if name == "" {
		name = "world"
	}
	return "hello, " + name
}
