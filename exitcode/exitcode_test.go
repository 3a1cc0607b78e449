package exitcode

import (
	"errors"
	"fmt"
	"testing"
)

func TestCode(t *testing.T) {
	t.Parallel()
	base := errors.New("boom")
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, Passed},
		{"unclassified", base, Infra},
		{"gate", GateError(base), Failed},
		{"input", InputError(base), Usage},
		{"infra", InfraError(base), Infra},
		{"wrapped input", fmt.Errorf("reading config: %w", Inputf("bad key %q", "x")), Usage},
		{"outermost wins", InputError(fmt.Errorf("ctx: %w", InfraError(base))), Usage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Code(tt.err); got != tt.want {
				t.Errorf("Code(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestWrapKeepsMessageAndChain(t *testing.T) {
	t.Parallel()
	base := errors.New("boom")
	err := InputError(base)
	if err.Error() != "boom" {
		t.Errorf("message = %q", err.Error())
	}
	if !errors.Is(err, base) {
		t.Error("errors.Is lost the wrapped error")
	}
	if InputError(nil) != nil || GateError(nil) != nil || InfraError(nil) != nil {
		t.Error("wrapping nil must stay nil")
	}
}
