package fail

import "testing"

func TestFails(t *testing.T) {
	t.Log("about to fail")
	t.Errorf("got %d, want %d", 1, 2)
}

func TestPasses(t *testing.T) {}

func TestSubFails(t *testing.T) {
	t.Run("ok", func(t *testing.T) {})
	t.Run("bad case", func(t *testing.T) {
		t.Fatal("sub failed")
	})
}

func TestPanics(t *testing.T) {
	var m map[string]int
	m["boom"] = 1
}
