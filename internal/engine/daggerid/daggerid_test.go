package daggerid

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// The fakes have the shapes of the two clients a module function holds:
// the generated client's objects return the generic ID type, the other
// client's loaders take a type per object.
type (
	fakeID          string
	fakeDirectoryID string
)

type fakeDir struct {
	id  fakeID
	err error
}

func (d *fakeDir) ID(context.Context) (fakeID, error) { return d.id, d.err }

type loaded struct{ id fakeDirectoryID }

type fakeClient struct{ calls int }

func (c *fakeClient) LoadDirectoryFromID(id fakeDirectoryID) *loaded {
	c.calls++
	return &loaded{id: id}
}

func TestConvert(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name    string
		from    IDer[fakeID]
		want    fakeDirectoryID // "" means a nil result
		wantErr string
		loads   int
	}{
		{name: "object", from: &fakeDir{id: "dir-1"}, want: "dir-1", loads: 1},
		{name: "nil pointer", from: (*fakeDir)(nil)},
		{name: "nil interface", from: nil},
		{name: "ID fails", from: &fakeDir{err: boom}, wantErr: "getting the ID of a fakeDir: boom"},
		{name: "empty ID", from: &fakeDir{}, wantErr: "getting the ID of a fakeDir: the engine returned an empty ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &fakeClient{}
			got, err := Convert(context.Background(), tt.from, c.LoadDirectoryFromID)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if tt.wantErr == "getting the ID of a fakeDir: boom" && !errors.Is(err, boom) {
					t.Errorf("err does not wrap the cause: %v", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.want == "" && got != nil:
				t.Errorf("got %+v, want nil", got)
			case tt.want != "" && (got == nil || got.id != tt.want):
				t.Errorf("got %+v, want ID %q", got, tt.want)
			}
			if c.calls != tt.loads {
				t.Errorf("load called %d times, want %d", c.calls, tt.loads)
			}
		})
	}
}

func TestConvertAll(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &fakeClient{}

	got, err := ConvertAll(ctx, []*fakeDir{{id: "a"}, nil, {id: "b"}}, c.LoadDirectoryFromID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].id != "a" || got[1] != nil || got[2].id != "b" {
		t.Errorf("got %+v, want [a nil b]", got)
	}

	if got, err := ConvertAll(ctx, []*fakeDir(nil), c.LoadDirectoryFromID); err != nil || got != nil {
		t.Errorf("nil slice: got %v, %v; want nil, nil", got, err)
	}

	_, err = ConvertAll(ctx, []*fakeDir{{id: "a"}, {err: errors.New("boom")}}, c.LoadDirectoryFromID)
	if err == nil || !strings.HasPrefix(err.Error(), "element 1: getting the ID of a fakeDir") {
		t.Errorf("err = %v, want it to name element 1", err)
	}
}
