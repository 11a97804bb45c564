package tui

import "strings"

// bigGlyphs is a three-row block font for device codes: Entra ID user codes
// are letters and digits, and a code read off a screen across a room is
// easier to type when it is large.
var bigGlyphs = map[rune][3]string{
	'A': {"┏━┓", "┣━┫", "╹ ╹"}, 'B': {"┏┓ ", "┣┻┓", "┗━┛"}, 'C': {"┏━╸", "┃  ", "┗━╸"},
	'D': {"┏━┓", "┃ ┃", "┻━┛"}, 'E': {"┏━╸", "┣╸ ", "┗━╸"}, 'F': {"┏━╸", "┣╸ ", "╹  "},
	'G': {"┏━╸", "┃╺┓", "┗━┛"}, 'H': {"╻ ╻", "┣━┫", "╹ ╹"}, 'I': {"╺┳╸", " ┃ ", "╺┻╸"},
	'J': {"  ╻", "  ┃", "┗━┛"}, 'K': {"╻┏ ", "┣┻┓", "╹ ╹"}, 'L': {"╻  ", "┃  ", "┗━╸"},
	'M': {"┏┳┓", "┃┃┃", "╹ ╹"}, 'N': {"┏┓╻", "┃┗┫", "╹ ╹"}, 'O': {"┏━┓", "┃ ┃", "┗━┛"},
	'P': {"┏━┓", "┣━┛", "╹  "}, 'Q': {"┏━┓", "┃┓┃", "┗┻┛"}, 'R': {"┏━┓", "┣┳┛", "╹┗╸"},
	'S': {"┏━┓", "┗━┓", "┗━┛"}, 'T': {"╺┳╸", " ┃ ", " ╹ "}, 'U': {"╻ ╻", "┃ ┃", "┗━┛"},
	'V': {"╻ ╻", "┃┏┛", "┗┛ "}, 'W': {"╻ ╻", "┃╻┃", "┗┻┛"}, 'X': {"╻ ╻", "┏╋┛", "╹ ╹"},
	'Y': {"╻ ╻", "┗┳┛", " ╹ "}, 'Z': {"╺━┓", "┏━┛", "┗━╸"},
	'0': {"┏━┓", "┃╱┃", "┗━┛"}, '1': {"╺┓ ", " ┃ ", "╺┻╸"}, '2': {"╺━┓", "┏━┛", "┗━╸"},
	'3': {"╺━┓", " ━┫", "╺━┛"}, '4': {"╻ ╻", "┗━┫", "  ╹"}, '5': {"┏━╸", "┗━┓", "╺━┛"},
	'6': {"┏━╸", "┣━┓", "┗━┛"}, '7': {"╺━┓", "  ┃", "  ╹"}, '8': {"┏━┓", "┣━┫", "┗━┛"},
	'9': {"┏━┓", "┗━┫", "╺━┛"}, '-': {"   ", "╺━╸", "   "},
}

// bigCode renders code in the block font, or "" when a character has no
// glyph or the result would be wider than width.
func bigCode(code string, width int) string {
	var rows [3]strings.Builder
	n := 0
	for _, r := range strings.ToUpper(code) {
		g, ok := bigGlyphs[r]
		if !ok {
			return ""
		}
		for i := range rows {
			if n > 0 {
				rows[i].WriteString(" ")
			}
			rows[i].WriteString(g[i])
		}
		n++
	}
	if n == 0 || n*4-1 > width {
		return ""
	}
	return rows[0].String() + "\n" + rows[1].String() + "\n" + rows[2].String()
}
