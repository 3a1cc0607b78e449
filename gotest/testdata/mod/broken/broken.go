// Package broken does not compile.
package broken

// Broken returns a string as an int.
func Broken() int { return "not an int" }
