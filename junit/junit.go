// Package junit reads JUnit XML test reports, as pytest (--junitxml) and
// Node's built-in test runner (--test-reporter=junit) write them, into
// golden's result model: one result.TestCase per <testcase>.
//
// The report is <testsuites> or a single <testsuite> at the root;
// <testsuite> elements may nest (Node writes a describe() block as a nested
// suite). A case has failed when it holds a <failure> or an <error>, was
// skipped when it holds a <skipped> (pytest also reports xfail that way,
// Node its todo tests), and passed otherwise. Its time attribute, in
// seconds, becomes TestCase.Seconds; the message and text of the failure,
// error or skip, and for a failed case its <system-out> and <system-err>,
// become TestCase.Output.
//
// Suite and Name: a case's classname is its suite ("tests.test_app" for
// pytest, the class for JUnit proper), and when it has none, the name of
// the innermost <testsuite> around it. Node's reporter writes the
// placeholder classname "test" on every case; for those the suite is the
// case's file attribute (newer Node versions write one) or else the
// outermost describe block ("" for a top-level test), and the names of the
// describe blocks below it are joined to the test's name with "/", as go
// test names subtests: "routes/errors/GET /nope".
//
// Errors are classified for golden's exit codes: a report that is empty,
// not XML or not JUnit is bad input (exit 2), and the message names the
// file and, where it applies, the line.
package junit

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/result"
)

// nodePlaceholder is the classname Node's junit reporter gives every case.
const nodePlaceholder = "test"

// ParseFile reads the JUnit XML report at path. A missing file is an input
// error (exit 2) wrapping fs.ErrNotExist.
func ParseFile(path string) ([]result.TestCase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, exitcode.InputError(fmt.Errorf("reading JUnit report: %w", err))
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse reads a JUnit XML report from r; name (the file name) is used in
// errors. The cases come in document order. A report without any test case
// is not an error (the caller decides whether running nothing passes).
func Parse(r io.Reader, name string) ([]result.TestCase, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, exitcode.InputError(fmt.Errorf("reading JUnit report %q: %w", name, err))
	}
	p := &parser{d: xml.NewDecoder(bytes.NewReader(data))}
	p.d.CharsetReader = charsetReader
	cases, err := p.parse()
	if err != nil {
		if len(bytes.TrimSpace(data)) == 0 {
			err = errors.New("the report is empty")
		}
		return nil, exitcode.InputError(fmt.Errorf("parsing JUnit report %q: %w", name, err))
	}
	return cases, nil
}

// charsetReader accepts the encodings that are UTF-8 under another name;
// JUnit writers use UTF-8.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return input, nil
	}
	return nil, fmt.Errorf("encoding %q is not supported (want UTF-8)", charset)
}

type parser struct {
	d     *xml.Decoder
	cases []result.TestCase
	// suites are the names of the <testsuite> elements around the
	// current position, outermost first.
	suites []string
}

// errorf returns an error at the decoder's current line.
func (p *parser) errorf(format string, args ...any) error {
	line, _ := p.d.InputPos()
	return fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...))
}

// token returns the next token, with the line of a syntax error in
// the message.
func (p *parser) token() (xml.Token, error) {
	tok, err := p.d.Token()
	if err == nil || err == io.EOF {
		return tok, err
	}
	var syn *xml.SyntaxError
	if errors.As(err, &syn) {
		return nil, fmt.Errorf("line %d: %s", syn.Line, syn.Msg)
	}
	return nil, p.errorf("%v", err)
}

// inner reads the next token inside an element, where the end of the
// report is an error.
func (p *parser) inner() (xml.Token, error) {
	tok, err := p.token()
	if err == io.EOF {
		return nil, p.errorf("unexpected end of the report")
	}
	return tok, err
}

func (p *parser) parse() ([]result.TestCase, error) {
	root := false
	for {
		tok, err := p.token()
		if err == io.EOF {
			if !root {
				return nil, errors.New("no root element: not a JUnit XML report")
			}
			if p.cases == nil {
				p.cases = []result.TestCase{}
			}
			return p.cases, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root {
				return nil, p.errorf("element <%s> after the root element", t.Name.Local)
			}
			root = true
			switch t.Name.Local {
			case "testsuites":
				if err := p.children(); err != nil {
					return nil, err
				}
			case "testsuite":
				if err := p.suite(t); err != nil {
					return nil, err
				}
			default:
				return nil, p.errorf("root element <%s>: not a JUnit XML report (want <testsuites> or <testsuite>)", t.Name.Local)
			}
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, p.errorf("text outside the root element: not a JUnit XML report")
			}
		}
	}
}

// children reads the content of a <testsuites> or <testsuite> up to its
// end element.
func (p *parser) children() error {
	for {
		tok, err := p.inner()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var err error
			switch t.Name.Local {
			case "testsuite":
				err = p.suite(t)
			case "testcase":
				err = p.testcase(t)
			default: // properties, system-out, system-err, ...
				err = p.skip()
			}
			if err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

func (p *parser) suite(start xml.StartElement) error {
	p.suites = append(p.suites, attr(start, "name"))
	defer func() { p.suites = p.suites[:len(p.suites)-1] }()
	return p.children()
}

// skip skips the rest of the element just started.
func (p *parser) skip() error {
	if err := p.d.Skip(); err != nil {
		if err == io.EOF {
			return p.errorf("unexpected end of the report")
		}
		var syn *xml.SyntaxError
		if errors.As(err, &syn) {
			return fmt.Errorf("line %d: %s", syn.Line, syn.Msg)
		}
		return p.errorf("%v", err)
	}
	return nil
}

// outcome is what the children of a <testcase> say.
type outcome struct {
	failed, skipped bool
	detail          []string // failure, error and skip messages and text
	output          []string // system-out and system-err
}

func (p *parser) testcase(start xml.StartElement) error {
	line, _ := p.d.InputPos()
	name := attr(start, "name")
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("line %d: <testcase> without a name", line)
	}
	seconds, err := parseTime(attr(start, "time"))
	if err != nil {
		return fmt.Errorf("line %d: testcase %q: %w", line, name, err)
	}
	var o outcome
	for done := false; !done; {
		tok, err := p.inner()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			done = true
		case xml.StartElement:
			text, err := p.text()
			if err != nil {
				return err
			}
			msg := attr(t, "message")
			switch t.Name.Local {
			case "failure", "error":
				o.failed = true
				o.detail = appendNonEmpty(o.detail, msg, text)
			case "skipped":
				o.skipped = true
				o.detail = appendNonEmpty(o.detail, msg, text)
			case "system-out", "system-err":
				o.output = appendNonEmpty(o.output, text)
			}
		}
	}
	tc := result.TestCase{Name: name, Seconds: seconds, Status: result.Passed}
	tc.Suite, tc.Name = p.suiteAndName(attr(start, "classname"), attr(start, "file"), name)
	switch {
	case o.failed:
		tc.Status = result.Failed
		tc.Output = strings.Join(append(o.detail, o.output...), "\n")
	case o.skipped:
		tc.Status = result.Skipped
		tc.Output = strings.Join(o.detail, "\n")
	}
	p.cases = append(p.cases, tc)
	return nil
}

// suiteAndName names a case; see the package documentation.
func (p *parser) suiteAndName(classname, file, name string) (string, string) {
	if classname != nodePlaceholder {
		if classname == "" && len(p.suites) > 0 {
			classname = p.suites[len(p.suites)-1]
		}
		return classname, name
	}
	path := p.suites
	suite := file
	if suite == "" && len(path) > 0 {
		suite, path = path[0], path[1:]
	}
	if len(path) > 0 {
		name = strings.Join(path, "/") + "/" + name
	}
	return suite, name
}

// text reads the character data of the element just started, up to its
// end, including that of any elements inside it.
func (p *parser) text() (string, error) {
	var b strings.Builder
	for depth := 1; depth > 0; {
		tok, err := p.inner()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			b.Write(t)
		}
	}
	return strings.TrimSpace(b.String()), nil
}

// parseTime reads a time attribute in seconds; empty is 0.
func parseTime(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, fmt.Errorf("bad time %q (want seconds, e.g. 0.25)", s)
	}
	return v, nil
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

func appendNonEmpty(list []string, values ...string) []string {
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			list = append(list, v)
		}
	}
	return list
}
