package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
)

type dirPhase int

const (
	dirLoading   dirPhase = iota // listing the directories
	dirList                      // the list
	dirSwitching                 // getting a token for the chosen directory
	dirReauth                    // the directory needs a new sign-in: why, and the way through
	dirSignIn                    // signing in again for that directory
	dirWho                       // reading the identity in the new directory
)

// maxProbes bounds how many directories are checked for sign-in needs.
const maxProbes = 40

// directoryScreen lists the directories the identity reaches, marks the
// current one and those that need a new sign-in, and switches between them.
type directoryScreen struct {
	stale     bool
	phase     dirPhase
	op        int
	tenants   []arm.Tenant
	loadErr   error
	probe     map[string]error
	probed    map[string]bool
	probing   map[string]bool
	cursor    int
	filter    textinput.Model
	filtering bool
	target    arm.Tenant
	switchErr error
	authErr   *auth.Error
	note      string
	signIn    signIn
	filterOK  bool
}

func (s *directoryScreen) enter(m *Model) tea.Cmd {
	if !s.filterOK {
		s.filter = textinput.New()
		s.filter.Prompt = "/ "
		s.filter.Placeholder = "name, domain or ID"
		s.filter.SetWidth(30)
		s.filterOK = true
	}
	if s.tenants == nil || s.stale || s.loadErr != nil {
		return s.load(m)
	}
	if s.phase != dirSignIn && s.phase != dirSwitching && s.phase != dirWho {
		s.phase = dirList
	}
	return nil
}

func (s *directoryScreen) load(m *Model) tea.Cmd {
	s.stale = false
	s.phase, s.loadErr, s.switchErr, s.note = dirLoading, nil, nil, ""
	s.probe, s.probed, s.probing = map[string]error{}, map[string]bool{}, map[string]bool{}
	s.op = m.nextOp()
	return tenantsCmd(m.ctx, m.be, s.op)
}

func (s *directoryScreen) text() textMode {
	if s.filtering {
		return textFree
	}
	return textNone
}

func (s *directoryScreen) busy() bool {
	return s.phase == dirLoading || s.phase == dirSwitching || s.phase == dirWho || s.phase == dirSignIn && s.signIn.busy()
}

// visible are the directories the filter lets through.
func (s *directoryScreen) visible() []arm.Tenant {
	q := strings.ToLower(strings.TrimSpace(s.filter.Value()))
	if q == "" {
		return s.tenants
	}
	var out []arm.Tenant
	for _, t := range s.tenants {
		hay := strings.ToLower(t.DisplayName + " " + t.DefaultDomain + " " + t.ID + " " + strings.Join(t.Domains, " "))
		if strings.Contains(hay, q) {
			out = append(out, t)
		}
	}
	return out
}

func (s *directoryScreen) update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tenantsMsg:
		if msg.op != s.op {
			return nil
		}
		if msg.err != nil {
			s.loadErr = msg.err
			return nil
		}
		s.tenants = msg.tenants
		s.phase = dirList
		s.cursor = 0
		var cmds []tea.Cmd
		for i, t := range s.tenants {
			if strings.EqualFold(t.ID, m.tenant.ID) {
				s.cursor = i
				m.tenant = t
				continue
			}
			if len(cmds) < maxProbes {
				s.probing[t.ID] = true
				cmds = append(cmds, probeCmd(m.ctx, m.be, s.op, t.ID))
			}
		}
		return tea.Batch(cmds...)
	case probeMsg:
		if msg.op == s.op {
			s.probed[msg.tenantID] = true
			s.probe[msg.tenantID] = msg.err
		}
		return nil
	case switchedMsg:
		if msg.op != s.op || s.phase != dirSwitching {
			return nil
		}
		if msg.err != nil {
			s.probed[msg.tenant.ID] = true
			s.probe[msg.tenant.ID] = msg.err
			if ae, ok := needsSignIn(msg.err); ok {
				s.phase, s.authErr = dirReauth, ae
				return nil
			}
			s.phase, s.switchErr = dirList, msg.err
			return nil
		}
		s.probed[msg.tenant.ID], s.probe[msg.tenant.ID] = true, nil
		s.phase = dirWho
		s.op = m.nextOp()
		return whoCmd(m.ctx, m.be, s.op)
	case whoMsg:
		if msg.op != s.op || s.phase != dirWho {
			return nil
		}
		if msg.err != nil {
			s.phase, s.switchErr = dirList, msg.err
			return nil
		}
		if prev := m.tenant.ID; prev != "" {
			// There was a token for the directory just left.
			s.probed[prev], s.probe[prev] = true, nil
		}
		m.setWho(msg.who)
		m.tenant = s.target
		s.phase = dirList
		kind := ""
		if strings.EqualFold(msg.who.UserType, "Guest") {
			kind = " You are a guest there."
		}
		s.note = fmt.Sprintf("Now working in %s: palwiz got a token for it.%s", s.target.DisplayName, kind)
		return nil
	}
	if s.phase == dirSignIn {
		cmd, id, done := s.signIn.update(m, msg)
		if done && id != nil {
			return s.switchTo(m, s.target)
		}
		if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "esc" {
			s.signIn.stop()
			s.phase = dirList
		}
		return cmd
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if s.filtering {
			var cmd tea.Cmd
			s.filter, cmd = s.filter.Update(msg)
			return cmd
		}
		return nil
	}
	if s.filtering {
		switch k.String() {
		case "enter", "down":
			s.filtering = false
			s.filter.Blur()
			s.cursor = 0
		case "esc":
			s.filtering = false
			s.filter.Blur()
			s.filter.SetValue("")
		default:
			var cmd tea.Cmd
			s.filter, cmd = s.filter.Update(k)
			s.cursor = 0
			return cmd
		}
		return nil
	}
	switch s.phase {
	case dirLoading:
		switch k.String() {
		case "r":
			if s.loadErr != nil {
				return s.load(m)
			}
		case "esc":
			return m.back()
		}
	case dirReauth:
		switch k.String() {
		case "enter", "d":
			return s.reauth(m, viaDeviceCode)
		case "b":
			return s.reauth(m, viaBrowser)
		case "esc":
			s.phase = dirList
		}
	case dirList:
		return s.listKey(m, k)
	}
	return nil
}

func (s *directoryScreen) reauth(m *Model, via signInVia) tea.Cmd {
	s.phase = dirSignIn
	s.signIn.tenant = s.target.ID
	s.signIn.claims = ""
	if s.authErr != nil {
		s.signIn.claims = s.authErr.Claims
	}
	return s.signIn.start(m, via)
}

func (s *directoryScreen) switchTo(m *Model, t arm.Tenant) tea.Cmd {
	s.target = t
	s.phase, s.switchErr, s.note, s.authErr = dirSwitching, nil, "", nil
	s.op = m.nextOp()
	return switchCmd(m.ctx, m.be, s.op, t)
}

func (s *directoryScreen) listKey(m *Model, k tea.KeyPressMsg) tea.Cmd {
	vis := s.visible()
	switch k.String() {
	case "up", "k":
		if s.cursor > 0 {
			s.cursor--
		}
	case "down", "j":
		if s.cursor < len(vis)-1 {
			s.cursor++
		}
	case "/":
		s.filtering = true
		return s.filter.Focus()
	case "r":
		return s.load(m)
	case "esc":
		if s.filter.Value() != "" {
			s.filter.SetValue("")
			return nil
		}
		return m.back()
	case "enter":
		if len(vis) == 0 {
			return nil
		}
		t := vis[min(s.cursor, len(vis)-1)]
		if strings.EqualFold(t.ID, m.tenant.ID) {
			return m.goTo(stepRegistration)
		}
		if ae, ok := needsSignIn(s.probe[t.ID]); ok {
			s.target, s.authErr, s.phase = t, ae, dirReauth
			return nil
		}
		return s.switchTo(m, t)
	}
	return nil
}

func (s *directoryScreen) keys(m *Model) []key.Binding {
	b := func(k, h string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, h)) }
	switch {
	case s.filtering:
		return []key.Binding{b("enter", "keep filter"), b("esc", "clear filter")}
	case s.phase == dirLoading && s.loadErr != nil:
		return []key.Binding{b("r", "try again"), b("esc", "back")}
	case s.phase == dirReauth:
		return []key.Binding{b("enter", "sign in again"), b("b", "browser"), b("esc", "back to the list")}
	case s.phase == dirSignIn:
		return append(s.signIn.keys(m), b("esc", "back to the list"))
	case s.phase == dirList:
		enter := "switch to it"
		if vis := s.visible(); len(vis) > 0 && strings.EqualFold(vis[min(s.cursor, len(vis)-1)].ID, m.tenant.ID) {
			enter = "continue here"
		}
		return []key.Binding{b("↑/↓", "choose"), b("enter", enter), b("/", "filter"), b("r", "reload"), b("esc", "back")}
	}
	return nil
}

func (s *directoryScreen) view(m *Model, width int) (string, int) {
	st := m.st
	var b strings.Builder
	switch s.phase {
	case dirLoading:
		b.WriteString(st.bold.Render("Which customer directory?") + "\n\n")
		if s.loadErr != nil {
			b.WriteString(m.errorView(s.loadErr, width) + "\n\n" + wrap("Press r to try again.", width))
		} else {
			b.WriteString(m.spin.View() + " Listing the directories this identity can reach…")
		}
		return b.String(), -1
	case dirReauth:
		b.WriteString(st.bold.Render(s.target.DisplayName+" needs a new sign-in") + "\n\n")
		if s.authErr != nil {
			b.WriteString(m.errorView(s.authErr, width) + "\n\n")
		}
		b.WriteString(wrap("palwiz can sign you in again for "+s.target.DisplayName+", answering its challenge (MFA where it asks for it). Press enter for a device code, or b to use the browser, which works where device code sign-in is blocked.", width))
		return b.String(), -1
	case dirSignIn:
		return s.signIn.view(m, width, "Sign in again for "+s.target.DisplayName), -1
	}
	b.WriteString(st.bold.Render("Which customer directory?") + "\n")
	b.WriteString(wrap("A link is made in one directory at a time. palwiz links you in the current one, marked ●.", width) + "\n")
	if s.filtering || s.filter.Value() != "" {
		b.WriteString(s.filter.View() + "\n")
	}
	b.WriteString("\n")
	vis := s.visible()
	if len(vis) == 0 {
		if len(s.tenants) == 0 {
			b.WriteString(hang(st.bad.Render("✗ "), "This identity reaches no directory. Sign in with an account of the customer's directory.", width) + "\n")
		} else {
			b.WriteString(st.faint.Render("No directory matches the filter.") + "\n")
		}
	}
	nameW, domW := 0, 0
	for _, t := range vis {
		nameW = max(nameW, len([]rune(t.DisplayName)))
		domW = max(domW, len([]rune(t.DefaultDomain)))
	}
	nameW = min(nameW, 28)
	showDomain := width >= nameW+domW+4+2+22
	anchor := -1
	cur := min(s.cursor, len(vis)-1)
	for i, t := range vis {
		mark := "○"
		status, style := "", st.faint
		switch {
		case strings.EqualFold(t.ID, m.tenant.ID):
			mark, status, style = "●", "current", st.ok
		case s.phase == dirSwitching && t.ID == s.target.ID || s.phase == dirWho && t.ID == s.target.ID:
			status, style = "switching…", st.accent
		case !s.probed[t.ID] && s.probing[t.ID]:
			status = "checking…"
		case !s.probed[t.ID]:
			status = ""
		case s.probe[t.ID] == nil:
			status = "ready"
		default:
			if _, ok := needsSignIn(s.probe[t.ID]); ok {
				status, style = "sign-in needed: "+shortReason(s.probe[t.ID]), st.warn
			} else {
				status, style = "error: "+shortReason(s.probe[t.ID]), st.bad
			}
		}
		row := padRight(truncate(t.DisplayName, nameW), nameW)
		if showDomain {
			row += "  " + st.faint.Render(padRight(t.DefaultDomain, domW))
		}
		prefix := "  "
		if i == cur {
			prefix = st.selected.Render("▸ ")
			row = st.selected.Render(row)
			anchor = lineCount(b.String()) - 1
		}
		b.WriteString(truncate(prefix+mark+" "+row+"  "+style.Render(status), width) + "\n")
	}
	if cur >= 0 && cur < len(vis) {
		t := vis[cur]
		b.WriteString("\n" + st.faint.Render(truncate(t.DisplayName+" · "+t.ID, width)) + "\n")
		if err := s.probe[t.ID]; err != nil && s.probed[t.ID] && !strings.EqualFold(t.ID, m.tenant.ID) {
			b.WriteString(m.errorView(err, width) + "\n")
			if _, ok := needsSignIn(err); ok {
				b.WriteString(wrap("Press enter to sign in again for it.", width) + "\n")
			}
		}
	}
	switch {
	case s.phase == dirSwitching:
		b.WriteString("\n" + m.spin.View() + " Getting a token for " + s.target.DisplayName + "…")
	case s.phase == dirWho:
		b.WriteString("\n" + m.spin.View() + " Reading who you are in " + s.target.DisplayName + "…")
	case s.switchErr != nil:
		b.WriteString("\n" + m.errorView(s.switchErr, width) + "\n" + wrap("Press enter to try again.", width))
	case s.note != "":
		b.WriteString("\n" + hang(st.ok.Render("✓ "), s.note, width))
	}
	return strings.TrimRight(b.String(), "\n"), anchor
}
