package testtool

import (
	"net"
	"testing"
)

// FreePort returns a port of 127.0.0.1 that nothing listened on a moment
// ago: for a server a test starts, or as a closed port for a test of an
// unreachable address.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}
