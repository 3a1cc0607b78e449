// Package daggerid moves Dagger objects between two clients of one engine
// session by their IDs.
//
// A Dagger module function gets its arguments as objects of the module's
// generated client (package internal/dagger of the module) and must return
// objects of that client; golden's pipeline library is written against the
// published SDK, dagger.io/dagger. Both clients talk to the same session
// (inside a function, dagger.Connect joins it through DAGGER_SESSION_PORT
// and DAGGER_SESSION_TOKEN), so an object crosses from one to the other as
// its ID: ask one client's object for its ID, load that ID with the other
// client's LoadXxxFromID. Nothing is evaluated on the way: the ID names the
// object's recipe, and a secret stays a secret (its plaintext never leaves
// the engine).
//
// Convert does one such crossing in one line, in either direction:
//
//	src, err := daggerid.Convert(ctx, source, sdkClient.LoadDirectoryFromID)
//	report, err := daggerid.Convert(ctx, res.Report, dag.LoadFileFromID)
//
// The package imports neither client: it works with any type whose ID
// method returns a string type, and any loader taking one.
package daggerid

import (
	"context"
	"fmt"
	"reflect"
)

// IDer is a Dagger object: it has an ID naming it in its session. The
// generated clients of Dagger v0.21 return the generic ID type; older ones
// returned a type per object (DirectoryID, FileID, ...). Both fit.
type IDer[I ~string] interface {
	ID(ctx context.Context) (I, error)
}

// Convert returns the object named by from's ID, loaded with load: a
// client's LoadXxxFromID method (the loader's ID type may differ from the
// ID type of from, e.g. ID and DirectoryID). A nil from (a nil interface or
// a nil pointer: an optional argument left out) converts to the zero T, with
// no error and without calling load.
func Convert[I ~string, J ~string, T any](ctx context.Context, from IDer[I], load func(J) T) (T, error) {
	var zero T
	if isNil(from) {
		return zero, nil
	}
	id, err := from.ID(ctx)
	if err != nil {
		return zero, fmt.Errorf("getting the ID of a %s: %w", typeName(from), err)
	}
	if id == "" {
		return zero, fmt.Errorf("getting the ID of a %s: the engine returned an empty ID", typeName(from))
	}
	return load(J(id)), nil
}

// ConvertAll converts each of from, in order, with Convert. A nil element
// converts to the zero T.
func ConvertAll[F IDer[I], I ~string, J ~string, T any](ctx context.Context, from []F, load func(J) T) ([]T, error) {
	if from == nil {
		return nil, nil
	}
	out := make([]T, len(from))
	for i, f := range from {
		v, err := Convert[I, J, T](ctx, f, load)
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		out[i] = v
	}
	return out, nil
}

// isNil reports whether v is a nil interface or holds a nil pointer, map,
// slice, channel or function.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// typeName names the object's type for an error: "Directory" for a
// *dagger.Directory.
func typeName(v any) string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Name() == "" {
		return t.String()
	}
	return t.Name()
}
