package coverage

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// parseLCOV reads an LCOV tracefile (geninfo(1) format, as written by lcov,
// node --test --test-reporter=lcov, c8, istanbul, grcov and others):
//
//	TN:
//	SF:src/calc.c
//	DA:3,1
//	DA:9,0
//	end_of_record
//
// Each DA line is one "statement" (DA:line,hits[,checksum]). A file that
// appears in several records (several test names or merged tracefiles)
// counts each line once, with its hits summed. Other keys (functions,
// branches, summaries) are skipped.
func parseLCOV(r io.Reader, name string) (*Profile, error) {
	b := newBuilder(FormatLCOV)
	b.mode = "count"
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), maxLine)
	var (
		lineNo  int
		file    *fileAcc
		fileRow int // the line of the open record's SF
		records int
	)
	fail := func(format string, args ...any) error {
		return parseErr(FormatLCOV, name, lineNo, fmt.Errorf(format, args...))
	}
	for sc.Scan() {
		lineNo++
		line := bytes.TrimSpace(sc.Bytes())
		if lineNo == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		if string(line) == "end_of_record" {
			if file == nil {
				return nil, fail("end_of_record without an SF line")
			}
			file = nil
			continue
		}
		key, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || !isLCOVKey(key) {
			return nil, fail("want KEY:VALUE or end_of_record, got %q", abbrev(line, 60))
		}
		switch string(key) {
		case "SF":
			if file != nil {
				return nil, fail("SF line inside the record of %q (started on line %d) that has no end_of_record", file.file.Name, fileRow)
			}
			if len(bytes.TrimSpace(value)) == 0 {
				return nil, fail("SF line without a file name")
			}
			file = b.fileFor(bytes.TrimSpace(value), nil)
			fileRow = lineNo
			records++
		case "DA":
			if file == nil {
				return nil, fail("DA line outside a record (no SF line before it)")
			}
			fields := bytes.Split(value, []byte(","))
			if len(fields) < 2 || len(fields) > 3 {
				return nil, fail("bad DA line %q (want DA:line,hits[,checksum])", abbrev(line, 60))
			}
			num, err := parseUint(bytes.TrimSpace(fields[0]), maxValue)
			if err != nil {
				return nil, fail("bad DA line %q: line number: %v", abbrev(line, 60), err)
			}
			if num < 1 {
				return nil, fail("bad DA line %q: line %d (lines count from 1)", abbrev(line, 60), num)
			}
			hits, err := parseUint(bytes.TrimSpace(fields[1]), -1)
			if err != nil {
				return nil, fail("bad DA line %q: hits: %v", abbrev(line, 60), err)
			}
			_ = file.add(Block{StartLine: num, EndLine: num, NumStmt: 1, Count: hits}, false)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, parseErr(FormatLCOV, name, lineNo+1, fmt.Errorf("line longer than %d bytes", maxLine))
		}
		return nil, readErr(name, err)
	}
	if file != nil {
		return nil, parseErr(FormatLCOV, name, fileRow, fmt.Errorf("the record of %q has no end_of_record", file.file.Name))
	}
	if records == 0 {
		return nil, parseErr(FormatLCOV, name, 0, errors.New("no records (no SF line)"))
	}
	return b.profile(name), nil
}

// isLCOVKey reports whether k looks like an LCOV key: letters, digits and
// underscores, starting with a letter ("DA", "end_of_record", "FNL").
func isLCOVKey(k []byte) bool {
	if len(k) == 0 || !isLetter(k[0]) {
		return false
	}
	for _, c := range k {
		if !isLetter(c) && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }
