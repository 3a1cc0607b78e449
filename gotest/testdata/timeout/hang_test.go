// Package timeout has a test that hangs, for golden's gotest tests: run it
// with a short -timeout.
package timeout

import (
	"testing"
	"time"
)

func TestQuick(t *testing.T) {}

func TestHang(t *testing.T) {
	t.Log("waiting forever")
	time.Sleep(time.Hour)
}
