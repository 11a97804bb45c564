package attribution

import (
	"fmt"
	"strings"
	"sync"

	"github.com/palwiz/palwiz/azure/powerplatform"
)

// Canvas apps (Power Apps): the owner, or a co-owner (CanEdit).

func (s *scanner) scanApps(e *Environment) {
	pa := s.apps
	var need []powerplatform.App
	err := pa.Apps(s.ctx, e.ID, s.linked.ObjectID, func(page []powerplatform.App) error {
		batch := make([]Resource, 0, len(page))
		for _, a := range page {
			role := linkedRoleIn(a.Permissions, s.linked.ObjectID)
			owned := SameObject(a.Owner.ID, s.linked.ObjectID) || strings.EqualFold(role, powerplatform.RoleCanEdit)
			if !owned && e.Counts != EnvDoesNotCount && (!a.PermissionsExpanded || a.SharedGroupsCount > 0) {
				need = append(need, a)
				continue
			}
			batch = append(batch, s.canvasResource(e, a, role, a.PermissionsExpanded || owned, nil))
		}
		s.add(batch)
		return nil
	})
	if err != nil {
		s.fail(CanvasApp, e.Name, "Power Apps", err)
	}
	if len(need) > 0 {
		s.add(s.readAppPermissions(e, need))
	}
}

// readAppPermissions reads the full permissions of the apps the list could
// not settle (its expansion was ignored, or a group co-owns them).
func (s *scanner) readAppPermissions(e *Environment, need []powerplatform.App) []Resource {
	out := make([]Resource, len(need))
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i, a := range need {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			perms, err := s.apps.Permissions(s.ctx, e.ID, a.Name)
			if err != nil {
				r := s.canvasResource(e, a, "", false, nil)
				r.Notes = append(r.Notes, "Reading its co-owners failed: "+failureMessage(err, s.kind))
				out[i] = r
				return
			}
			out[i] = s.canvasResource(e, a, linkedRoleIn(perms, s.linked.ObjectID), true, groupCoOwners(perms))
		})
	}
	wg.Wait()
	return out
}

func groupCoOwners(perms []powerplatform.Permission) []string {
	var groups []string
	for _, p := range perms {
		if strings.EqualFold(p.Principal.Type, "Group") && strings.EqualFold(p.RoleName, powerplatform.RoleCanEdit) {
			groups = append(groups, first(p.Principal.DisplayName, p.Principal.ID))
		}
	}
	return groups
}

func linkedRoleIn(perms []powerplatform.Permission, oid string) string {
	role := ""
	for _, p := range perms {
		if SameObject(p.Principal.ID, oid) {
			switch {
			case strings.EqualFold(p.RoleName, powerplatform.RoleOwner):
				return powerplatform.RoleOwner
			case strings.EqualFold(p.RoleName, powerplatform.RoleCanEdit):
				role = powerplatform.RoleCanEdit
			case role == "":
				role = p.RoleName
			}
		}
	}
	return role
}

func (s *scanner) holderOf(p powerplatform.Principal) Holder {
	return Holder{ObjectID: s.intern(strings.ToLower(p.ID)), UPN: s.intern(first(p.UserPrincipalName, p.Email)), Name: s.intern(p.DisplayName)}
}

func (s *scanner) canvasResource(e *Environment, a powerplatform.App, linkedRole string, permsKnown bool, groups []string) Resource {
	owner := s.holderOf(a.Owner)
	o := judgeCanvas(s.linked, owner, linkedRole, permsKnown, groups)
	r := Resource{Product: CanvasApp, ID: a.Name, Name: a.DisplayName, Env: e, Role: "owner", Holder: owner, LinkedRole: o.linkedRole,
		Owned: o.owned()}
	r.setGroups(groups)
	r.Verdict, r.Reason, r.Ownership, r.Notes = s.weigh(e, o)
	if strings.EqualFold(a.AlmMode, "Solution") {
		r.Notes = append(r.Notes, "The app is in a solution: importing that solution as the linked account makes it the owner.")
	}
	return r
}

// judgeCanvas applies "owner or co-owner" to one app.
func judgeCanvas(l LinkedIdentity, owner Holder, linkedRole string, permsKnown bool, groups []string) ownership {
	switch {
	case SameObject(owner.ObjectID, l.ObjectID):
		return ownership{verdict: Attributed, reason: "The linked account owns the app."}
	case strings.EqualFold(linkedRole, "CanEdit"):
		return ownership{verdict: Attributed, reason: "The linked account is a co-owner (CanEdit); " + who(owner) + " owns it.", linkedRole: "co-owner (CanEdit)",
			notes: []string{"If " + who(owner) + " is linked to another partner, the partner most recently active on the app gets the credit."}}
	case len(groups) > 0:
		return ownership{verdict: CannotTell, linkedRole: linkedRoleText(linkedRole),
			reason: fmt.Sprintf("Owned by %s and co-owned by group %s. The PAL guidance does not say whether members of a co-owner group count, and palwiz does not check group membership.", who(owner), strings.Join(groups, ", "))}
	case !permsKnown:
		return ownership{verdict: CannotTell, reason: "Owned by " + who(owner) + "; palwiz did not read the app's co-owners."}
	case strings.EqualFold(linkedRole, "CanView") || strings.EqualFold(linkedRole, "CanViewWithShare"):
		return ownership{verdict: NotAttributed, linkedRole: linkedRoleText(linkedRole),
			reason: "Owned by " + who(owner) + "; the linked account can only use the app (" + linkedRole + "), and PAL needs owner or co-owner."}
	}
	return ownership{verdict: NotAttributed, reason: "Owned by " + who(owner) + "; the linked account is neither owner nor co-owner."}
}

func linkedRoleText(role string) string {
	switch role {
	case "":
		return ""
	case "CanEdit":
		return "co-owner (CanEdit)"
	case "CanView", "CanViewWithShare":
		return "user (" + role + ")"
	}
	return role
}

// canvas plans a canvas app's fix: a co-owner (nobody loses anything), the
// owner (for a delivered app), or, for a service principal, a solution import.
func (pl planner) canvas(r Resource) []Fix {
	l, o := pl.l, pl.o
	if l.IsServicePrincipal() {
		f := pl.rebuild(r, "PAL's tooling table lets a canvas app move to a service principal only by a solution import (PP CLI or DevOps), not in the portal or PowerShell. If the app is in a managed solution you deliver, import that solution again as the service principal instead.")
		return []Fix{f}
	}
	if o.CanvasApp == CanvasOwner {
		f := Fix{Kind: FixMakeOwner, Resource: r, Automatic: true, Attributes: true, After: Attributed, Ownership: true, role: o.PreviousOwnerRole,
			TakesFrom: who(r.Holder),
			Summary:   fmt.Sprintf("Make %s the owner of %s; %s keeps %s", l.Name(), r.label(), who(r.Holder), roleWords(o.PreviousOwnerRole)),
			Explanation: "The owner of a canvas app is attributed. An administrator can change the owner (as Set-AdminPowerAppOwner does); the previous owner keeps access as " + roleWords(o.PreviousOwnerRole) + "." +
				solutionNote(r),
			Loses: who(r.Holder) + " stops being the app's owner and keeps " + roleWords(o.PreviousOwnerRole) + "."}
		return []Fix{f}
	}
	return []Fix{{Kind: FixAddCoOwner, Resource: r, Automatic: true, Attributes: true, After: Attributed,
		Summary:     fmt.Sprintf("Add %s as co-owner (CanEdit) of %s", l.Name(), r.label()),
		Explanation: "A co-owner of a canvas app is attributed, and nobody loses access. The app is shared with the linked account without a notification. If " + who(r.Holder) + " is linked to another partner, the partner most recently active on the app gets the credit." + solutionNote(r)}}
}

func roleWords(role string) string {
	if role == powerplatform.RoleCanView {
		return "view access (CanView)"
	}
	return "co-owner access (CanEdit)"
}

func solutionNote(r Resource) string {
	for _, n := range r.Notes {
		if strings.Contains(n, "in a solution") {
			return " The app is in a solution: the next import of that solution gives it to whoever imports it."
		}
	}
	return ""
}
