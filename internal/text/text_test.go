package text

import "testing"

func TestText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, got, want string
	}{
		{"one line", OneLine("  a\tb\r\n\n c  "), "a b c"},
		{"truncate short", Truncate("héllo", 5), "héllo"},
		{"truncate", Truncate("héllo world", 5), "héll…"},
		{"clip short", Clip("abc", 3), "abc"},
		{"clip", Clip("abcdefgh", 6), "abc..."},
		{"clip keeps runes whole", Clip("aé€xyz", 7), "aé..."},
		{"clip invalid utf-8", Clip("a\xffb", 10), "a\uFFFDb"},
		{"clip tiny", Clip("abcdef", 2), "..."},
		{"first line", FirstLine("\n  \n first \nsecond"), "first"},
		{"first line of nothing", FirstLine(" \n"), ""},
		{"last lines", LastLines("a\n\nb\r\nc\n\n", 2), "b\nc"},
		{"last lines, fewer", LastLines("a\n", 5), "a"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}
