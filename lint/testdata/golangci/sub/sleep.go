// Package sub has a staticcheck finding in a subdirectory, so that report
// paths have a directory part.
package sub

import "time"

// Nap sleeps for 10 nanoseconds, which is almost certainly a mistake
// (staticcheck SA1004).
func Nap() {
	time.Sleep(10)
}
