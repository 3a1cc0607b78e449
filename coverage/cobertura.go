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
	b := newBuilder(FormatCobertura)
	b.mode = "count"
	// A failure of the reader is infrastructure; anything else the
	// decoder refuses (a syntax error, an unsupported XML version or
	// encoding) is the report's fault.
	rr := &recordingReader{r: r}
	dec := xml.NewDecoder(rr)
	var (
		stack    []string // local names of the open elements
		sources  []string
		inSource bool
		source   strings.Builder
		class    *fileAcc
		file     string // filename of the open class
		rooted   bool
	)
	lineOf := func() int { l, _ := dec.InputPos(); return l }
	fail := func(format string, args ...any) error {
		return parseErr(FormatCobertura, name, lineOf(), fmt.Errorf(format, args...))
	}
	for {
		tok, err := dec.Token()
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
			return nil, parseErr(FormatCobertura, name, lineOf(), errors.New(strings.TrimPrefix(err.Error(), "xml: ")))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			el := t.Name.Local
			if len(stack) == 0 {
				if el != "coverage" {
					return nil, fail("root element is <%s>, want <coverage>", abbrev([]byte(el), 40))
				}
				rooted = true
			}
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			stack = append(stack, el)
			switch {
			case el == "source" && parent == "sources":
				inSource = true
				source.Reset()
			case el == "class":
				fn, ok := attr(t, "filename")
				if !ok || strings.TrimSpace(fn) == "" {
					return nil, fail("<class> without a filename attribute")
				}
				file = fn
				class = nil
			case el == "line" && parent == "lines" && len(stack) >= 3 && stack[len(stack)-3] == "class":
				if file == "" {
					return nil, fail("<line> outside a <class>")
				}
				num, err := intAttr(t, "number", maxValue)
				if err != nil {
					return nil, fail("<line>: %v", err)
				}
				if num < 1 {
					return nil, fail("<line>: number %d (lines count from 1)", num)
				}
				hits, err := intAttr(t, "hits", -1)
				if err != nil {
					return nil, fail("<line number=%q>: %v", strconv.Itoa(num), err)
				}
				if class == nil {
					class = b.fileFor([]byte(file), append([]string(nil), sources...))
				}
				// Repeated lines of one file are summed; NumStmt is always 1.
				_ = class.add(Block{StartLine: num, EndLine: num, NumStmt: 1, Count: hits}, false)
			}
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, fail("unexpected </%s>", t.Name.Local)
			}
			el := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch el {
			case "source":
				if inSource {
					inSource = false
					if s := strings.TrimSpace(source.String()); s != "" {
						sources = append(sources, s)
					}
				}
			case "class":
				file, class = "", nil
			}
		case xml.CharData:
			if inSource {
				source.Write(t)
			}
		}
	}
	if !rooted {
		return nil, parseErr(FormatCobertura, name, 0, errors.New("no <coverage> element"))
	}
	if len(stack) > 0 {
		return nil, parseErr(FormatCobertura, name, lineOf(), fmt.Errorf("unexpected end of file inside <%s>", stack[len(stack)-1]))
	}
	return b.profile(name), nil
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
