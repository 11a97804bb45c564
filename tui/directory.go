package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/palwiz/palwiz/steps"
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

// directoryScreen lists the directories the identity reaches (a huh
// select that filters with /), marks the current one and those that need a
// new sign-in, and switches between them.
type directoryScreen struct {
	stale     bool
	phase     dirPhase
	op        int
	loadErr   error
	probe     map[string]error
	probed    map[string]bool
	probing   map[string]bool
	chosen    string
	list      *embedded
	target    steps.Tenant
	switchErr error
	authErr   *steps.AuthError
	notes     []note
	signIn    signIn
	width     int
}

func (s *directoryScreen) enter(m *Model) tea.Cmd {
	if m.f.tenants == nil || s.stale || s.loadErr != nil {
		return s.load(m)
	}
	if s.phase != dirSignIn && s.phase != dirSwitching && s.phase != dirWho {
		return s.showList(m)
	}
	return nil
}

func (s *directoryScreen) load(m *Model) tea.Cmd {
	s.stale = false
	s.phase, s.loadErr, s.switchErr, s.notes = dirLoading, nil, nil, nil
	s.probe, s.probed, s.probing = map[string]error{}, map[string]bool{}, map[string]bool{}
	s.op = m.nextOp()
	return tenantsCmd(m.ctx, m.be, s.op)
}

// showList asks which directory, the current one under the cursor.
func (s *directoryScreen) showList(m *Model) tea.Cmd {
	s.phase = dirList
	if s.chosen == "" || !s.known(m, s.chosen) {
		s.chosen = m.f.preselect()
	}
	var cmd tea.Cmd
	s.list, cmd = m.embed(directoryField(&s.chosen, s.options(m, m.contentWidth())))
	return cmd
}

func (s *directoryScreen) known(m *Model, id string) bool {
	_, ok := steps.FindTenant(m.f.tenants, id)
	return ok
}

// options are the directories as the list shows them: a mark, the name,
// the domain when there is room, and the state.
func (s *directoryScreen) options(m *Model, width int) []huh.Option[string] {
	s.width = width
	type row struct{ mark, name, domain, status, id string }
	var rows []row
	nameW, domW, statusW := 0, 0, 0
	for _, t := range m.f.tenants {
		r := row{mark: "○", name: t.DisplayName, domain: t.DefaultDomain, id: t.ID}
		r.status, _ = tenantStatus(t, m.f.tenant.ID, s.probed[t.ID], s.probe[t.ID])
		switch {
		case strings.EqualFold(t.ID, m.f.tenant.ID):
			r.mark = "●"
		case (s.phase == dirSwitching || s.phase == dirWho) && t.ID == s.target.ID:
			r.status = "switching…"
		case !s.probed[t.ID] && s.probing[t.ID]:
			r.status = "checking…"
		}
		nameW = max(nameW, ansi.StringWidth(r.name))
		domW = max(domW, ansi.StringWidth(r.domain))
		statusW = max(statusW, ansi.StringWidth(r.status))
		rows = append(rows, r)
	}
	// The list sits behind the focus bar and the cursor (6 columns).
	nameW = min(nameW, 28)
	showDomain := 6+2+nameW+2+domW+2+statusW <= width
	var out []huh.Option[string]
	for _, r := range rows {
		label := r.mark + " " + padRight(truncate(r.name, nameW), nameW)
		if showDomain {
			label += "  " + padRight(r.domain, domW)
		}
		if r.status != "" {
			label += "  " + r.status
		}
		out = append(out, huh.NewOption(truncate(label, width-6), r.id))
	}
	return out
}

// refresh puts the directories' latest states into the list.
func (s *directoryScreen) refresh(m *Model) {
	if s.list == nil || s.list.typing() || len(m.f.tenants) == 0 {
		return
	}
	if sel, ok := unwrapField(s.list.fields[0]).(*huh.Select[string]); ok {
		sel.Options(s.options(m, m.contentWidth())...)
	}
}

func (s *directoryScreen) typing() bool { return s.phase == dirList && s.list.typing() }

func (s *directoryScreen) busy() bool {
	return s.phase == dirLoading && s.loadErr == nil || s.phase == dirSwitching || s.phase == dirWho || s.phase == dirSignIn && s.signIn.busy()
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
		return s.loaded(m, msg.tenants)
	case probeMsg:
		if msg.op == s.op {
			s.probed[msg.tenantID] = true
			s.probe[msg.tenantID] = msg.err
			s.refresh(m)
		}
		return nil
	case switchedMsg:
		return s.switched(m, msg)
	case whoMsg:
		if msg.op != s.op || s.phase != dirWho {
			return nil
		}
		if msg.err != nil {
			s.switchErr = msg.err
			return s.showList(m)
		}
		if prev := m.f.tenant.ID; prev != "" {
			// There was a token for the directory just left.
			s.probed[prev], s.probe[prev] = true, nil
		}
		s.notes = m.f.switched(s.target, msg.who)
		return s.showList(m)
	}
	switch s.phase {
	case dirSignIn:
		cmd, id, done := s.signIn.update(m, msg)
		if done && id != nil {
			return s.switchTo(m, s.target)
		}
		if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, m.keys.Back) {
			s.signIn.stop()
			return s.showList(m)
		}
		return cmd
	case dirList:
		return s.listUpdate(m, msg)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch s.phase {
	case dirLoading:
		switch {
		case key.Matches(k, m.keys.Retry) && s.loadErr != nil:
			return s.load(m)
		case key.Matches(k, m.keys.Back):
			return m.back()
		}
	case dirReauth:
		switch {
		case key.Matches(k, m.keys.Continue, m.keys.DeviceCode):
			return s.reauth(m, viaDeviceCode)
		case key.Matches(k, m.keys.Browser):
			return s.reauth(m, viaBrowser)
		case key.Matches(k, m.keys.Back):
			return s.showList(m)
		}
	}
	return nil
}

// loaded shows the list and checks, for each other directory, whether a
// token can be had there without a new sign-in.
func (s *directoryScreen) loaded(m *Model, ts []steps.Tenant) tea.Cmd {
	m.f.tenants = ts
	if t, ok := steps.FindTenant(ts, m.f.tenant.ID); ok {
		m.f.tenant = t
	}
	cmds := []tea.Cmd{s.showList(m)}
	for _, t := range ts {
		if strings.EqualFold(t.ID, m.f.tenant.ID) || len(cmds) > maxProbes {
			continue
		}
		s.probing[t.ID] = true
		cmds = append(cmds, probeCmd(m.ctx, m.be, s.op, t.ID))
	}
	return tea.Batch(cmds...)
}

func (s *directoryScreen) switched(m *Model, msg switchedMsg) tea.Cmd {
	if msg.op != s.op || s.phase != dirSwitching {
		return nil
	}
	s.probed[msg.tenant.ID], s.probe[msg.tenant.ID] = true, msg.err
	if msg.err != nil {
		if ae, ok := needsSignIn(msg.err); ok {
			s.phase, s.authErr = dirReauth, ae
			return nil
		}
		s.switchErr = msg.err
		return s.showList(m)
	}
	s.phase = dirWho
	s.op = m.nextOp()
	return whoCmd(m.ctx, m.be, s.op)
}

func (s *directoryScreen) listUpdate(m *Model, msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && !s.list.typing() {
		switch {
		case key.Matches(k, m.keys.Back) && filterSet(s.list.focused()):
			// esc clears the filter first.
		case key.Matches(k, m.keys.Back):
			return m.back()
		case key.Matches(k, m.keys.Retry):
			return s.load(m)
		}
	}
	s.switchErr = nil
	cmd, done := s.list.step(m, msg)
	if done {
		t, ok := steps.FindTenant(m.f.tenants, s.chosen)
		switch {
		case !ok:
			return s.showList(m)
		case strings.EqualFold(t.ID, m.f.tenant.ID):
			return m.goTo(stepRegistration)
		}
		if ae, ok := needsSignIn(s.probe[t.ID]); ok {
			s.target, s.authErr, s.phase = t, ae, dirReauth
			return nil
		}
		return s.switchTo(m, t)
	}
	return cmd
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

func (s *directoryScreen) switchTo(m *Model, t steps.Tenant) tea.Cmd {
	s.target = t
	s.phase, s.switchErr, s.notes, s.authErr = dirSwitching, nil, nil, nil
	s.op = m.nextOp()
	s.refresh(m)
	return switchCmd(m.ctx, m.be, s.op, t)
}

func (s *directoryScreen) keys(m *Model) []key.Binding {
	k := m.keys
	switch {
	case s.phase == dirList && s.list.typing():
		return []key.Binding{with(k.Continue, "choose"), with(k.Back, "keep the filter")}
	case s.phase == dirLoading && s.loadErr != nil:
		return []key.Binding{k.Retry, k.Back}
	case s.phase == dirReauth:
		return []key.Binding{with(k.Continue, "sign in again"), k.Browser, with(k.Back, "back to the list")}
	case s.phase == dirSignIn:
		return append(s.signIn.keys(m), with(k.Back, "back to the list"))
	case s.phase == dirList:
		enter := "switch to it"
		if strings.EqualFold(s.chosen, m.f.tenant.ID) {
			enter = "continue here"
		}
		back := k.Back
		if filterSet(s.list.focused()) {
			back = with(k.Back, "clear filter")
		}
		return []key.Binding{k.Choose, with(k.Continue, enter), k.Filter, with(k.Retry, "reload"), back}
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
		b.WriteString(wrap(reauthText(s.target)+" Press enter for a device code, or b for the browser.", width))
		return b.String(), -1
	case dirSignIn:
		return s.signIn.view(m, width, "Sign in again for "+s.target.DisplayName)
	}
	if width != s.width {
		s.refresh(m)
	}
	list, anchor := s.list.view(width)
	if len(m.f.tenants) == 0 {
		return list + "\n\n" + hang(st.bad.Render("✗ "), "This identity reaches no directory. Sign in with an account of the customer's directory.", width), -1
	}
	b.WriteString(list + "\n")
	if t, ok := steps.FindTenant(m.f.tenants, s.chosen); ok {
		b.WriteString("\n" + st.faint.Render(truncate(t.DisplayName+" · "+t.ID, width)) + "\n")
		if err := s.probe[t.ID]; err != nil && s.probed[t.ID] && !strings.EqualFold(t.ID, m.f.tenant.ID) {
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
	case len(s.notes) > 0:
		b.WriteString("\n" + m.notesView(s.notes, width))
	}
	out := strings.TrimRight(b.String(), "\n")
	if anchor >= 0 {
		// The options close the list: keep the one under the cursor in view.
		anchor = lineCount(list) - len(m.f.tenants) + s.cursorLine(m)
	}
	return out, anchor
}

// cursorLine is the list's line under the cursor, counted from the first option.
func (s *directoryScreen) cursorLine(m *Model) int {
	for i, t := range m.f.tenants {
		if t.ID == s.chosen {
			return i
		}
	}
	return 0
}
