package steps

import (
	"fmt"
	"strings"
	"time"
)

// Rule is how palwiz decides one product, in words the TUI can show.
type Rule struct {
	Product Product `json:"product"`
	// Metric is what Microsoft measures for the product.
	Metric string `json:"metric"`
	// Holder is what the rule looks at ("owner or co-owner", "creator"…).
	Holder string `json:"holder"`
	// Rule is the attribution rule.
	Rule string `json:"rule"`
	// Limitations are the known limits of changing the holder.
	Limitations []string `json:"limitations"`
	// Fix is what palwiz offers when the resource is not attributed.
	Fix string `json:"fix"`
	// Unclear lists where the guidance is ambiguous and what palwiz does there.
	Unclear []string `json:"unclear,omitempty"`
}

// rules are palwiz's reading of the PAL guidance (the 2025 revision, with the
// older draft's notes on bots), in its own words.
var rules = map[Product]Rule{
	CanvasApp: {Product: CanvasApp, Metric: "monthly active users", Holder: "owner or co-owner",
		Rule: "The linked account must be the app's owner or a co-owner (CanEdit). If several partners are linked to one app, the most recently active one gets the credit.",
		Limitations: []string{
			"Only the owner can be changed by an administrator (Set-AdminPowerAppOwner, or palwiz); co-owners are added by sharing the app.",
			"An app imported in a solution belongs to whoever imported it.",
			"Moving an app to a service principal is possible only by importing a solution as that service principal (pac CLI or a pipeline).",
		},
		Fix: "Add the linked account as co-owner, or make it the owner and keep the previous owner as co-owner or viewer.",
		Unclear: []string{
			"Co-ownership through a group: the guidance does not say whether members of a co-owner group count; palwiz reports such apps as 'cannot tell'.",
		}},
	ModelDrivenApp: {Product: ModelDrivenApp, Metric: "monthly active users", Holder: "creator",
		Rule:        "The account that created the app must be the linked one. In a managed solution, the account that last imported the solution gets the credit.",
		Limitations: []string{"There is no co-owner, and neither the portal nor PowerShell can change who created the app.", "Importing it in a solution as the linked account makes that account its owner."},
		Fix:         "Import its solution again as the linked account (pac solution import); palwiz prints the command."},
	CloudFlow: {Product: CloudFlow, Metric: "monthly active users", Holder: "creator",
		Rule:        "The account that created the flow must be the linked one; a flow has one creator. In a managed solution, the account that last imported the solution gets the credit.",
		Limitations: []string{"The creator never changes. Owners added in the portal or with Set-AdminFlowOwnerRole are co-owners, not creators.", "Importing the flow in a solution as the linked account makes that account its owner."},
		Fix:         "palwiz can add the linked account as co-owner, which lets it manage the flow but does not move the credit; to move the credit, import the flow in a solution as the linked account.",
		Unclear: []string{
			"The guidance names the creator in its table, yet says a flow's owner is easy to change. palwiz follows the table: a co-owner is not attributed, and it says so.",
		}},
	CopilotBot: {Product: CopilotBot, Metric: "", Holder: "creator",
		Rule:        "The account that created the bot must be the linked one (the older draft of the guidance, which calls them Power Virtual Agents). In a managed solution, the last importer gets the credit.",
		Limitations: []string{"The portal and PowerShell cannot change the bot's owner; Dataverse can (Assign), but that does not change the creator."},
		Fix:         "Change the bot's owner to the linked account in Dataverse, and to be sure, import the bot in a solution as the linked account.",
		Unclear: []string{
			"The current guidance has no Copilot Studio rule and the older draft names the creator; a bot the linked account owns but did not create is 'cannot tell'.",
		}},
	Solution: {Product: Solution, Metric: "the usage of everything inside it", Holder: "last importer",
		Rule:        "The last PAL-linked account to import a managed solution owns every component in it and gets their credit.",
		Limitations: []string{"There are no solutions for Power BI or Customer Insights."},
		Fix:         "Import the solution again as the linked account (pac solution import); palwiz prints the command."},
	Dataset: {Product: Dataset, Metric: "monthly active users", Holder: "publisher",
		Rule:        "The account that published the dataset must be the linked one (Power BI shows it as the dataset's owner, configuredBy). If several partners are linked, the most recently active one gets the credit.",
		Limitations: []string{"Publishing sets the owner; an owner can also take a dataset over, which makes the caller its owner.", "Power BI has workspaces, not environments: whether a workspace is production is your call."},
		Fix:         "Take the dataset over as the linked account (palwiz must be signed in as that account), or publish it again as that account.",
		Unclear: []string{
			"Whether taking a dataset over counts as publishing it is not documented; publishing again as the linked account is the sure way.",
			"For a service principal, the format of configuredBy is not documented.",
		}},
	CIInstance: {Product: CIInstance, Metric: "unified profiles", Holder: "active user",
		Rule:        "Any active user of the instance is attributed; if several partners are linked, the most recently active one gets the credit.",
		Limitations: []string{"There is no owner to change: the linked account needs a role in the instance and has to use it.", "The API needs a subscription key (Customer Insights > Settings > Permissions > APIs)."},
		Fix:         "Give the linked account a role in the instance and use the instance with it.",
		Unclear: []string{
			"palwiz sees whether the linked account has access, not whether it is active.",
		}},
}

// RuleFor returns the rule palwiz applies to a product.
func RuleFor(p Product) Rule { return rules[p] }

// Rules returns every product's rule, in the order of Products.
func Rules() []Rule {
	out := make([]Rule, 0, len(Products))
	for _, p := range Products {
		out = append(out, rules[p])
	}
	return out
}

// ClassifyEnvironment says whether resources in an environment of this SKU
// earn PAL credit: Production counts; the Default environment is unclear;
// Sandbox, Trial, Developer, Teams and the other kinds do not count.
func ClassifyEnvironment(sku string) EnvCount {
	switch strings.ToLower(sku) {
	case "production":
		return EnvCounts
	case "default":
		return EnvUnclear
	case "sandbox", "trial", "developer", "teams", "subscriptionbasedtrial", "support", "platform":
		return EnvDoesNotCount
	case strings.ToLower(TypePowerBIWorkspace), strings.ToLower(TypeCustomerInsights):
		return EnvNotApplicable
	}
	return EnvUnclear
}

// ownership is what a product's rule says about the holder, before the
// environment is weighed.
type ownership struct {
	verdict    Verdict // Attributed, NotAttributed or CannotTell
	reason     string
	notes      []string
	linkedRole string
}

func (o ownership) owned() bool { return o.verdict == Attributed }

// weigh combines the ownership with the environment's type into the
// verdict, its reason, and (when the environment decided) the ownership.
func weigh(env *Environment, o ownership) (v Verdict, reason, owned string, notes []string) {
	switch env.Counts {
	case EnvDoesNotCount:
		return DoesNotCount, env.Type + " environment: PAL credits resources in production environments only.", o.reason, o.notes
	case EnvUnclear:
		what := "Default environment: the PAL guidance does not say whether it counts as production."
		if !strings.EqualFold(env.Type, "Default") {
			what = fmt.Sprintf("Environment type %q: the PAL guidance does not say whether it counts.", env.Type)
		}
		return CannotTell, what, o.reason, o.notes
	}
	return o.verdict, o.reason, "", o.notes
}

func who(h Holder) string {
	if s := h.Label(); s != "" {
		return s
	}
	return "an unknown account"
}

// Canvas apps: the owner, or a co-owner (CanEdit).
func judgeCanvas(l LinkedIdentity, owner Holder, linkedRole string, permsKnown bool, groupCoOwners []string) ownership {
	switch {
	case SameObject(owner.ObjectID, l.ObjectID):
		return ownership{verdict: Attributed, reason: "The linked account owns the app."}
	case strings.EqualFold(linkedRole, "CanEdit"):
		return ownership{verdict: Attributed, reason: "The linked account is a co-owner (CanEdit); " + who(owner) + " owns it.", linkedRole: "co-owner (CanEdit)"}
	case len(groupCoOwners) > 0:
		return ownership{verdict: CannotTell, linkedRole: linkedRoleText(linkedRole),
			reason: fmt.Sprintf("Owned by %s and co-owned by group %s. The PAL guidance does not say whether members of a co-owner group count, and palwiz does not check group membership.", who(owner), strings.Join(groupCoOwners, ", "))}
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

// inSolution is the managed solution a component is in, with its last importer.
type inSolution struct {
	name     string
	importer Holder
	known    bool // a completed import was found
	linked   bool // the importer is the linked identity
}

// solutionRule applies "the last importer of a managed solution owns its components".
func solutionRule(what string, s inSolution, creator Holder, creatorLinked bool) ownership {
	switch {
	case s.linked:
		o := ownership{verdict: Attributed, reason: fmt.Sprintf("In managed solution %s, which the linked account imported last: PAL credits the last importer.", s.name)}
		if !creatorLinked {
			o.notes = []string{fmt.Sprintf("The %s was created by %s.", what, who(creator))}
		}
		return o
	case !s.known:
		return ownership{verdict: CannotTell, reason: fmt.Sprintf("In managed solution %s, but no completed import of it was found, so palwiz cannot tell who imported it last.", s.name)}
	}
	return ownership{verdict: NotAttributed, reason: fmt.Sprintf("In managed solution %s, which %s imported last: PAL credits the last importer.", s.name, who(s.importer))}
}

// Flows: the creator; co-owners do not count.
func judgeFlow(l LinkedIdentity, creator Holder, creatorIsLinked bool, sol *inSolution) ownership {
	if sol != nil {
		return solutionRule("flow", *sol, creator, creatorIsLinked)
	}
	if creatorIsLinked {
		return ownership{verdict: Attributed, reason: "The linked account created the flow."}
	}
	return ownership{verdict: NotAttributed,
		reason: "Created by " + who(creator) + ". PAL credits a flow's creator only; co-owners do not count, and the creator cannot change.",
		notes:  []string{"The PAL guidance also says a flow's owner is easy to change; that adds a co-owner, which its own table does not credit."}}
}

// Model-driven apps: the creator (no co-owners).
func judgeModelDriven(l LinkedIdentity, creator Holder, creatorIsLinked, linkedIsUser bool, sol *inSolution) ownership {
	if sol != nil {
		return solutionRule("app", *sol, creator, creatorIsLinked)
	}
	switch {
	case creatorIsLinked:
		return ownership{verdict: Attributed, reason: "The linked account created the app."}
	case !linkedIsUser:
		return ownership{verdict: NotAttributed, reason: "Created by " + who(creator) + "; the linked account is not even a user of this environment."}
	}
	return ownership{verdict: NotAttributed, reason: "Created by " + who(creator) + ". A model-driven app's creator cannot change and it has no co-owners."}
}

// Bots: the creator; an owner that is not the creator is unclear.
func judgeBot(l LinkedIdentity, creator, owner Holder, creatorIsLinked, ownerIsLinked, linkedIsUser bool, sol *inSolution) ownership {
	if sol != nil {
		return solutionRule("bot", *sol, creator, creatorIsLinked)
	}
	switch {
	case creatorIsLinked:
		return ownership{verdict: Attributed, reason: "The linked account created the bot."}
	case ownerIsLinked:
		return ownership{verdict: CannotTell, linkedRole: "owner, not creator",
			reason: "The linked account owns the bot but " + who(creator) + " created it. The older PAL guidance names the creator and the current one has no Copilot Studio rule."}
	case !linkedIsUser:
		return ownership{verdict: NotAttributed, reason: "Created by " + who(creator) + "; the linked account is not even a user of this environment."}
	}
	if sameHolder(creator, owner) {
		return ownership{verdict: NotAttributed, reason: "Created and owned by " + who(creator) + "."}
	}
	return ownership{verdict: NotAttributed, reason: "Created by " + who(creator) + " and owned by " + who(owner) + "."}
}

// Managed solutions: the last account to import it successfully.
func judgeSolution(importer Holder, when time.Time, known, importerIsLinked bool) ownership {
	switch {
	case !known:
		return ownership{verdict: CannotTell, reason: "No completed import of this solution was found, so palwiz cannot tell who imported it last."}
	case importerIsLinked:
		return ownership{verdict: Attributed, reason: "The linked account imported it last (" + when.UTC().Format("2006-01-02") + "): it owns every component in it."}
	}
	return ownership{verdict: NotAttributed, reason: "Last imported by " + who(importer) + " (" + when.UTC().Format("2006-01-02") + "): that account owns every component in it."}
}

// Power BI datasets: configuredBy against the linked identity's UPN.
func judgeDataset(l LinkedIdentity, configuredBy string) ownership {
	h := Holder{UPN: configuredBy}
	if configuredBy == "" {
		return ownership{verdict: CannotTell, reason: "Power BI did not say who owns the dataset (configuredBy is empty)."}
	}
	if l.IsServicePrincipal() {
		if strings.EqualFold(configuredBy, l.AppID) || strings.EqualFold(configuredBy, l.ObjectID) {
			return ownership{verdict: Attributed, reason: "Owned by the linked service principal.",
				notes: []string{"Power BI's way of naming a service principal owner is not documented; palwiz matched its application or object ID."}}
		}
		if !strings.Contains(configuredBy, "@") {
			return ownership{verdict: CannotTell, reason: "Owned by " + configuredBy + ", which is not a user; palwiz cannot tell whether it is the linked service principal."}
		}
		return ownership{verdict: NotAttributed, reason: "Owned (published) by " + who(h) + ", not by the linked service principal."}
	}
	for _, name := range upnForms(l.UPN) {
		if strings.EqualFold(configuredBy, name) {
			return ownership{verdict: Attributed, reason: "The linked account published the dataset (or took it over): Power BI shows it as the owner."}
		}
	}
	return ownership{verdict: NotAttributed, reason: "Owned (published) by " + who(h) + ", not by the linked account."}
}

// upnForms are the names Power BI may show for a user: its UPN and, for a
// guest (name_domain#EXT#@tenant), its home address.
func upnForms(upn string) []string {
	if upn == "" {
		return nil
	}
	out := []string{upn}
	if i := strings.Index(strings.ToUpper(upn), "#EXT#@"); i > 0 {
		local := upn[:i]
		if j := strings.LastIndex(local, "_"); j > 0 {
			out = append(out, local[:j]+"@"+local[j+1:])
		}
	}
	return out
}

// Customer Insights: any active user; palwiz sees access, not activity.
func judgeCI(l LinkedIdentity) ownership {
	if !l.SignedIn {
		return ownership{verdict: CannotTell, reason: "palwiz lists the instances of the signed-in identity, which is not the linked one; sign in as the linked account to check its access."}
	}
	return ownership{verdict: Attributed, reason: "The linked account has a role in the instance.",
		notes: []string{"PAL credits active users: the account has to use the instance; palwiz cannot see activity."}}
}

func sameHolder(a, b Holder) bool {
	return SameObject(a.SystemUserID, b.SystemUserID) || SameObject(a.ObjectID, b.ObjectID)
}

// SameObject compares object IDs (GUIDs) case-insensitively.
func SameObject(a, b string) bool { return a != "" && strings.EqualFold(a, b) }
