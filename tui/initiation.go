package tui

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/steps"
)

// initPhase is where Initiation is.
type initPhase int

const (
	initChoose    initPhase = iota // pick the kind of identity
	initSignIn                     // device code or browser sign-in
	initSPForm                     // service principal: tenant, client ID, secret
	initSigningSP                  // service principal sign-in running
	initWho                        // reading the identity from the directory
	initCard                       // the identity card
	initRequest                    // the request for the customer's administrator
)

// Option keys beyond steps.IdentityChoices.
const (
	optContinue = "continue"
	optRequest  = "request"
)

// initiationScreen is Initiation: the identity choice with its trade-offs,
// the sign-in, and the identity card; or the request for an account.
type initiationScreen struct {
	phase   initPhase
	cursor  int
	choice  string
	signIn  signIn
	whoOp   int
	whoErr  error
	spOp    int
	spErr   error
	spFocus int
	sp      [3]textinput.Model // tenant, client ID, secret
	spInit  bool
	req     adminRequest
}

func newInitiation() *initiationScreen {
	s := &initiationScreen{}
	s.req = newAdminRequest()
	return s
}

// initOption is one row of the identity choice.
type initOption struct {
	key    string
	choice steps.Choice
}

func (s *initiationScreen) options(m *Model) []initOption {
	var opts []initOption
	if m.profile != nil {
		opts = append(opts, initOption{key: optContinue, choice: steps.Choice{
			Title:   "Continue as " + profileName(m.profile),
			Summary: "The identity palwiz signed in with before; its tokens are still valid or can be refreshed."}})
	}
	for _, c := range steps.IdentityChoices {
		opts = append(opts, initOption{key: c.Key, choice: c})
	}
	opts = append(opts, initOption{key: optRequest, choice: steps.Choice{
		Title:   "No account yet: ask the customer for one",
		Summary: "palwiz writes the request for the customer's administrator: which dedicated account to create, the access it needs, and why."}})
	return opts
}

func (s *initiationScreen) enter(m *Model) tea.Cmd {
	switch {
	case m.who != nil && (s.phase == initChoose || s.phase == initCard):
		s.phase = initCard
	case s.phase == initSignIn && !s.signIn.busy() && s.signIn.err == nil:
		s.phase = initChoose
	}
	return nil
}

func (s *initiationScreen) text() textMode {
	switch {
	case s.phase == initSPForm:
		return textFree
	case s.phase == initRequest && s.req.editing():
		return textFree
	}
	return textNone
}

func (s *initiationScreen) busy() bool {
	return s.phase == initSignIn && s.signIn.busy() || s.phase == initSigningSP || s.phase == initWho && s.whoErr == nil || s.req.busy()
}

func (s *initiationScreen) update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case whoMsg:
		if msg.op != s.whoOp || s.phase != initWho {
			return nil
		}
		if msg.err != nil {
			s.whoErr = msg.err
			return nil
		}
		m.setWho(msg.who)
		m.directory.stale = true
		s.phase = initCard
		return nil
	case signedInMsg:
		if s.phase == initSigningSP && msg.op == s.spOp {
			if msg.err != nil {
				s.phase, s.spErr = initSPForm, msg.err
				return s.focusSP(2)
			}
			return s.readWho(m)
		}
	case savedMsg:
		s.req.saved(msg)
		return nil
	}
	if s.phase == initSignIn {
		cmd, id, done := s.signIn.update(m, msg)
		if done && id != nil {
			return s.readWho(m)
		}
		if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "esc" {
			s.signIn.stop()
			s.phase = initChoose
			return nil
		}
		return cmd
	}
	if _, ok := msg.(tea.KeyPressMsg); !ok {
		switch s.phase {
		case initSPForm:
			var cmd tea.Cmd
			s.sp[s.spFocus], cmd = s.sp[s.spFocus].Update(msg)
			return cmd
		case initRequest:
			return s.req.updateInput(msg)
		}
		return nil
	}
	k := msg.(tea.KeyPressMsg)
	switch s.phase {
	case initChoose:
		return s.chooseKey(m, k)
	case initSPForm:
		return s.spKey(m, k)
	case initWho:
		switch k.String() {
		case "r":
			if s.whoErr != nil {
				return s.readWho(m)
			}
		case "s", "esc":
			s.phase, s.whoErr = initChoose, nil
		}
	case initCard:
		switch k.String() {
		case "enter":
			return m.goTo(stepDirectory)
		case "s":
			s.phase = initChoose
			s.cursor = 0
		case "esc":
			return m.back()
		}
	case initRequest:
		cmd, leave := s.req.key(m, k)
		if leave {
			s.phase = initChoose
		}
		return cmd
	}
	return nil
}

func (s *initiationScreen) chooseKey(m *Model, k tea.KeyPressMsg) tea.Cmd {
	opts := s.options(m)
	switch k.String() {
	case "up", "k":
		s.cursor = (s.cursor - 1 + len(opts)) % len(opts)
	case "down", "j", "tab":
		s.cursor = (s.cursor + 1) % len(opts)
	case "esc":
		return m.back()
	case "enter":
		s.cursor = min(s.cursor, len(opts)-1)
		s.choice = opts[s.cursor].key
		switch s.choice {
		case optContinue:
			return s.readWho(m)
		case optRequest:
			s.phase = initRequest
			return nil
		case "service-principal":
			s.phase, s.spErr = initSPForm, nil
			s.initSP(m)
			return s.focusSP(0)
		}
		s.phase = initSignIn
		m.signedInAs = ""
		s.signIn.tenant, s.signIn.claims = "", ""
		return s.signIn.start(m, viaDeviceCode)
	default:
		if n := int(k.Code - '1'); len(k.Text) == 1 && n >= 0 && n < len(opts) {
			s.cursor = n
		}
	}
	return nil
}

func (s *initiationScreen) readWho(m *Model) tea.Cmd {
	s.phase, s.whoErr = initWho, nil
	s.whoOp = m.nextOp()
	return whoCmd(m.ctx, m.be, s.whoOp)
}

// setWho records a new identity and forgets what depended on the old one.
func (m *Model) setWho(w steps.Who) {
	if m.who == nil || m.who.ObjectID != w.ObjectID || m.who.TenantID != w.TenantID {
		m.outcome, m.final, m.validated = nil, nil, false
	}
	m.who = &w
	m.tenant = arm.Tenant{ID: w.TenantID, DisplayName: w.TenantName, DefaultDomain: w.TenantDomain}
	if t, ok := steps.FindTenant(m.directory.tenants, w.TenantID); ok {
		m.tenant = t
	}
}

func (s *initiationScreen) initSP(m *Model) {
	if s.spInit {
		return
	}
	s.spInit = true
	for i := range s.sp {
		in := textinput.New()
		in.Prompt = "> "
		in.SetWidth(44)
		s.sp[i] = in
	}
	s.sp[0].Placeholder = "contoso.onmicrosoft.com or the tenant ID"
	s.sp[1].Placeholder = "00000000-0000-0000-0000-000000000000"
	s.sp[2].Placeholder = "the secret's value (not its ID)"
	s.sp[2].EchoMode = textinput.EchoPassword
	s.sp[2].EchoCharacter = '•'
	if d := m.o.Demo; d != nil && d.ServicePrincipal != nil {
		s.sp[0].SetValue(d.ServicePrincipal.Tenant)
		s.sp[1].SetValue(d.ServicePrincipal.ClientID)
		s.sp[2].SetValue(d.ServicePrincipal.Secret)
	}
}

func (s *initiationScreen) focusSP(i int) tea.Cmd {
	s.spFocus = i
	for j := range s.sp {
		s.sp[j].Blur()
	}
	return s.sp[i].Focus()
}

func (s *initiationScreen) spKey(m *Model, k tea.KeyPressMsg) tea.Cmd {
	switch k.String() {
	case "esc":
		s.phase = initChoose
		return nil
	case "tab", "down":
		return s.focusSP((s.spFocus + 1) % 3)
	case "shift+tab", "up":
		return s.focusSP((s.spFocus + 2) % 3)
	case "enter":
		if s.spFocus < 2 {
			return s.focusSP(s.spFocus + 1)
		}
		tenant, client, secret := strings.TrimSpace(s.sp[0].Value()), strings.TrimSpace(s.sp[1].Value()), strings.TrimSpace(s.sp[2].Value())
		switch {
		case tenant == "":
			s.spErr = errors.New("Enter the customer's directory: its tenant ID or a domain such as contoso.onmicrosoft.com")
			return s.focusSP(0)
		case !steps.IsGUID(client):
			s.spErr = errors.New("The application (client) ID is a GUID, such as e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501")
			return s.focusSP(1)
		case secret == "":
			s.spErr = errors.New("Enter the client secret's value")
			return s.focusSP(2)
		}
		s.spErr = nil
		s.phase = initSigningSP
		s.spOp = m.nextOp()
		return spLoginCmd(m.ctx, m.be, s.spOp, tenant, client, secret)
	}
	var cmd tea.Cmd
	s.sp[s.spFocus], cmd = s.sp[s.spFocus].Update(k)
	s.spErr = nil
	return cmd
}

func (s *initiationScreen) keys(m *Model) []key.Binding {
	b := func(k, h string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, h)) }
	switch s.phase {
	case initChoose:
		return []key.Binding{b("↑/↓", "choose"), b("enter", "select"), b("esc", "back")}
	case initSignIn:
		return append(s.signIn.keys(m), b("esc", "back"))
	case initSPForm:
		return []key.Binding{b("tab", "next field"), b("enter", "sign in"), b("esc", "back")}
	case initSigningSP:
		return nil
	case initWho:
		if s.whoErr != nil {
			return []key.Binding{b("r", "try again"), b("s", "sign in again")}
		}
		return nil
	case initCard:
		return []key.Binding{b("enter", "continue"), b("s", "sign in as someone else"), b("esc", "back")}
	case initRequest:
		return s.req.keys()
	}
	return nil
}

func (s *initiationScreen) view(m *Model, width int) (string, int) {
	st := m.st
	switch s.phase {
	case initSignIn:
		title := "Sign in to the customer's directory"
		switch s.choice {
		case "service-account":
			title = "Sign in as the dedicated service account"
		case "user":
			title = "Sign in with your own or guest account"
		}
		return s.signIn.view(m, width, title), -1
	case initSPForm, initSigningSP:
		return s.spView(m, width)
	case initWho:
		if s.whoErr != nil {
			return st.bold.Render("Who are you in the customer's directory?") + "\n\n" + m.errorView(s.whoErr, width) +
				"\n\n" + wrap("Press r to read it again, or s to sign in again.", width), -1
		}
		return st.bold.Render("Signed in") + "\n\n" + m.spin.View() + " Reading who you are in the customer's directory…", -1
	case initCard:
		return s.cardView(m, width), -1
	case initRequest:
		return s.req.view(m, width)
	}
	return s.chooseView(m, width)
}

func (s *initiationScreen) chooseView(m *Model, width int) (string, int) {
	st := m.st
	var b strings.Builder
	b.WriteString(st.bold.Render("Which account will you deliver with?") + "\n")
	b.WriteString(wrap("The linked account earns the credit for what it owns, so pick the one that will own your work in production.", width) + "\n\n")
	anchor := 0
	opts := s.options(m)
	cur := min(s.cursor, len(opts)-1)
	for i, o := range opts {
		title := o.choice.Title
		if o.choice.Recommended {
			title += " (recommended)"
		}
		if i != cur {
			b.WriteString("  " + title + "\n")
			continue
		}
		b.WriteString(st.selected.Render("▸ "+title) + "\n")
		b.WriteString(hang("    ", o.choice.Summary, width) + "\n")
		for _, p := range o.choice.Pros {
			b.WriteString(hang("    "+st.ok.Render("+ "), p, width) + "\n")
		}
		for _, c := range o.choice.Cons {
			b.WriteString(hang("    "+st.warn.Render("− "), c, width) + "\n")
		}
		anchor = lineCount(b.String()) - 2
	}
	return strings.TrimRight(b.String(), "\n"), anchor
}

func (s *initiationScreen) spView(m *Model, width int) (string, int) {
	st := m.st
	var b strings.Builder
	b.WriteString(st.bold.Render("Sign in as a service principal") + "\n")
	b.WriteString(wrap("The customer's administrator gives you these three values. The secret stays in memory for this run: palwiz never shows it, logs it or writes it to disk.", width) + "\n\n")
	labels := []string{"Directory (tenant ID or domain)", "Application (client) ID", "Client secret"}
	anchor := 0
	for i, l := range labels {
		label := st.label.Render(l)
		if i == s.spFocus && s.phase == initSPForm {
			label = st.selected.Render(l)
			anchor = lineCount(b.String())
		}
		b.WriteString(label + "\n" + s.sp[i].View() + "\n")
	}
	switch {
	case s.phase == initSigningSP:
		b.WriteString("\n" + m.spin.View() + " Signing in as the service principal…")
	case s.spErr != nil:
		b.WriteString("\n" + m.errorView(s.spErr, width))
	}
	return strings.TrimRight(b.String(), "\n"), anchor
}

func (s *initiationScreen) cardView(m *Model, width int) string {
	st := m.st
	w := *m.who
	var b strings.Builder
	b.WriteString(st.ok.Render("✓ ") + st.bold.Render("Signed in. This is you in the customer's directory:") + "\n\n")
	kind := "user"
	switch {
	case w.Kind == auth.KindServicePrincipal:
		kind = "service principal"
	case strings.EqualFold(w.UserType, "Guest"):
		kind = "guest user"
	case strings.EqualFold(w.UserType, "Member"):
		kind = "member user"
	}
	dir := join(" · ", w.TenantName, w.TenantDomain)
	if dir == "" {
		dir = w.TenantID
	}
	tokens := "in the OS keyring"
	if !w.TokensInStore {
		tokens = "in memory only, for this run"
	}
	appID := ""
	if w.Kind == auth.KindServicePrincipal {
		appID = w.AppID
	}
	card := kvRows(st, width-6,
		"Name", w.DisplayName,
		"Sign-in name", w.UPN,
		"Application ID", appID,
		"Kind", kind,
		"Object ID", w.ObjectID,
		"Directory", dir,
		"Tokens", tokens)
	b.WriteString(st.card.Render(card) + "\n")
	for _, warn := range w.Warnings {
		b.WriteString(hang(st.warn.Render("! "), warn, width) + "\n")
	}
	if w.Foreign {
		b.WriteString(hang(st.bad.Render("✗ "), "PAL cannot link this sign-in. Press s to sign in with an account of the customer's directory.", width) + "\n")
	}
	if s.choice == "user" {
		b.WriteString(hang(st.faint.Render("· "), "A personal or guest account has to be linked by every consultant, in every customer directory; keep track of who is linked where.", width) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// adminRequest is the ready-to-send request for the customer's administrator.
type adminRequest struct {
	fields  [2]textinput.Model // your organisation, your name
	focus   int                // -1: reading, 0/1: editing a field
	copied  bool
	saveOp  int
	saving  bool
	path    string
	saveErr error
}

func newAdminRequest() adminRequest {
	r := adminRequest{focus: -1}
	for i := range r.fields {
		in := textinput.New()
		in.Prompt = ""
		in.SetWidth(40)
		r.fields[i] = in
	}
	r.fields[0].Placeholder = "your organisation"
	r.fields[1].Placeholder = "your name"
	return r
}

func (r *adminRequest) editing() bool { return r.focus >= 0 }
func (r *adminRequest) busy() bool    { return r.saving }

// requestFile is the file name the request is saved to.
const requestFile = "pal-account-request.txt"

func (r *adminRequest) text(m *Model) string {
	name := strings.TrimSpace(r.fields[1].Value())
	if name == "" {
		name = "[your name]"
	}
	pid := m.partnerID
	if pid == "" {
		pid = "[partner ID]"
	}
	return steps.AdminRequest(strings.TrimSpace(r.fields[0].Value()), pid, name)
}

func (r *adminRequest) saved(msg savedMsg) {
	if msg.op != r.saveOp {
		return
	}
	r.saving, r.path, r.saveErr = false, msg.path, msg.err
}

func (r *adminRequest) updateInput(msg tea.Msg) tea.Cmd {
	if r.focus < 0 {
		return nil
	}
	var cmd tea.Cmd
	r.fields[r.focus], cmd = r.fields[r.focus].Update(msg)
	return cmd
}

// key handles a key; leave says the user left the request.
func (r *adminRequest) key(m *Model, k tea.KeyPressMsg) (cmd tea.Cmd, leave bool) {
	if r.focus >= 0 {
		switch k.String() {
		case "tab", "down", "shift+tab", "up":
			r.fields[r.focus].Blur()
			r.focus = 1 - r.focus
			return r.fields[r.focus].Focus(), false
		case "enter", "esc":
			r.fields[r.focus].Blur()
			r.focus = -1
			return nil, false
		}
		r.copied, r.path = false, ""
		var c tea.Cmd
		r.fields[r.focus], c = r.fields[r.focus].Update(k)
		return c, false
	}
	switch k.String() {
	case "e":
		r.focus = 0
		return r.fields[0].Focus(), false
	case "c":
		r.copied = true
		return tea.SetClipboard(r.text(m)), false
	case "s":
		if r.saving {
			return nil, false
		}
		r.saving, r.saveErr, r.path = true, nil, ""
		r.saveOp = m.nextOp()
		return saveCmd(r.saveOp, m.o.WorkDir, requestFile, r.text(m)), false
	case "esc":
		return nil, true
	}
	return nil, false
}

func (r *adminRequest) keys() []key.Binding {
	b := func(k, h string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, h)) }
	if r.focus >= 0 {
		return []key.Binding{b("tab", "next field"), b("enter", "done")}
	}
	return []key.Binding{b("e", "edit names"), b("c", "copy"), b("s", "save to "+requestFile), b("esc", "back")}
}

func (r *adminRequest) view(m *Model, width int) (string, int) {
	st := m.st
	var b strings.Builder
	b.WriteString(st.bold.Render("A request for the customer's administrator") + "\n")
	b.WriteString(wrap("Send this to whoever runs the customer's Microsoft Entra ID directory: it asks for a dedicated account, the access it needs, and says why.", width) + "\n\n")
	anchor := -1
	for i, l := range []string{"Your organisation", "Your name        "} {
		label := st.label.Render(l)
		if r.focus == i {
			label = st.selected.Render(l)
			anchor = lineCount(b.String())
		}
		b.WriteString(label + "  " + r.fields[i].View() + "\n")
	}
	switch {
	case r.saving:
		b.WriteString(m.spin.View() + " Saving…\n")
	case r.saveErr != nil:
		b.WriteString(m.errorView(r.saveErr, width) + "\n")
	case r.path != "":
		b.WriteString(hang(st.ok.Render("✓ "), "Saved to "+r.path, width) + "\n")
	case r.copied:
		b.WriteString(hang(st.ok.Render("✓ "), "Copied to the clipboard, where the terminal allows it; s saves it to a file.", width) + "\n")
	}
	rule := st.rule.Render(strings.Repeat("─", min(width, 78)))
	b.WriteString(rule + "\n")
	b.WriteString(wrap(joinLines(strings.TrimRight(r.text(m), "\n")), width) + "\n")
	b.WriteString(rule)
	return b.String(), anchor
}
