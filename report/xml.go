package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"unicode/utf8"
)

// xmlHeader starts every XML report.
const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// xmlSafe replaces what XML 1.0 cannot hold (control characters such as
// the ESC of ANSI colours, invalid UTF-8) with U+FFFD. encoding/xml does
// this for attributes and escaped text, but not for CDATA.
func xmlSafe(s string) string {
	ok := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || !xmlChar(r) {
			ok = false
			break
		}
		i += n
	}
	if ok {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if (r == utf8.RuneError && n == 1) || !xmlChar(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}

// xmlChar is the Char production of XML 1.0.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// writeXML writes the header and the indented document.
func writeXML(buf *bytes.Buffer, doc any) error {
	buf.WriteString(xmlHeader)
	enc := xml.NewEncoder(buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encoding XML: %w", err)
	}
	buf.WriteString("\n")
	return nil
}
