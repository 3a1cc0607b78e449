// Package mainexit fails in TestMain without a failing test.
package mainexit

import (
	"fmt"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	fmt.Println("setup failed: no database")
	os.Exit(3)
}

func TestNeverRuns(t *testing.T) {}
