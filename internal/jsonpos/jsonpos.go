// Package jsonpos adds the line and column of a JSON syntax or type error
// to the error, so messages about bad input name where it is bad.
package jsonpos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Describe returns err prefixed with "line L, column C: " when it is a
// json.SyntaxError or json.UnmarshalTypeError with an offset inside data,
// and err unchanged otherwise.
func Describe(data []byte, err error) error {
	var off int64
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset - 1 // the offset is just past the offending byte
	case errors.As(err, &te):
		off = te.Offset
	default:
		return err
	}
	if off > int64(len(data)) {
		return err
	}
	if off > 0 && off == int64(len(data)) {
		off-- // an error at the end belongs to the last line
	}
	off = max(off, 0)
	line, col := Position(data, off)
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}

// Position turns a byte offset into a 1-based line and column.
func Position(data []byte, off int64) (line, col int) {
	before := data[:off]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = int(off) - bytes.LastIndexByte(before, '\n')
	if col < 1 {
		col = 1
	}
	return line, col
}
