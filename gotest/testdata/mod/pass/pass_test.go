package pass

import "testing"

func TestAdd(t *testing.T) {
	if Add(1, 2) != 3 {
		t.Fatal("1+2 != 3")
	}
}

func TestTable(t *testing.T) {
	for _, name := range []string{"one", "two"} {
		t.Run(name, func(t *testing.T) {
			if name == "two" {
				t.Skip("two is skipped on purpose")
			}
		})
	}
}

func TestSkipped(t *testing.T) {
	t.Skip("not today")
}
