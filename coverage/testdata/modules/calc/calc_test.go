package calc

import "testing"

func TestAdd(t *testing.T) {
	if got := Add(2, 3); got != 5 {
		t.Fatalf("Add = %d", got)
	}
}

func TestDiv(t *testing.T) {
	if got, err := Div(6, 3); err != nil || got != 2 {
		t.Fatalf("Div = %d, %v", got, err)
	}
}

func TestAverage(t *testing.T) {
	for i := 0; i < 3; i++ {
		if got := Average(1, 2, 3); got != 2 {
			t.Fatalf("Average = %d", got)
		}
	}
}
