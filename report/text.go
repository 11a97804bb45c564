package report

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// clean keeps text from a service or a user on one line and free of
// control characters: an escape sequence loses its ESC (and so its
// effect), line breaks and tabs become spaces, invalid UTF-8 is replaced.
func clean(s string) string {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f:
		case r == utf8.RuneError:
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// md is text for a Markdown cell or line: cleaned, with the characters
// Markdown and the HTML it may contain would act on escaped.
func md(s string) string {
	s = clean(s)
	if !strings.ContainsAny(s, "|\\<>*_`[]#") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "#", `\#`)
	return r.Replace(s)
}

// when is a time for people: "2026-12-02 10:04 UTC".
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// whenStamp is an RFC 3339 stamp for people.
func whenStamp(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return when(t)
}

// partner names a partner: "Fabrikam Consulting (Seattle) (4977985)".
func partner(l *Link) string {
	if l == nil || !l.Linked {
		return ""
	}
	if l.PartnerName == "" {
		return l.PartnerID
	}
	return l.PartnerName + " (" + l.PartnerID + ")"
}

// linkedWord is "yes", "no" or "not read".
func linkedWord(l *Link) string {
	switch {
	case l == nil:
		return "not read"
	case l.Linked:
		return "yes"
	}
	return "no"
}

// who names an identity: "Ana Lopez (ana.lopez@…)", a service principal by name and app ID.
func who(id *Identity) string {
	if id == nil {
		return ""
	}
	name := id.UPN
	if id.Kind == "servicePrincipal" {
		name = "app " + id.AppID
	}
	if id.DisplayName != "" && id.DisplayName != name {
		if name == "" {
			return id.DisplayName
		}
		return id.DisplayName + " (" + name + ")"
	}
	return name
}

// holder names a resource's holder.
func holder(h *Holder) string {
	if h == nil {
		return ""
	}
	switch {
	case h.DisplayName != "" && h.UPN != "":
		return h.DisplayName + " <" + h.UPN + ">"
	case h.DisplayName != "":
		return h.DisplayName
	case h.UPN != "":
		return h.UPN
	}
	return h.ObjectID
}

// verdictWord is a verdict for people.
func verdictWord(v string) string { return strings.ReplaceAll(v, "-", " ") }

// statusWord is a directory's status for people.
func statusWord(s string) string {
	switch s {
	case StatusComplete:
		return "complete"
	case StatusIncomplete:
		return "incomplete: some reads failed"
	}
	return "not checked: it failed"
}

func kindWord(id *Identity) string {
	if id == nil {
		return ""
	}
	if id.Kind == "servicePrincipal" {
		return "service principal"
	}
	return strings.ToLower(id.UserType)
}

func itoa(n int) string { return fmt.Sprint(n) }

// scopeWord says how the directories were chosen.
func scopeWord(s string) string {
	switch s {
	case "all-tenants":
		return "every directory the identity reaches (--all-tenants)"
	case "tenants-file":
		return "the directories of a tenants file (--tenants-file)"
	}
	return "one directory"
}
