package attribution

import (
	"fmt"
	"strings"
)

// Reference is a Microsoft Learn page a rule rests on, with the words that matter.
type Reference struct {
	Title string `json:"title"`
	URL   string `json:"url"`
	Quote string `json:"quote,omitempty"`
}

// Rule is how palwiz decides one product, in words the wizard can show.
type Rule struct {
	Product Product `json:"product"`
	// Metric is what Microsoft measures for the product.
	Metric string `json:"metric"`
	// Holder is what the rule looks at ("owner or co-owner", "creator"…),
	// and RoleLabel the column header that names it on a screen.
	Holder    string `json:"holder"`
	RoleLabel string `json:"roleLabel"`
	// Rule is the attribution rule, in palwiz's words.
	Rule string `json:"rule"`
	// Seed is the PAL guidance's own sentence(s) the rule rests on.
	Seed string `json:"seed"`
	// Tooling is the PAL guidance's tooling table row (GUI, PowerShell, PP
	// CLI, DevOps) for a user or service account, and for a service
	// principal; "" where the table has no row.
	Tooling   string `json:"tooling,omitempty"`
	ToolingSP string `json:"toolingServicePrincipal,omitempty"`
	// Learn are the Microsoft Learn pages that complete or correct it.
	Learn []Reference `json:"learn,omitempty"`
	// Limitations are the known limits of changing the holder.
	Limitations []string `json:"limitations"`
	// Fix is what palwiz offers when the resource is not attributed.
	Fix string `json:"fix"`
	// Unclear lists where the sources are ambiguous and what palwiz does there.
	Unclear []string `json:"unclear,omitempty"`
}

// The seed documents.
const (
	seedOlder = "Link a partner ID to Power Platform and Dynamics Customer Insights accounts (older draft)"
	seed2025  = "Link a partner ID to your Power Platform and Dynamics Customer Insights accounts (12/29/2025)"
)

// Microsoft Learn pages the rules rest on.
var (
	learnEnvironments = Reference{Title: "Power Platform environments overview", URL: "https://learn.microsoft.com/power-platform/admin/environments-overview",
		Quote: "Default: These are a special type of production environment."}
	learnShareApp  = Reference{Title: "Share a canvas app with your organization", URL: "https://learn.microsoft.com/power-apps/maker/canvas-apps/share-app"}
	learnAppOwner  = Reference{Title: "Set-AdminPowerAppOwner", URL: "https://learn.microsoft.com/powershell/module/microsoft.powerapps.administration.powershell/set-adminpowerappowner"}
	learnFlowOwner = Reference{Title: "Change the owner of a cloud flow", URL: "https://learn.microsoft.com/power-automate/change-cloud-flow-owner",
		Quote: "An owner, co-owner, or an admin can change the owner of a solution-aware flow … the original owner and the new owner both become co-owners of the flow. … This change is limited to solution-aware flows."}
	learnFlowCode    = Reference{Title: "Work with cloud flows using code (the workflow table: createdby, ownerid)", URL: "https://learn.microsoft.com/power-automate/manage-flows-with-code"}
	learnBotReassign = Reference{Title: "Reassign ownership of orphaned agents (Copilot Studio)", URL: "https://learn.microsoft.com/microsoft-copilot-studio/admin-api-reassign-ownership-orphaned-agent",
		Quote: "The old owner loses access to the agent after reassignment."}
	learnPacCopilot = Reference{Title: "pac copilot-studio (reassign-copilot-agent)", URL: "https://learn.microsoft.com/power-platform/developer/cli/reference/copilot-studio"}
	learnPipelines  = Reference{Title: "Deploy pipelines as a service principal or pipeline owner (delegated deployments)", URL: "https://learn.microsoft.com/power-platform/alm/delegated-deployments-setup",
		Quote: "When enabled, the pipeline stage deploys as the delegate (service principal or pipeline stage owner) instead of the requesting maker. … Lower permission security roles can't deploy plug-ins and other code components."}
	learnAppUser  = Reference{Title: "Manage application users in the Power Platform admin center", URL: "https://learn.microsoft.com/power-platform/admin/manage-application-users"}
	learnPBIOwner = Reference{Title: "Semantic model permissions", URL: "https://learn.microsoft.com/power-bi/connect-data/service-datasets-permissions",
		Quote: "the person who created the semantic model, and afterwards the last person to configure the semantic model after taking it over"}
	learnPBIRefresh = Reference{Title: "Data refresh in Power BI", URL: "https://learn.microsoft.com/power-bi/connect-data/refresh-data",
		Quote: "If you want to update the credentials for a semantic model where you are not the semantic model owner, you must first take over the semantic model"}
	learnPBIPublish  = Reference{Title: "Publish datasets and reports from Power BI Desktop", URL: "https://learn.microsoft.com/power-bi/create-reports/desktop-upload-desktop-files"}
	learnCIDataverse = Reference{Title: "Dataverse APIs for Customer Insights - Data", URL: "https://learn.microsoft.com/dynamics365/customer-insights/data/dv-odata",
		Quote: "If you're getting started with querying data using APIs, we recommend using Dataverse APIs instead."}
)

// PaidUsageCaveat is the guidance's caveat that applies to every verdict.
const PaidUsageCaveat = "The programs that use PAL (Specializations, incentives) may have more requirements, such as the resource being in production and associated with paid usage."

// rules are palwiz's reading of the PAL guidance (the 2025 revision; the
// older draft for the tooling tables and bots), completed by Microsoft
// Learn where the guidance is outdated, in palwiz's own words.
var rules = map[Product]Rule{
	CanvasApp: {Product: CanvasApp, Metric: "monthly active users", Holder: "owner or co-owner", RoleLabel: "owner / co-owner",
		Rule:    "The linked account must own the app or co-own it (CanEdit). If accounts linked to different partners own or co-own one app, the partner most recently active on it gets the credit.",
		Seed:    "“The user must be an owner/co-owner of the application. … In cases of multiple partners being mapped to a single application, the user's activity is reviewed to select the latest partner.” (" + seed2025 + ")",
		Tooling: "GUI yes, PowerShell yes, PP CLI yes, DevOps yes", ToolingSP: "GUI no, PowerShell no, PP CLI yes, DevOps yes",
		Learn: []Reference{learnShareApp, learnAppOwner},
		Limitations: []string{
			"An administrator can change the owner (Set-AdminPowerAppOwner; palwiz does the same); co-owners are added by sharing the app with CanEdit.",
			"Imported in a solution into another environment, the app belongs to the account that imported it.",
			"A service principal gets a canvas app only by a solution import (pac CLI or a pipeline): the tooling table says no for the portal and PowerShell.",
		},
		Fix: "palwiz adds the linked account as co-owner (nobody loses access), or, for an app you mark as delivered, makes it the owner (the previous owner keeps co-owner or viewer access).",
		Unclear: []string{
			"Co-ownership through a group: the guidance does not say whether members of a co-owner group count; palwiz reports such apps as 'cannot tell'.",
		}},
	ModelDrivenApp: {Product: ModelDrivenApp, Metric: "monthly active users", Holder: "creator", RoleLabel: "creator",
		Rule:    "The account that created the app must be the linked one; a model-driven app has no co-owners and its owner cannot be changed in the portal or PowerShell. In a managed solution, the last PAL-linked account to import the solution gets the credit.",
		Seed:    "“Make sure the app creator performs the PAL association. There's no co-owner option, and you can't change the owner using the GUI or PowerShell directly. The importing entity becomes the new owner when it's inside of a solution and it's imported into another environment.” (" + seed2025 + ")",
		Tooling: "GUI no, PowerShell no, PP CLI yes, DevOps yes", ToolingSP: "GUI no, PowerShell no, PP CLI yes, DevOps yes",
		Learn: []Reference{learnPipelines},
		Limitations: []string{
			"Only a solution import changes who holds it: the importing account becomes the owner.",
		},
		Fix: "By solution only: import a solution you delivered again as the linked account, or rebuild or copy the app in development and ship it as a new managed component. palwiz prints the steps and counts the app only after a check confirms it."},
	CloudFlow: {Product: CloudFlow, Metric: "monthly active users", Holder: "creator", RoleLabel: "creator (owner)",
		Rule:    "The account that created the flow must be the linked one; a flow has one creator. palwiz also reads a solution-aware flow's primary owner: a flow the linked account owns but did not create is 'cannot tell'. In a managed solution, the last PAL-linked importer gets the credit.",
		Seed:    "“The user must be the creator of the flow. There can only be one creator so there's no logic for multiple partners.” and “You can easily change the owner using the web GUI or with the PowerShell Set-AdminFlowOwnerRole cmdlet.” (" + seed2025 + "); the tooling table says yes for every tool, also for a service principal (" + seedOlder + ")",
		Tooling: "GUI yes, PowerShell yes, PP CLI yes, DevOps yes", ToolingSP: "GUI yes, PowerShell yes, PP CLI yes, DevOps yes",
		Learn: []Reference{learnFlowOwner, learnFlowCode},
		Limitations: []string{
			"Only a solution-aware flow's primary owner can be changed (also to a service principal's application user); the previous owner stays a co-owner. A flow outside any solution can be added to one first.",
			"A scheduled or automated flow runs under its owner's licence and request limits: the account it moves to needs the licence the flow uses (premium connectors need a premium licence; Power Automate allows 30 days).",
			"Co-owners added in the portal or with Set-AdminFlowOwnerRole do not move the credit.",
		},
		Fix: "For a solution-aware flow you delivered, palwiz makes the linked account its primary owner ('cannot tell' afterwards, since the creator stays); to make it certain, rebuild the flow as the linked account in development and ship it in a managed solution.",
		Unclear: []string{
			"The guidance's table names the creator, while its notes and tooling table say the owner is easy to change. palwiz reads both: creator → attributed; primary owner but not creator → cannot tell; neither → not attributed.",
		}},
	CopilotBot: {Product: CopilotBot, Metric: "", Holder: "creator", RoleLabel: "creator",
		Rule:    "The account that created the bot must be the linked one (the older draft of the guidance, which calls them Power Virtual Agents; the 2025 revision has no Copilot Studio section). An owner who did not create the bot is not credited. In a managed solution, the last PAL-linked importer gets the credit.",
		Seed:    "“Make sure the Bot creator has a PAL association. You can not change the owner in the GUI or via a PowerShell command. When inside of a solution, and imported into another environment, the importing entity becomes the new owner.” (" + seedOlder + ")",
		Tooling: "GUI no, PowerShell no, PP CLI yes, DevOps yes", ToolingSP: "GUI no, PowerShell no, PP CLI yes, DevOps yes",
		Learn: []Reference{learnBotReassign, learnPacCopilot},
		Limitations: []string{
			"An administrator can now reassign a bot's owner (Copilot Studio's admin API, `pac copilot-studio reassign-copilot-agent`, or Dataverse), and the old owner loses access; the creator does not change and still decides.",
			"Imported in a solution into another environment, the bot belongs to the account that imported it.",
		},
		Fix: "Rebuild or copy the bot in development and ship it as a new managed component imported by the linked account. Changing the owner is shown as advice: it does not move the credit.",
		Unclear: []string{
			"The 2025 revision of the guidance has no Copilot Studio section; palwiz follows the older draft (the creator).",
		}},
	Solution: {Product: Solution, Metric: "the usage of everything inside it", Holder: "last PAL-linked importer", RoleLabel: "importer",
		Rule:  "The last account with a PAL link to import a managed solution owns everything in it and gets its credit. palwiz sees who imported, not whether they have a link: when someone else imported after the linked account, it is 'cannot tell'.",
		Seed:  "“The last account with a PAL Association to import the solution assumes ownership of all objects inside the Solution and receive the usage credit.” and “When you use Solutions, the account used to import the Solution becomes the owner of each deliverable inside the Solution.” (" + seed2025 + ")",
		Learn: []Reference{learnPipelines, learnAppUser},
		Limitations: []string{
			"The PAL guidance offers no solution path for Power BI or Customer Insights.",
			"Importing plug-ins or other code components needs the System Administrator role in the environment.",
			"A Power Platform pipeline stage set to delegated deployment imports as its delegate (a service principal or the stage owner): link that identity.",
		},
		Fix: "Import a solution your organisation delivered again, signed in as the linked account (pac solution import, or a pipeline stage deploying as it). palwiz never plans to re-import a solution you did not deliver."},
	Dataset: {Product: Dataset, Metric: "monthly active users", Holder: "publisher", RoleLabel: "publisher",
		Rule:    "The account that published the dataset must be the linked one. Power BI shows its owner (configuredBy): the publisher, or whoever took it over since; a dataset the linked account took over is 'cannot tell'. If several partners are linked, the most recently active one gets the credit.",
		Seed:    "“The user must be the publisher of the dataset.” and “The act of publishing to the Power BI service sets the owner. … Use PowerShell to publish as any user or Service Account.” (" + seed2025 + "); the tooling table says GUI no, PowerShell yes (" + seedOlder + ")",
		Tooling: "GUI no, PowerShell yes, PP CLI no, DevOps no", ToolingSP: "GUI no, PowerShell yes, PP CLI no, DevOps no",
		Learn: []Reference{learnPBIPublish, learnPBIOwner, learnPBIRefresh},
		Limitations: []string{
			"Taking a dataset over makes the caller its owner, but the guidance's table says the portal cannot change the publisher: a take-over is not documented to count.",
			"After a take-over, refreshes use the new owner's credentials: the data source credentials must be entered again, or scheduled refresh fails.",
			"Power BI items can be solution components, but the PAL guidance offers no solution path for Power BI.",
			"Power BI has workspaces, not environments: whether a workspace is production is your call.",
		},
		Fix: "Publish the model as a new semantic model signed in as the linked account (Power BI Desktop, or PowerShell's New-PowerBIReport). palwiz can take a dataset you delivered over, which leaves it 'cannot tell' and needs its credentials entered again.",
		Unclear: []string{
			"For a service principal, the format of configuredBy is not documented.",
		}},
	CIInstance: {Product: CIInstance, Metric: "unified profiles", Holder: "active user", RoleLabel: "user",
		Rule:  "Any active user of the instance is attributed; a role is access, not activity, so palwiz says 'cannot tell' unless the linked account uses the instance. If several partners are linked, the most recently active one gets the credit.",
		Seed:  "“Any active user of an Instance is treated as the attributed user. In cases of multiple partners being mapped to a single Instance, the user's activity is reviewed to select the latest partner.” (" + seed2025 + ")",
		Learn: []Reference{learnCIDataverse},
		Limitations: []string{
			"There is no owner to change: the linked account needs a role in the instance and has to use it.",
			"palwiz reads the instances through the Dataverse APIs, as Microsoft recommends: an environment whose Dataverse has the msdynci_customerprofile table hosts one, and the linked account's access is being a user of that environment. An instance outside Dataverse is read through the Customer Insights API, which needs a subscription key (Settings > Permissions > APIs).",
		},
		Fix: "Use the instance as the linked account (sign in to Customer Insights - Data with it).",
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

// RoleLabel is the column header that names, for a product, the account its
// rule looks at: "owner / co-owner", "creator", "publisher", "importer", "user".
func RoleLabel(p Product) string { return rules[p].RoleLabel }

// EnvironmentRule says how environment types weigh, with its source.
var EnvironmentRule = Rule{
	Rule:        "Production and Default environments count: Microsoft calls the Default environment a special type of production environment. Sandbox, Developer, Trial and Teams environments do not count.",
	Seed:        "“associate your partner network ID with the Azure credential used for service delivery that's in your customers' production environments” (" + seed2025 + "); “the specific programs … may have other requirements such as the resource needing to be in production and associated with paid usage” (" + seedOlder + ")",
	Learn:       []Reference{learnEnvironments},
	Limitations: []string{PaidUsageCaveat},
}

// ClassifyEnvironment says whether resources in an environment of this SKU
// earn PAL credit: Production and Default count; Sandbox, Trial, Developer,
// Teams and the other kinds do not; an unknown kind is unclear.
func ClassifyEnvironment(sku string) EnvCount {
	switch strings.ToLower(sku) {
	case "production", "default":
		return EnvCounts
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

var defaultNotes = []string{defaultNote}

const defaultNote = "Default environment: it counts as production (Microsoft calls it a special type of production environment). " + PaidUsageCaveat

// weigh combines the ownership with the environment's type into the
// verdict, its reason, and (when the environment decided) the ownership.
func weigh(env *Environment, o ownership) (v Verdict, reason, owned string, notes []string) {
	switch env.Counts {
	case EnvDoesNotCount:
		return DoesNotCount, env.Type + " environment: not production. PAL is for the account used in customers' production environments, and the programs that use PAL may require the resource to be in production.", o.reason, o.notes
	case EnvUnclear:
		return CannotTell, fmt.Sprintf("Environment type %q: palwiz does not know whether it counts as production.", env.Type), o.reason, o.notes
	}
	if strings.EqualFold(env.Type, "Default") {
		if len(o.notes) == 0 {
			return o.verdict, o.reason, "", defaultNotes // shared: appending to it copies (cap 1)
		}
		return o.verdict, o.reason, "", append(append([]string(nil), o.notes...), defaultNote)
	}
	return o.verdict, o.reason, "", o.notes
}
