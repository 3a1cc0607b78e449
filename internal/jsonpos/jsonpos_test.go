package jsonpos

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"syntax", "{\n  \"a\": [,]\n}", "line 2, column 9: invalid character ',' looking for beginning of value"},
		{"type", "{\n\"a\": \"x\"\n}", "line 2, column 9: json: cannot unmarshal string into Go struct field .A of type int"},
		{"truncated", "{\n\"a\": 1", "line 2, column 6: unexpected end of JSON input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var v struct{ A int }
			err := Describe([]byte(tt.in), json.Unmarshal([]byte(tt.in), &v))
			if err == nil || err.Error() != tt.want {
				t.Errorf("Describe = %v, want %q", err, tt.want)
			}
		})
	}
	other := errors.New("other")
	if got := Describe(nil, other); got != other {
		t.Errorf("Describe(other) = %v", got)
	}
}
