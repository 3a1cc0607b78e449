// Package coverage reads test coverage profiles (Go coverprofiles,
// Cobertura XML and LCOV), merges them, and computes the numbers a CI gate
// needs: total and per-package statement coverage, computed exactly as
// "go tool cover -func" computes its total, and patch coverage, the share
// of the lines changed since a git revision that the tests ran.
//
// The flow is Parse (or ParseFile) for each input, Merge to combine them,
// OpenSource for the source tree they describe, Analyze for the totals and
// line hits, PatchCoverage for the changed lines and Gates.Check for the
// verdict.
//
// Every error this package returns is classified for golden's exit-code
// contract (see package exitcode): malformed input and bad arguments are
// input errors, failures to read what should be readable are
// infrastructure errors.
package coverage

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/goldenci/golden/exitcode"
)

// Format is the format of a coverage profile.
type Format string

// The formats Parse reads. FormatAuto detects the format from the content.
const (
	FormatAuto      Format = ""
	FormatGo        Format = "go"        // go test -coverprofile
	FormatCobertura Format = "cobertura" // Cobertura XML (gcovr, coverage.py, JaCoCo converters, ...)
	FormatLCOV      Format = "lcov"      // LCOV tracefile (lcov, node --test, c8, ...)
)

// ParseFormat reads a format name: "go", "cobertura", "lcov", or "auto"
// (or empty) for detection.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return FormatAuto, nil
	case "go", "gocover", "coverprofile":
		return FormatGo, nil
	case "cobertura", "xml":
		return FormatCobertura, nil
	case "lcov", "info":
		return FormatLCOV, nil
	}
	return "", exitcode.Inputf("unknown coverage format %q (want go, cobertura, lcov or auto)", s)
}

// Block is a range of source that was counted as one unit. For a Go
// profile it is a basic block (line.column to line.column, holding NumStmt
// statements); for Cobertura and LCOV it is one line (StartLine ==
// EndLine, columns 0) holding one "statement".
type Block struct {
	StartLine, StartCol int
	EndLine, EndCol     int
	NumStmt             int
	Count               int // how often the block ran (0 or 1 in set mode)
}

// pos identifies a block within a file: blocks with the same pos are the
// same block, seen in several runs.
type pos struct {
	startLine, startCol, endLine, endCol int
}

func (b Block) pos() pos { return pos{b.StartLine, b.StartCol, b.EndLine, b.EndCol} }

// File is the coverage of one source file.
type File struct {
	// Name is the file as the profile names it: an import path
	// ("example.com/mod/pkg/file.go") in a Go profile, a path (relative or
	// absolute) in Cobertura and LCOV.
	Name   string
	Format Format
	// Sources are the directories a Cobertura report lists in its
	// <source> elements; relative Names are relative to one of them.
	Sources []string
	// Blocks are sorted by start position; each position appears once.
	Blocks []Block
}

// Profile is the coverage data of one or more merged profiles.
type Profile struct {
	// Name names the input(s), for messages: the file name given to Parse,
	// or the names of merged profiles joined by ", ".
	Name string
	// Mode is the Go coverage mode ("set", "count" or "atomic") of the
	// first Go profile; "count" for Cobertura and LCOV, whose hits are
	// counts. In set mode, merged counts are or-ed, otherwise summed.
	Mode string
	// Files are sorted by Name (then Format).
	Files []*File
}

// maxValue bounds every line, column and statement count a profile may
// hold: larger values are not from a real source file, and bounding them
// keeps the arithmetic and the line tables of Analyze finite.
const maxValue = 1 << 24

// ParseError is a malformed profile. Its message names the file and, when
// known, the line: `parsing coverprofile "cover.out": line 12: bad block
// "x": ...`.
type ParseError struct {
	Format Format
	Name   string // the profile's file name
	Line   int    // 1-based; 0 when not known
	Err    error
}

func (e *ParseError) Error() string {
	what := "coverage profile"
	switch e.Format {
	case FormatGo:
		what = "coverprofile"
	case FormatCobertura:
		what = "Cobertura XML"
	case FormatLCOV:
		what = "LCOV file"
	}
	if e.Line > 0 {
		return fmt.Sprintf("parsing %s %q: line %d: %v", what, e.Name, e.Line, e.Err)
	}
	return fmt.Sprintf("parsing %s %q: %v", what, e.Name, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

func parseErr(format Format, name string, line int, err error) error {
	return exitcode.InputError(&ParseError{Format: format, Name: name, Line: line, Err: err})
}

// ParseFile reads the profile at path. A missing file is an input error.
func ParseFile(path string, format Format) (*Profile, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, exitcode.Inputf("reading coverage profile: %w", err)
	}
	if err != nil {
		return nil, exitcode.Infraf("reading coverage profile: %w", err)
	}
	defer f.Close()
	return Parse(f, path, format)
}

// Parse reads one profile from r; name names it in errors. With FormatAuto
// the format is detected from the first bytes: "mode:" (or a Go block
// line) is a Go coverprofile, "<" starts Cobertura XML, an LCOV key such
// as "TN:" or "SF:" starts LCOV.
func Parse(r io.Reader, name string, format Format) (*Profile, error) {
	br := newPeekReader(r)
	if format == FormatAuto {
		head, err := br.head(4096)
		if err != nil {
			return nil, exitcode.Infraf("reading coverage profile %q: %w", name, err)
		}
		format, err = Detect(head)
		if err != nil {
			return nil, parseErr(FormatAuto, name, 0, err)
		}
	}
	switch format {
	case FormatGo:
		return parseGo(br, name)
	case FormatCobertura:
		return parseCobertura(br, name)
	case FormatLCOV:
		return parseLCOV(br, name)
	}
	return nil, exitcode.Inputf("unknown coverage format %q (want go, cobertura, lcov or auto)", string(format))
}

// Detect tells the format of a profile from its first bytes.
func Detect(head []byte) (Format, error) {
	s := bytes.TrimLeft(head, " \t\r\n\ufeff") // \ufeff: a byte order mark
	if len(s) == 0 {
		return "", errors.New("empty file (want a Go coverprofile, Cobertura XML or LCOV)")
	}
	if s[0] == '<' {
		return FormatCobertura, nil
	}
	line := s
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimRight(line, "\r")
	if bytes.HasPrefix(line, []byte("mode:")) {
		return FormatGo, nil
	}
	if key, _, ok := bytes.Cut(line, []byte(":")); ok && lcovKeys[string(key)] {
		return FormatLCOV, nil
	}
	if _, _, err := parseGoBlock(line); err == nil {
		return FormatGo, nil // a Go profile without its mode line; parseGo says so
	}
	return "", fmt.Errorf("cannot tell the format from %q (want a Go coverprofile, Cobertura XML or LCOV; or set the format)", abbrev(line, 40))
}

// lcovKeys are the record keys of the LCOV tracefile format (geninfo(1)).
var lcovKeys = map[string]bool{
	"TN": true, "SF": true, "VER": true, "FN": true, "FNDA": true, "FNF": true, "FNH": true,
	"FNL": true, "FNA": true, "BRDA": true, "BRF": true, "BRH": true, "DA": true, "LF": true,
	"LH": true, "end_of_record": true,
}

// abbrev shortens s for an error message.
func abbrev(s []byte, n int) string {
	if len(s) <= n {
		return string(s)
	}
	return string(s[:n]) + "..."
}

// peekReader lets Parse look at the head of a stream and then read all of it.
type peekReader struct {
	r   io.Reader
	buf []byte // peeked bytes not yet read
}

func newPeekReader(r io.Reader) *peekReader { return &peekReader{r: r} }

func (p *peekReader) head(n int) ([]byte, error) {
	for len(p.buf) < n {
		chunk := make([]byte, n-len(p.buf))
		m, err := p.r.Read(chunk)
		p.buf = append(p.buf, chunk[:m]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return p.buf, nil
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.buf) > 0 {
		n := copy(b, p.buf)
		p.buf = p.buf[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// builder accumulates blocks, merging repeated ones.
type builder struct {
	format Format
	mode   string
	// files holds the accumulated files by format and key: the name,
	// prefixed by the Cobertura sources when there are any.
	files map[Format]map[string]*fileAcc
	last  *fileAcc // the file of the previous block, for runs of one file
}

type fileAcc struct {
	file  *File
	index map[pos]int
	// next is the index of the block expected next: merged profiles
	// repeat the blocks of a file in the same order, so checking it first
	// spares most map lookups.
	next int
}

func newBuilder(format Format) *builder {
	return &builder{format: format, files: map[Format]map[string]*fileAcc{}}
}

// fileFor returns the accumulator of the named file. name may be a
// temporary view of a buffer: it is copied when the file is new.
func (b *builder) fileFor(name []byte, sources []string) *fileAcc {
	if len(sources) == 0 {
		if b.last != nil && b.last.file.Format == b.format && len(b.last.file.Sources) == 0 && b.last.file.Name == string(name) {
			return b.last
		}
		if acc := b.files[b.format][string(name)]; acc != nil {
			b.last = acc
			return acc
		}
	}
	key := string(name)
	if len(sources) > 0 {
		key = strings.Join(sources, "\x00") + "\x01" + key
	}
	byName := b.files[b.format]
	if byName == nil {
		byName = map[string]*fileAcc{}
		b.files[b.format] = byName
	}
	acc := byName[key]
	if acc == nil {
		acc = &fileAcc{file: &File{Name: string(name), Format: b.format, Sources: sources}, index: map[pos]int{}}
		byName[key] = acc
	}
	b.last = acc
	return acc
}

// errInconsistent reports a block seen with two statement counts.
type errInconsistent struct {
	file       string
	p          pos
	was, found int
}

func (e *errInconsistent) Error() string {
	return fmt.Sprintf("inconsistent NumStmt for %s:%d.%d,%d.%d: changed from %d to %d",
		e.file, e.p.startLine, e.p.startCol, e.p.endLine, e.p.endCol, e.was, e.found)
}

// add merges one block into the file: a block seen before adds its count
// (or-s it in set mode) and must have the same number of statements.
func (a *fileAcc) add(blk Block, setMode bool) error {
	p := blk.pos()
	i, ok := a.next, false
	if i < len(a.file.Blocks) && a.file.Blocks[i].pos() == p {
		ok = true
	} else {
		i, ok = a.index[p]
	}
	if ok {
		a.next = i + 1
		old := &a.file.Blocks[i]
		if old.NumStmt != blk.NumStmt {
			return &errInconsistent{file: a.file.Name, p: p, was: old.NumStmt, found: blk.NumStmt}
		}
		old.Count = mergeCount(old.Count, blk.Count, setMode)
		return nil
	}
	a.index[p] = len(a.file.Blocks)
	a.file.Blocks = append(a.file.Blocks, blk)
	a.next = len(a.file.Blocks)
	return nil
}

// mergeCount combines the counts of one block from two runs the way
// golang.org/x/tools/cover does: or in set mode, a (saturating) sum
// otherwise.
func mergeCount(a, b int, setMode bool) int {
	if setMode {
		return a | b
	}
	if s := a + b; s >= a {
		return s
	}
	return int(^uint(0) >> 1)
}

// profile returns the accumulated profile with sorted files and blocks.
func (b *builder) profile(name string) *Profile {
	p := &Profile{Name: name, Mode: b.mode, Files: []*File{}}
	for _, byName := range b.files {
		for _, acc := range byName {
			sortBlocks(acc.file.Blocks)
			p.Files = append(p.Files, acc.file)
		}
	}
	sortFiles(p.Files)
	return p
}

func sortBlocks(bs []Block) {
	if slices.IsSortedFunc(bs, cmpBlocks) {
		return
	}
	slices.SortFunc(bs, cmpBlocks)
}

func cmpBlocks(a, b Block) int {
	if lessPos(a.pos(), b.pos()) {
		return -1
	}
	if a.pos() == b.pos() {
		return 0
	}
	return 1
}

func lessPos(a, b pos) bool {
	return cmp.Or(
		cmp.Compare(a.startLine, b.startLine),
		cmp.Compare(a.startCol, b.startCol),
		cmp.Compare(a.endLine, b.endLine),
		cmp.Compare(a.endCol, b.endCol),
	) < 0
}

func sortFiles(fs []*File) {
	sort.Slice(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Format != b.Format {
			return a.Format < b.Format
		}
		return strings.Join(a.Sources, "\x00") < strings.Join(b.Sources, "\x00")
	})
}

// Merge combines profiles into one, as if their runs were one: a block
// present in several profiles counts once, covered when any run covered
// it (counts are summed, or or-ed when the first profile is in set mode).
// A block with different statement counts in two profiles is an input
// error: the profiles are of different source versions.
func Merge(ps ...*Profile) (*Profile, error) {
	if len(ps) == 1 && ps[0] != nil {
		return ps[0], nil
	}
	b := newBuilder(FormatAuto)
	var names []string
	for _, p := range ps {
		if p == nil {
			continue
		}
		names = append(names, p.Name)
		if b.mode == "" {
			b.mode = p.Mode
		}
		for _, f := range p.Files {
			b.format = f.Format
			b.last = nil
			acc := b.fileFor([]byte(f.Name), f.Sources)
			for _, blk := range f.Blocks {
				if err := acc.add(blk, b.mode == "set"); err != nil {
					return nil, exitcode.Inputf("merging coverage profiles %s: %v (profile %q is of another version of the source)",
						strings.Join(names[:len(names)-1], ", "), err, p.Name)
				}
			}
		}
	}
	return b.profile(strings.Join(names, ", ")), nil
}

// infraErr classifies err as an infrastructure failure.
func infraErr(err error) error { return exitcode.InfraError(err) }
