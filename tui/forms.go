package tui

import (
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
)

// The wizard's questions are huh fields, built here once and used twice:
// embedded in the Bubble Tea screens, and run one by one in huh's
// accessible mode by RunAccessible. acc says which: the accessible build
// names the default in its title (accessible prompts do not show it) and
// puts in the options what the screens show beside the list.

// newForm wraps fields in a one-group form with the wizard's looks and
// keys. The screens render the fields themselves; the form moves the focus
// between them and reports completion with SubmitCmd.
func newForm(km keyMap, theme huh.Theme, fields ...huh.Field) *huh.Form {
	return huh.NewForm(huh.NewGroup(fields...)).
		WithTheme(theme).
		WithKeyMap(km.huhKeyMap()).
		WithShowHelp(false).
		WithShowErrors(false)
}

// withDefault names the answer an empty line takes, in an accessible title.
func withDefault(title, def string, acc bool) string {
	if acc && def != "" {
		return title + " (Enter for " + def + ")"
	}
	return title
}

// partnerIDField asks for the partner ID. def is what an empty accessible
// answer takes; the screen shows it in the field instead.
func partnerIDField(value *string, def string, acc bool) *huh.Input {
	return huh.NewInput().
		Title(withDefault("Your partner ID", def, acc)).
		Description("the Partner Location ID, usually 7 digits").
		Prompt("> ").
		Placeholder("7-digit Location ID").
		CharLimit(20).
		Value(value).
		Validate(func(s string) error {
			if acc && strings.TrimSpace(s) == "" && def != "" {
				return nil
			}
			_, _, err := checkPartnerID(s)
			if err != nil {
				return errors.New(errorText(err))
			}
			return nil
		})
}

// identityField asks which account the user delivers with.
func identityField(value *string, opts []identityOption, acc bool) *huh.Select[string] {
	var options []huh.Option[string]
	for _, o := range opts {
		label := o.label()
		if acc {
			c := o.choice
			label += ". " + c.Summary
			if len(c.Pros) > 0 {
				label += " Good: " + strings.Join(c.Pros, "; ") + "."
			}
			if len(c.Cons) > 0 {
				label += " Watch out: " + strings.Join(c.Cons, "; ") + "."
			}
		}
		options = append(options, huh.NewOption(label, o.key))
	}
	title := "Which account will you deliver with?"
	if acc {
		title += " (Enter for 1)"
	}
	return huh.NewSelect[string]().
		Title(title).
		Description("The linked account earns the credit for what it owns, so pick the one that will own your work in production.").
		Options(options...).
		Value(value)
}

// spValues are the service principal's sign-in values.
type spValues struct {
	tenant, clientID, kind, secret, certFile, certPassword string
}

// The ways a service principal proves who it is.
const (
	credSecret      = "secret"
	credCertificate = "certificate"
)

// credential is the secret or certificate as palwiz signs in with it.
func (v *spValues) credential() steps.SPCredential {
	if v.kind == credCertificate {
		return steps.SPCredential{CertFile: strings.TrimSpace(v.certFile), CertPassword: v.certPassword}
	}
	return steps.SPCredential{Secret: strings.TrimSpace(v.secret)}
}

// spChecks validate each service-principal value; the form and the
// "enter signs in from any field" rule use the same ones, and `palwiz
// login` checks its flags with the same steps functions.
var spChecks = struct{ tenant, clientID, secret, certFile func(string) error }{
	tenant:   steps.ValidateTenant,
	clientID: steps.ValidateClientID,
	secret: func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("enter the client secret's value")
		}
		return nil
	},
	certFile: func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("enter the path of the certificate file (PEM with its key, or PFX)")
		}
		return nil
	},
}

// complete says the values are enough to sign in, or what is missing first.
func (v *spValues) complete() (field int, err error) {
	checks := []error{spChecks.tenant(v.tenant), spChecks.clientID(v.clientID)}
	if v.kind == credCertificate {
		checks = append(checks, nil, spChecks.certFile(v.certFile))
	} else {
		checks = append(checks, nil, spChecks.secret(v.secret))
	}
	for i, err := range checks {
		if err != nil {
			return i, err
		}
	}
	return -1, nil
}

// spFields ask for the service principal: directory, application ID, and
// a secret or a certificate file. hideSecret asks for the secret without
// echo (a terminal); piped accessible input has nothing to hide.
func spFields(v *spValues, acc, hideSecret bool) []huh.Field {
	def := func(s string) string {
		if acc {
			return s
		}
		return ""
	}
	// An empty accessible answer takes the default; errors read as sentences.
	optional := func(s string, check func(string) error) func(string) error {
		return func(in string) error {
			if acc && strings.TrimSpace(in) == "" && s != "" {
				return nil
			}
			if err := check(in); err != nil {
				return errors.New(errorText(err))
			}
			return nil
		}
	}
	if v.kind == "" {
		v.kind = credSecret
	}
	secretDefault := def(v.secret)
	secret := huh.NewInput().Title(withDefault("Client secret", maskIf(secretDefault), acc)).
		Description("the secret's value, not its ID; palwiz never shows it, logs it or writes it to disk").
		Prompt("> ").Placeholder("the secret's value").Value(&v.secret).Validate(optional(secretDefault, spChecks.secret))
	password := huh.NewInput().Title("Certificate password").
		Description("only for a protected PFX file; leave it empty otherwise").
		Prompt("> ").Value(&v.certPassword)
	if hideSecret {
		secret.EchoMode(huh.EchoModePassword)
		password.EchoMode(huh.EchoModePassword)
	}
	isCert := func() bool { return v.kind == credCertificate }
	return []huh.Field{
		huh.NewInput().Title(withDefault("Directory", def(v.tenant), acc)).
			Description("the customer's tenant ID, or a domain such as contoso.onmicrosoft.com").
			Prompt("> ").Placeholder("contoso.onmicrosoft.com").Value(&v.tenant).Validate(optional(def(v.tenant), spChecks.tenant)),
		huh.NewInput().Title(withDefault("Application (client) ID", def(v.clientID), acc)).
			Prompt("> ").Placeholder("00000000-0000-0000-0000-000000000000").Value(&v.clientID).Validate(optional(def(v.clientID), spChecks.clientID)),
		huh.NewSelect[string]().Title("It proves who it is with").
			Options(huh.NewOption("a client secret", credSecret), huh.NewOption("a certificate file (PEM or PFX)", credCertificate)).
			Value(&v.kind),
		&optionalField{Field: secret, shown: func() bool { return !isCert() }},
		&optionalField{Field: huh.NewInput().Title("Certificate file").
			Description("a PEM file with the certificate and its private key, or a PFX/P12 file").
			Prompt("> ").Placeholder("./contoso-spn.pfx").Value(&v.certFile).Validate(optional("", spChecks.certFile)), shown: isCert},
		&optionalField{Field: password, shown: isCert},
	}
}

// maskIf names a default secret without showing it.
func maskIf(s string) string {
	if s == "" {
		return ""
	}
	return "the demo's secret"
}

// optionalField is a field that only counts while shown says so: hidden,
// it renders nothing and the form skips it.
type optionalField struct {
	huh.Field
	shown func() bool
}

func (o *optionalField) Skip() bool { return !o.shown() || o.Field.Skip() }

func (o *optionalField) Update(msg tea.Msg) (huh.Model, tea.Cmd) {
	_, cmd := o.Field.Update(msg)
	return o, cmd
}

func (o *optionalField) View() string {
	if !o.shown() {
		return ""
	}
	return o.Field.View()
}

// directoryField asks which directory to work in; the options carry each
// directory's state and are replaced as the checks come in.
func directoryField(value *string, options []huh.Option[string]) *huh.Select[string] {
	return huh.NewSelect[string]().
		Title("Which customer directory?").
		Description("A link is made in one directory at a time. palwiz links you in the current one, marked ●.").
		Options(options...).
		Value(value)
}

// newSelect is a list question of the accessible runner, with options
// given as label, value pairs; the title names the default's number.
func newSelect(title string, value *string, pairs ...string) *huh.Select[string] {
	var opts []huh.Option[string]
	for i := 0; i+1 < len(pairs); i += 2 {
		opts = append(opts, huh.NewOption(pairs[i], pairs[i+1]))
		if pairs[i+1] == *value {
			title += fmt.Sprintf(" (Enter for %d)", i/2+1)
		}
	}
	return huh.NewSelect[string]().Title(title).Options(opts...).Value(value)
}

// confirmField is a yes-or-no question.
func confirmField(title, description, yes, no string, value *bool) *huh.Confirm {
	return huh.NewConfirm().Title(title).Description(description).Affirmative(yes).Negative(no).Value(value).
		WithButtonAlignment(lipgloss.Left)
}

// quitField asks before quitting when work would be lost.
func quitField(reason string, value *bool) *huh.Confirm {
	return confirmField("Quit palwiz?", reason, "Quit", "Stay", value)
}

// fixesField chooses what palwiz changes: the changes it can make (ticked
// at first) and the advice a person may add (unticked, labelled as
// advice). width wraps each option to the screen (0: not wrapped, for the
// accessible prompts).
func fixesField(value *[]string, fixes []attribution.Fix, width int) *huh.MultiSelect[string] {
	return huh.NewMultiSelect[string]().Title("Changes palwiz can make").
		Options(fixOptions(fixes, width)...).Value(value).Height(1 + optionLines(fixes, width))
}

// fixOptions are the fixes as options, wrapped at width.
func fixOptions(fixes []attribution.Fix, width int) []huh.Option[string] {
	options := make([]huh.Option[string], len(fixes))
	for i, f := range fixes {
		options[i] = huh.NewOption(wrapOption(fixLabel(f), width), f.ID())
	}
	return options
}

// deliveredField asks which resources the partner delivered (none ticked
// at first): palwiz changes owners only of those.
func deliveredField(value *[]string, rows []attribution.Row, width int) *huh.MultiSelect[string] {
	options := make([]huh.Option[string], len(rows))
	n := 0
	for i, r := range rows {
		label := wrapOption(deliveredLabel(r), width)
		options[i] = huh.NewOption(label, r.Key)
		n += lineCount(label)
	}
	return huh.NewMultiSelect[string]().Title("Which of these did your organisation deliver?").
		Options(options...).Value(value).Height(1 + n)
}

// deliveredLabel is a resource in the delivered tick list.
func deliveredLabel(r attribution.Row) string {
	return fmt.Sprintf("%s %s %q · %s", r.Symbol, r.ProductName, r.Name, r.Environment)
}

// wrapOption wraps an option's label beside the list's cursor and tick box.
func wrapOption(label string, width int) string {
	if width <= 0 {
		return label
	}
	return wrap(label, width-multiSelectIndent)
}

// multiSelectIndent is what stands left of an option: the focus bar and
// its padding, the cursor and the tick box.
const multiSelectIndent = 2 + 2 + 4

// optionLines is how many lines the fixes' options take at width.
func optionLines(fixes []attribution.Fix, width int) int {
	n := 0
	for _, f := range fixes {
		n += lineCount(wrapOption(fixLabel(f), width))
	}
	return n
}

// requestFields ask for the names that sign the request.
func requestFields(org, name *string) []huh.Field {
	return []huh.Field{
		huh.NewInput().Title("Your organisation").Prompt("> ").Placeholder("your organisation").Value(org),
		huh.NewInput().Title("Your name").Prompt("> ").Placeholder("your name").Value(name),
	}
}

// takesText reports whether the field takes free text: an input, or a
// list while its filter is being typed.
func takesText(f huh.Field) bool {
	switch f := unwrapField(f).(type) {
	case *huh.Input:
		return true
	case interface{ GetFiltering() bool }:
		return f.GetFiltering()
	}
	return false
}

// filterSet reports whether a list has a filter that esc clears.
func filterSet(f huh.Field) bool {
	for _, b := range f.KeyBinds() {
		if b.Enabled() && b.Help().Desc == "clear filter" {
			return true
		}
	}
	return false
}
