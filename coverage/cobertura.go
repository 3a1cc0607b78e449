package coverage

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// parseCobertura reads a Cobertura XML report (coverage-04.dtd, as written
// by gcovr, coverage.py, istanbul, JaCoCo converters and others):
//
//	<coverage ...>
//	  <sources><source>/repo/src</source></sources>
//	  <packages><package name="pkg"><classes>
//	    <class name="a" filename="pkg/a.py">
//	      <lines><line number="3" hits="1" branch="false"/></lines>
//
// Each <line> of a class's <lines> is one "statement"; the per-method
// copies under <methods> are skipped, and a line listed by several classes
// of one file counts once.
func parseCobertura(r io.Reader, name string) (*Profile, error) {
	// A failure of the reader is infrastructure; anything else the
	// decoder refuses (a syntax error, an unsupported XML version or
	// encoding) is the report's fault.
	rr := &recordingReader{r: r}
	p := &coberturaParser{name: name, b: newBuilder(FormatCobertura), dec: xml.NewDecoder(rr)}
	p.b.mode = "count"
	for {
		tok, err := p.dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			switch {
			case errors.As(err, &se):
				return nil, parseErr(FormatCobertura, name, se.Line, errors.New(se.Msg))
			case rr.err != nil:
				return nil, readErr(name, rr.err)
			}
			return nil, p.fail("%s", strings.TrimPrefix(err.Error(), "xml: "))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			err = p.start(t)
		case xml.EndElement:
			err = p.end(t)
		case xml.CharData:
			if p.inSource {
				p.source.Write(t)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if !p.rooted {
		return nil, parseErr(FormatCobertura, name, 0, errors.New("no <coverage> element"))
	}
	if len(p.stack) > 0 {
		return nil, p.fail("unexpected end of file inside <%s>", p.stack[len(p.stack)-1])
	}
	return p.b.profile(name), nil
}

// coberturaParser is the state of one Cobertura report's parse.
type coberturaParser struct {
	name     string
	b        *builder
	dec      *xml.Decoder
	stack    []string // local names of the open elements
	sources  []string
	inSource bool
	source   strings.Builder
	class    *fileAcc
	file     string // filename of the open class
	rooted   bool
}

// fail is an error at the decoder's line.
func (p *coberturaParser) fail(format string, args ...any) error {
	l, _ := p.dec.InputPos()
	return parseErr(FormatCobertura, p.name, l, fmt.Errorf(format, args...))
}

// start opens an element: the root, a source, a class, a line.
func (p *coberturaParser) start(t xml.StartElement) error {
	el := t.Name.Local
	if len(p.stack) == 0 {
		if el != "coverage" {
			return p.fail("root element is <%s>, want <coverage>", abbrev([]byte(el), 40))
		}
		p.rooted = true
	}
	parent := ""
	if len(p.stack) > 0 {
		parent = p.stack[len(p.stack)-1]
	}
	p.stack = append(p.stack, el)
	switch {
	case el == "source" && parent == "sources":
		p.inSource = true
		p.source.Reset()
	case el == "class":
		fn, ok := attr(t, "filename")
		if !ok || strings.TrimSpace(fn) == "" {
			return p.fail("<class> without a filename attribute")
		}
		p.file, p.class = fn, nil
	case el == "line" && parent == "lines" && len(p.stack) >= 3 && p.stack[len(p.stack)-3] == "class":
		return p.line(t)
	}
	return nil
}

// line adds a class's <line> to its file: one statement, its hits.
func (p *coberturaParser) line(t xml.StartElement) error {
	if p.file == "" {
		return p.fail("<line> outside a <class>")
	}
	num, err := intAttr(t, "number", maxValue)
	if err != nil {
		return p.fail("<line>: %w", err)
	}
	if num < 1 {
		return p.fail("<line>: number %d (lines count from 1)", num)
	}
	hits, err := intAttr(t, "hits", -1)
	if err != nil {
		return p.fail("<line number=%q>: %w", strconv.Itoa(num), err)
	}
	if p.class == nil {
		p.class = p.b.fileFor([]byte(p.file), append([]string(nil), p.sources...))
	}
	// Repeated lines of one file are summed; NumStmt is always 1.
	_ = p.class.add(Block{StartLine: num, EndLine: num, NumStmt: 1, Count: hits}, false)
	return nil
}

// end closes an element: a source's text is one source, a class ends.
func (p *coberturaParser) end(t xml.EndElement) error {
	if len(p.stack) == 0 {
		return p.fail("unexpected </%s>", t.Name.Local)
	}
	el := p.stack[len(p.stack)-1]
	p.stack = p.stack[:len(p.stack)-1]
	switch el {
	case "source":
		if p.inSource {
			p.inSource = false
			if s := strings.TrimSpace(p.source.String()); s != "" {
				p.sources = append(p.sources, s)
			}
		}
	case "class":
		p.file, p.class = "", nil
	}
	return nil
}

func attr(e xml.StartElement, name string) (string, bool) {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// intAttr reads a required non-negative integer attribute. limit bounds
// it (-1: any int).
func intAttr(e xml.StartElement, name string, limit int) (int, error) {
	v, ok := attr(e, name)
	if !ok {
		return 0, fmt.Errorf("missing %s attribute", name)
	}
	n, err := parseUint([]byte(strings.TrimSpace(v)), limit)
	if err != nil {
		return 0, fmt.Errorf("%s attribute: %w", name, err)
	}
	return n, nil
}

// recordingReader remembers the error of the reader it reads, other than
// io.EOF.
type recordingReader struct {
	r   io.Reader
	err error
}

func (rr *recordingReader) Read(p []byte) (int, error) {
	n, err := rr.r.Read(p)
	if err != nil && err != io.EOF {
		rr.err = err
	}
	return n, err
}
