package assets

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
)

//go:embed help/*.md help/pal.json
var help embed.FS

// Help returns an embedded help text (help/<name>.md) without its final newline.
func Help(name string) (string, error) {
	b, err := help.ReadFile("help/" + name + ".md")
	if err != nil {
		return "", fmt.Errorf("no embedded help text %q: %w", name, err)
	}
	return strings.TrimRight(string(b), "\n"), nil
}

// ProductRule is how one product decides which account a resource is
// attributed to, from the PAL guidance.
type ProductRule struct {
	Product  string   `json:"product"`
	Metric   string   `json:"metric"`
	Resource string   `json:"resource"`
	Rule     string   `json:"rule"`
	Notes    []string `json:"notes"`
}

// ToolingRow says which tools can change a product's owner.
type ToolingRow struct {
	Product   string `json:"product"`
	Supported []bool `json:"supported"`
}

// ToolingTable is one of the PAL guidance's tooling compatibility tables.
type ToolingTable struct {
	Title   string       `json:"title"`
	Caption string       `json:"caption"`
	Tools   []string     `json:"tools"`
	Rows    []ToolingRow `json:"rows"`
}

// PALGuide is the attribution guidance the wizard teaches.
type PALGuide struct {
	Products []ProductRule  `json:"products"`
	Tooling  []ToolingTable `json:"tooling"`
}

// Guide returns the product rules and tooling tables.
func Guide() (PALGuide, error) {
	var g PALGuide
	b, err := help.ReadFile("help/pal.json")
	if err != nil {
		return g, fmt.Errorf("read the PAL guide: %w", err)
	}
	if err := json.Unmarshal(b, &g); err != nil {
		return g, fmt.Errorf("parse the PAL guide: %w", err)
	}
	for _, t := range g.Tooling {
		for _, r := range t.Rows {
			if len(r.Supported) != len(t.Tools) {
				return g, fmt.Errorf("PAL guide: %q row %q has %d answers for %d tools", t.Title, r.Product, len(r.Supported), len(t.Tools))
			}
		}
	}
	return g, nil
}
