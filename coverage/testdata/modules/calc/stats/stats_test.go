package stats

import "testing"

func TestMax(t *testing.T) {
	if got := Max([]int{3, 9, 4}); got != 9 {
		t.Fatalf("Max = %d", got)
	}
}
