// Package assets holds palwiz's embedded data: the simulated cloud's scenarios,
// help texts and the PAL rule tables.
package assets

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed scenarios/*.json
var scenarios embed.FS

// DefaultScenario is the scenario `palwiz demo` and `palwiz sim` use.
const DefaultScenario = "demo"

// Scenario returns the JSON of an embedded scenario.
func Scenario(name string) ([]byte, error) {
	b, err := scenarios.ReadFile("scenarios/" + name + ".json")
	if err != nil {
		return nil, fmt.Errorf("no embedded scenario %q (there are: %s)", name, strings.Join(ScenarioNames(), ", "))
	}
	return b, nil
}

// ScenarioNames lists the embedded scenarios.
func ScenarioNames() []string {
	ents, _ := fs.ReadDir(scenarios, "scenarios")
	var out []string
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(out)
	return out
}
