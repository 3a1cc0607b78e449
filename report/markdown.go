package report

import (
	"html"
	"strings"

	"github.com/goldenci/golden/internal/text"
)

// mdEscaper escapes text for a Markdown table cell or paragraph: it keeps
// the table intact (|), stops text from turning into markup (emphasis,
// links, code, HTML) and keeps it on one line.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`,
	"|", `\|`,
	"`", "\\`",
	"*", `\*`,
	"_", `\_`,
	"[", `\[`,
	"]", `\]`,
	"~", `\~`,
	"#", `\#`,
	"<", "&lt;",
	">", "&gt;",
	"&", "&amp;",
)

// mdText escapes s as one line of Markdown text, at most n runes.
func mdText(s string, n int) string {
	return mdEscaper.Replace(text.Truncate(text.OneLine(s), n))
}

// mdCode renders s as inline code that survives a table cell: the fence is
// longer than any run of backticks in s, and | is escaped (GitHub splits
// table cells before it parses code spans).
func mdCode(s string) string {
	s = text.OneLine(s)
	if s == "" {
		return ""
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	s = strings.ReplaceAll(s, "|", `\|`)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// mdBlock renders s as a fenced code block.
func mdBlock(s string) string {
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	return fence + "text\n" + s + "\n" + fence + "\n"
}

// htmlText escapes s for HTML inside Markdown (<summary>, <code>).
func htmlText(s string, n int) string {
	return html.EscapeString(text.Truncate(text.OneLine(s), n))
}

// longestRun is the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	longest, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			cur++
			longest = max(longest, cur)
		} else {
			cur = 0
		}
	}
	return longest
}
