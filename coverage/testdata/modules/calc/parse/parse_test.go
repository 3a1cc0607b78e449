package parse

import "testing"

func TestInt(t *testing.T) {
	if n, err := Int(" 42 "); err != nil || n != 42 {
		t.Fatalf("Int = %d, %v", n, err)
	}
	if _, err := Int(""); err == nil {
		t.Fatal("Int(\"\") did not fail")
	}
}
