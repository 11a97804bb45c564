package output

import "testing"

func TestClean(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"Contoso Ltd", "Contoso Ltd"},
		{"Zoë Ñandú 東京", "Zoë Ñandú 東京"},
		{"title \x1b]0;owned\x07 after", "title  after"},
		{"title \x1b]2;owned\x1b\\ after", "title  after"},
		{"osc8 \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\", "osc8 link"},
		{"clear\x1b[2J\x1b[H screen", "clear screen"},
		{"colour \x1b[1;31mred\x1b[0m", "colour red"},
		{"csi 8-bit \u009b31mred", "csi 8-bit red"},
		{"osc 8-bit \u009d0;title\u009c end", "osc 8-bit  end"},
		{"dcs \x1bPq#0;2;0;0;0\x1b\\ sixel", "dcs  sixel"},
		{"charset \x1b(0 x", "charset  x"},
		{"keypad \x1b= x", "keypad  x"},
		{"bell\a nul\x00 bs\b del\x7f", "bell nul bs del"},
		{"line\r\nbreak\nand\ttab", "line break and tab"},
		{"nel\u0085ls\u2028ps\u2029", "nel ls ps "},
		{"bad utf8 \xff\xfe", "bad utf8 \uFFFD\uFFFD"},
		{"unterminated \x1b]0;title", "unterminated "},
		{"trailing esc \x1b", "trailing esc "},
		{"broken csi \x1b[12\x07x", "broken csi x"},
	} {
		if got := Clean(c.in); got != c.want {
			t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"a\x1b[31mb", "\x1b]0;t\x07", "\u009b1m", "\r\n", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Clean(s)
		for _, r := range got {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("Clean(%q) = %q keeps control %U", s, got, r)
			}
		}
		if Clean(got) != got {
			t.Fatalf("Clean is not idempotent on %q", s)
		}
	})
}

func TestCSVSafe(t *testing.T) {
	t.Parallel()
	got := csvSafe([]string{"=HYPERLINK(\"x\")", "+1", "-3.5", "@SUM(A1)", "plain", "-"})
	want := []string{"'=HYPERLINK(\"x\")", "+1", "-3.5", "'@SUM(A1)", "plain", "'-"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d: %q, want %q", i, got[i], want[i])
		}
	}
}
