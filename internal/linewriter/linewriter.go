// Package linewriter writes the progress of git and of golden's steps to
// a log a line at a time, each with a prefix ("golden bump: ").
package linewriter

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Writer writes each line it gets to w with a prefix. Progress
// that redraws a line with carriage returns ("Counting objects: 40%\r")
// keeps only the final state of the line.
type Writer struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	buf    bytes.Buffer
}

// New returns a Writer writing to w with prefix before every line.
func New(w io.Writer, prefix string) *Writer {
	return &Writer{w: w, prefix: prefix}
}

func (p *Writer) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf.Write(b)
	for {
		line, err := p.buf.ReadString('\n')
		if err != nil {
			// An incomplete line: keep it for the next write.
			p.buf.Reset()
			p.buf.WriteString(line)
			break
		}
		p.emit(line)
	}
	return len(b), nil
}

func (p *Writer) emit(line string) {
	line = strings.TrimRight(line, "\r\n")
	if i := strings.LastIndexByte(strings.TrimRight(line, "\r"), '\r'); i >= 0 {
		line = line[i+1:]
	}
	line = strings.TrimSpace(line)
	if line == "" {
		return
	}
	_, _ = fmt.Fprintf(p.w, "%s%s\n", p.prefix, line)
}

// Flush writes what is left of an incomplete line.
func (p *Writer) Flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.buf.Len() > 0 {
		p.emit(p.buf.String())
		p.buf.Reset()
	}
}
