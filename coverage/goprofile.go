package coverage

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// maxLine is the longest profile line the parsers accept.
const maxLine = 16 << 20

// parseGo reads a Go coverprofile:
//
//	mode: set
//	example.com/mod/pkg/file.go:12.34,14.2 3 1
//
// Profiles concatenated from several runs or packages are accepted: a
// "mode:" line may start each of them, and a block seen again is merged
// (its counts or-ed in set mode, summed otherwise). The mode is the first
// profile's, as for go tool cover. Blank lines and CRLF line ends are
// tolerated.
func parseGo(r io.Reader, name string) (*Profile, error) {
	b := newBuilder(FormatGo)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), maxLine)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := sc.Bytes()
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if lineNo == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")) // byte order mark
		}
		if len(line) == 0 {
			continue
		}
		if line[0] == 'm' && bytes.HasPrefix(line, []byte("mode:")) {
			mode := string(bytes.TrimSpace(line[len("mode:"):]))
			switch mode {
			case "set", "count", "atomic":
			default:
				return nil, parseErr(FormatGo, name, lineNo, fmt.Errorf("bad mode line %q (want set, count or atomic)", abbrev(line, 60)))
			}
			if b.mode == "" {
				b.mode = mode
			}
			continue
		}
		if b.mode == "" {
			return nil, parseErr(FormatGo, name, lineNo, fmt.Errorf("missing mode line before %q (want \"mode: set\", \"count\" or \"atomic\" first)", abbrev(line, 60)))
		}
		file, blk, err := parseGoBlock(line)
		if err != nil {
			return nil, parseErr(FormatGo, name, lineNo, fmt.Errorf("bad block %q: %w (want file.go:line.col,line.col statements count)", abbrev(line, 80), err))
		}
		if err := b.fileFor(file, nil).add(blk, b.mode == "set"); err != nil {
			return nil, parseErr(FormatGo, name, lineNo, err)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, parseErr(FormatGo, name, lineNo+1, fmt.Errorf("line longer than %d bytes", maxLine))
		}
		return nil, readErr(name, err)
	}
	if b.mode == "" {
		return nil, parseErr(FormatGo, name, 0, errors.New("empty profile: no mode line"))
	}
	return b.profile(name), nil
}

// parseGoBlock parses "name:startLine.startCol,endLine.endCol numStmt count"
// from the end, as golang.org/x/tools/cover does, but on bytes and with
// hand-parsed numbers. The returned name aliases line.
func parseGoBlock(line []byte) ([]byte, Block, error) {
	var blk Block
	end := len(line)
	var err error
	if blk.Count, end, err = seekBack(line, ' ', end, "count", -1); err != nil {
		return nil, blk, err
	}
	if blk.NumStmt, end, err = seekBack(line, ' ', end, "statement count", maxValue); err != nil {
		return nil, blk, err
	}
	if blk.EndCol, end, err = seekBack(line, '.', end, "end column", maxValue); err != nil {
		return nil, blk, err
	}
	if blk.EndLine, end, err = seekBack(line, ',', end, "end line", maxValue); err != nil {
		return nil, blk, err
	}
	if blk.StartCol, end, err = seekBack(line, '.', end, "start column", maxValue); err != nil {
		return nil, blk, err
	}
	if blk.StartLine, end, err = seekBack(line, ':', end, "start line", maxValue); err != nil {
		return nil, blk, err
	}
	if end == 0 {
		return nil, blk, errors.New("no file name")
	}
	if err := checkRange(blk); err != nil {
		return nil, blk, err
	}
	return line[:end], blk, nil
}

// checkRange rejects a block that ends before it starts or starts before
// line 1.
func checkRange(b Block) error {
	if b.StartLine < 1 {
		return fmt.Errorf("start line %d (lines count from 1)", b.StartLine)
	}
	if b.EndLine < b.StartLine || b.EndLine == b.StartLine && b.EndCol < b.StartCol {
		return fmt.Errorf("block ends (%d.%d) before it starts (%d.%d)", b.EndLine, b.EndCol, b.StartLine, b.StartCol)
	}
	return nil
}

// seekBack finds sep before end and parses the decimal number between
// them. limit bounds the value (-1: any int). It returns the value and the
// index of sep.
func seekBack(line []byte, sep byte, end int, what string, limit int) (int, int, error) {
	start := end - 1
	for start >= 0 && line[start] != sep {
		start--
	}
	if start < 0 {
		return 0, 0, fmt.Errorf("no %q before the %s", sep, what)
	}
	v, err := parseUint(line[start+1:end], limit)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", what, err)
	}
	return v, start, nil
}

// parseUint parses a non-empty run of ASCII digits. limit bounds the
// value; -1 allows any int.
func parseUint(s []byte, limit int) (int, error) {
	if len(s) == 0 {
		return 0, errors.New("missing number")
	}
	const maxInt = int(^uint(0) >> 1)
	if limit < 0 {
		limit = maxInt
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not a non-negative integer", abbrev(s, 24))
		}
		d := int(c - '0')
		if n > (limit-d)/10 {
			return 0, fmt.Errorf("%s is too large (at most %d)", abbrev(s, 24), limit)
		}
		n = n*10 + d
	}
	return n, nil
}

func readErr(name string, err error) error {
	return infraErr(fmt.Errorf("reading coverage profile %q: %w", name, err))
}
