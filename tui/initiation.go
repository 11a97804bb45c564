package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// initPhase is where Initiation is.
type initPhase int

const (
	initChoose    initPhase = iota // pick the kind of identity
	initSignIn                     // device code or browser sign-in
	initSPForm                     // service principal: directory, client ID, secret or certificate
	initSigningSP                  // service principal sign-in running
	initWho                        // reading the identity from the directory
	initCard                       // the identity card
	initRequest                    // the request for the customer's administrator
)

// initiationScreen is Initiation: the identity choice with its trade-offs,
// the sign-in, and the identity card; or the request for an account.
type initiationScreen struct {
	phase  initPhase
	choice string
	choose *embedded
	signIn signIn
	whoOp  int
	whoErr error
	notes  []note
	sp     spValues
	spInit bool
	// kind asks before going on with an account that is not the kind chosen.
	kind   *embedded
	kindOK bool
	spForm *embedded
	spOp   int
	spErr  error
	req    adminRequest
}

func (s *initiationScreen) enter(m *Model) tea.Cmd {
	switch {
	case m.f.who != nil && (s.phase == initChoose || s.phase == initCard):
		s.phase = initCard
		return nil
	case s.phase == initSignIn && !s.signIn.busy() && s.signIn.err == nil:
		s.phase = initChoose
	}
	if s.phase == initChoose {
		return s.startChoose(m)
	}
	return nil
}

// startChoose asks which identity to use.
func (s *initiationScreen) startChoose(m *Model) tea.Cmd {
	s.phase = initChoose
	opts := identityOptions(m.f.profile, m.o.EnvIdentity)
	if s.choice == "" || !hasOption(opts, s.choice) {
		s.choice = opts[0].key
	}
	var cmd tea.Cmd
	s.choose, cmd = m.embed(identityField(&s.choice, opts, false))
	return cmd
}

func hasOption(opts []identityOption, k string) bool {
	for _, o := range opts {
		if o.key == k {
			return true
		}
	}
	return false
}

func (s *initiationScreen) typing() bool {
	switch s.phase {
	case initSPForm:
		return s.spForm.typing()
	case initRequest:
		return s.req.typing()
	}
	return false
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
		s.notes = m.f.setWho(msg.who)
		m.directory.stale = true
		s.phase = initCard
		return nil
	case signedInMsg:
		if s.phase == initSigningSP && msg.op == s.spOp {
			if msg.err != nil {
				s.phase, s.spErr = initSPForm, msg.err
				return nil
			}
			return s.readWho(m)
		}
	case savedMsg:
		return s.req.saved(m, msg)
	}
	switch s.phase {
	case initChoose:
		return s.chooseUpdate(m, msg)
	case initSignIn:
		cmd, id, done := s.signIn.update(m, msg)
		if done && id != nil {
			return s.readWho(m)
		}
		if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, m.keys.Back) {
			s.signIn.stop()
			return s.startChoose(m)
		}
		return cmd
	case initSPForm:
		return s.spUpdate(m, msg)
	case initRequest:
		cmd, leave := s.req.update(m, msg)
		if leave {
			return s.startChoose(m)
		}
		return cmd
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch s.phase {
	case initWho:
		switch {
		case key.Matches(k, m.keys.Retry) && s.whoErr != nil:
			return s.readWho(m)
		case key.Matches(k, m.keys.SwitchID, m.keys.Back):
			s.whoErr = nil
			return s.startChoose(m)
		}
	case initCard:
		if s.kind != nil {
			return s.kindUpdate(m, k)
		}
		switch {
		case key.Matches(k, m.keys.Continue) && m.f.kindQuestion() != "":
			s.kindOK = false
			var cmd tea.Cmd
			s.kind, cmd = m.embed(confirmField(m.f.kindQuestion(), "", "Continue anyway", "Sign in again", &s.kindOK))
			return cmd
		case key.Matches(k, m.keys.Continue):
			return m.goTo(stepDirectory)
		case key.Matches(k, m.keys.SwitchID):
			return s.startChoose(m)
		case key.Matches(k, m.keys.Back):
			return m.back()
		}
	}
	return nil
}

// kindUpdate runs the question about an account of another kind than
// chosen: go on with it, or choose and sign in again.
func (s *initiationScreen) kindUpdate(m *Model, k tea.KeyPressMsg) tea.Cmd {
	if key.Matches(k, m.keys.Back) {
		s.kind = nil
		return nil
	}
	cmd, done := s.kind.step(m, k)
	if !done {
		return cmd
	}
	s.kind = nil
	if s.kindOK {
		return m.goTo(stepDirectory)
	}
	return s.startChoose(m)
}

func (s *initiationScreen) chooseUpdate(m *Model, msg tea.Msg) tea.Cmd {
	if s.choose == nil {
		return nil
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, m.keys.Back) {
		return m.back()
	}
	cmd, done := s.choose.step(m, msg)
	if done {
		m.f.choice = s.choice
		switch s.choice {
		case optContinue:
			return s.readWho(m)
		case optRequest:
			s.phase = initRequest
			s.req.open(m)
			return nil
		case optServicePrincipal:
			return s.startSP(m)
		}
		s.phase = initSignIn
		m.f.signedInAs = ""
		s.signIn.tenant, s.signIn.claims = "", ""
		return s.signIn.start(m, viaDeviceCode)
	}
	return cmd
}

func (s *initiationScreen) readWho(m *Model) tea.Cmd {
	s.phase, s.whoErr = initWho, nil
	s.whoOp = m.nextOp()
	return whoCmd(m.ctx, m.be, s.whoOp)
}

// startSP shows the service-principal form, pre-filled in the demo.
func (s *initiationScreen) startSP(m *Model) tea.Cmd {
	if !s.spInit {
		s.spInit = true
		if d := m.o.Demo; d != nil && d.ServicePrincipal != nil {
			s.sp = spValues{tenant: d.ServicePrincipal.Tenant, clientID: d.ServicePrincipal.ClientID, secret: d.ServicePrincipal.Secret}
		}
	}
	s.phase, s.spErr = initSPForm, nil
	var cmd tea.Cmd
	s.spForm, cmd = m.embed(spFields(&s.sp, false, true)...)
	return cmd
}

// spUpdate runs the service-principal form: enter signs in from any field
// once every value is there, and moves to the next field until then.
func (s *initiationScreen) spUpdate(m *Model, msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, m.keys.Back):
			return s.startChoose(m)
		case key.Matches(k, m.keys.Continue):
			if _, err := s.sp.complete(); err == nil {
				return s.signInSP(m)
			}
		}
		s.spErr = nil
	}
	cmd, done := s.spForm.step(m, msg)
	if done {
		return s.signInSP(m)
	}
	return cmd
}

// signInSP signs in with the form's values, or says what is missing.
func (s *initiationScreen) signInSP(m *Model) tea.Cmd {
	if _, err := s.sp.complete(); err != nil {
		// The form was completed with a value left out: ask again.
		cmd := s.startSP(m)
		s.spErr = err
		return cmd
	}
	s.spErr = nil
	s.phase = initSigningSP
	s.spOp = m.nextOp()
	return spLoginCmd(m.ctx, m.be, s.spOp, strings.TrimSpace(s.sp.tenant), strings.TrimSpace(s.sp.clientID), s.sp.credential())
}

func (s *initiationScreen) keys(m *Model) []key.Binding {
	k := m.keys
	switch s.phase {
	case initChoose:
		return []key.Binding{k.Choose, with(k.Continue, "select"), k.Back}
	case initSignIn:
		return append(s.signIn.keys(m), k.Back)
	case initSPForm:
		enter := "next field"
		if _, err := s.sp.complete(); err == nil {
			enter = "sign in"
		}
		ks := []key.Binding{with(k.Continue, enter), k.NextField}
		if s.spForm != nil && !takesText(s.spForm.focused()) {
			ks = append(ks, k.Choose)
		}
		return append(ks, k.Back)
	case initWho:
		if s.whoErr != nil {
			return []key.Binding{k.Retry, with(k.SwitchID, "sign in again")}
		}
	case initCard:
		if s.kind != nil {
			return []key.Binding{with(k.Yes, "continue anyway"), with(k.No, "sign in again"), with(k.Continue, "answer")}
		}
		return []key.Binding{k.Continue, k.SwitchID, k.Back}
	case initRequest:
		return s.req.keys(m)
	}
	return nil
}

func (s *initiationScreen) view(m *Model, width int) (string, int) {
	st := m.st
	switch s.phase {
	case initSignIn:
		return s.signIn.view(m, width, signInTitle(m.f.choice))
	case initSPForm, initSigningSP:
		return s.spView(m, width)
	case initWho:
		if s.whoErr != nil {
			return st.bold.Render("Who are you in the customer's directory?") + "\n\n" + m.errorView(s.whoErr, width) +
				"\n\n" + wrap("Press r to read it again, or s to sign in again.", width), -1
		}
		return st.bold.Render("Signed in") + "\n\n" + m.spin.View() + " Reading who you are in the customer's directory…", -1
	case initCard:
		card := s.cardView(m, width)
		if s.kind != nil {
			return card, lineCount(card) - 1
		}
		return card, -1
	case initRequest:
		return s.req.view(m, width)
	}
	return s.chooseView(m, width)
}

// chooseView is the list of identities and, under it, what the one under
// the cursor means.
func (s *initiationScreen) chooseView(m *Model, width int) (string, int) {
	st := m.st
	list, anchor := s.choose.view(width)
	var b strings.Builder
	b.WriteString(list + "\n\n")
	for _, o := range identityOptions(m.f.profile, m.o.EnvIdentity) {
		if o.key != s.choice {
			continue
		}
		b.WriteString(hang("  ", o.choice.Summary, width) + "\n")
		for _, p := range o.choice.Pros {
			b.WriteString(hang("  "+st.ok.Render("+ "), p, width) + "\n")
		}
		for _, c := range o.choice.Cons {
			b.WriteString(hang("  "+st.warn.Render("− "), c, width) + "\n")
		}
	}
	out := strings.TrimRight(b.String(), "\n")
	return out, max(anchor, lineCount(out)-1)
}

func (s *initiationScreen) spView(m *Model, width int) (string, int) {
	st := m.st
	var b strings.Builder
	b.WriteString(st.bold.Render("Sign in as a service principal") + "\n")
	b.WriteString(wrap("The customer's administrator gives you these values. A secret stays in memory for this run: palwiz never shows it, logs it or writes it to disk.", width) + "\n\n")
	top := lineCount(b.String()) - 1
	form, anchor := s.spForm.view(width)
	b.WriteString(form)
	switch {
	case s.phase == initSigningSP:
		b.WriteString("\n\n" + m.spin.View() + " Signing in as the service principal…")
		anchor = -1
	case s.spErr != nil:
		b.WriteString("\n\n" + m.errorView(s.spErr, width))
		anchor = -1
	case s.spForm.err() != nil:
		b.WriteString("\n\n" + hang(st.bad.Render("✗ "), errorText(s.spForm.err()), width))
	}
	out := b.String()
	if anchor < 0 {
		return out, lineCount(out) - 1
	}
	return out, top + anchor + 3
}

func (s *initiationScreen) cardView(m *Model, width int) string {
	st := m.st
	w := *m.f.who
	var b strings.Builder
	b.WriteString(st.ok.Render("✓ ") + st.bold.Render("Signed in. This is you in the customer's directory:") + "\n\n")
	b.WriteString(st.card.Render(kvRows(st, width-6, whoRows(w)...)) + "\n")
	if len(s.notes) > 0 {
		b.WriteString(m.notesView(s.notes, width) + "\n")
	}
	if s.kind != nil {
		bw := min(width, 60)
		b.WriteString("\n" + st.dialog.Width(bw).Render(formView(s.kind, bw-8)) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
