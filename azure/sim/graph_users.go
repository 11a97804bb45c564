package sim

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Microsoft Graph users: /me, /users/{id | userPrincipalName} and
// /users?$filter=userPrincipalName eq '…' (the lookup clients make by UPN),
// with Graph's default properties or exactly the $select ones.

// userDefaults are the properties Graph v1.0 answers for a user without $select.
var userDefaults = []string{"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"}

// graphUser is every property the simulator knows for a directory user.
func graphUser(p principal) map[string]any {
	ut := "Member"
	if p.guest {
		ut = "Guest"
	}
	given, sur, _ := strings.Cut(p.user.DisplayName, " ")
	return map[string]any{
		"id": p.oid, "displayName": p.user.DisplayName, "userPrincipalName": graphUPN(p), "mail": p.user.UserPrincipalName,
		"userType": ut, "accountEnabled": !p.user.Disabled, "givenName": given, "surname": sur, "businessPhones": []any{},
		"jobTitle": nil, "mobilePhone": nil, "officeLocation": nil, "preferredLanguage": nil,
		"creationType":      map[bool]any{true: "Invitation", false: nil}[p.guest],
		"externalUserState": map[bool]any{true: "Accepted", false: nil}[p.guest],
	}
}

// graphSelect keeps the object's properties that $select names (its
// defaults, when given, without $select); an unknown property is refused.
func graphSelect(obj map[string]any, sel, typ string, defaults []string) (map[string]any, error) {
	keep := defaults
	if strings.TrimSpace(sel) != "" {
		keep = nil
		for _, f := range strings.Split(sel, ",") {
			f = strings.TrimSpace(f)
			found := ""
			for k := range obj {
				if strings.EqualFold(k, f) {
					found = k
				}
			}
			if found == "" {
				return nil, fmt.Errorf("Could not find a property named '%s' on type 'microsoft.graph.%s'.", f, typ)
			}
			keep = append(keep, found)
		}
	}
	if keep == nil {
		return obj, nil
	}
	out := make(map[string]any, len(keep))
	for _, k := range keep {
		out[k] = obj[k]
	}
	return out, nil
}

func (s *Server) writeUser(w http.ResponseWriter, r *http.Request, p principal, context string) {
	obj, err := graphSelect(graphUser(p), r.URL.Query().Get("$select"), "user", userDefaults)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, graphError("BadRequest", err.Error()))
		return
	}
	obj["@odata.context"] = context
	writeJSON(w, http.StatusOK, obj)
}

// mayReadUsers: members read the directory's users; guests only themselves;
// applications with User.Read.All (or Directory.Read.All).
func (c *caller) mayReadUsers() bool {
	if c.IDType == "app" {
		return slicesContainsFold(c.Roles, "User.Read.All") || slicesContainsFold(c.Roles, "Directory.Read.All")
	}
	return c.p.user != nil && !c.p.guest && !c.p.foreign
}

func slicesContainsFold(v []string, s string) bool {
	for _, x := range v {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// usersOf lists the user objects of a tenant (members and guests).
func (s *Server) usersOf(tenant string) []principal {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []principal
	for _, p := range s.st.objects {
		if p.user != nil && strings.EqualFold(p.tenant.ID, tenant) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].oid < out[j].oid })
	return out
}

var filterUPN = regexp.MustCompile(`(?i)^userPrincipalName eq '((?:[^']|'')+)'$`)

func (s *Server) graphListUsers(w http.ResponseWriter, r *http.Request, c *caller) {
	if !c.mayReadUsers() {
		writeJSON(w, http.StatusForbidden, graphError("Authorization_RequestDenied", "Insufficient privileges to complete the operation."))
		return
	}
	var want string
	if f := strings.TrimSpace(r.URL.Query().Get("$filter")); f != "" {
		m := filterUPN.FindStringSubmatch(f)
		if m == nil {
			writeJSON(w, http.StatusBadRequest, graphError("Request_UnsupportedQuery", "The simulator supports only $filter=userPrincipalName eq '...' on users."))
			return
		}
		want = strings.ReplaceAll(m[1], "''", "'")
	}
	value := []any{}
	for _, p := range s.usersOf(c.Tid) {
		if want != "" && !strings.EqualFold(graphUPN(p), want) {
			continue
		}
		obj, err := graphSelect(graphUser(p), r.URL.Query().Get("$select"), "user", userDefaults)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, graphError("BadRequest", err.Error()))
			return
		}
		value = append(value, obj)
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": value})
}

func (s *Server) graphGetUser(w http.ResponseWriter, r *http.Request, c *caller, key string) {
	if k, err := url.PathUnescape(key); err == nil {
		key = k
	}
	for _, p := range s.usersOf(c.Tid) {
		if !strings.EqualFold(p.oid, key) && !strings.EqualFold(graphUPN(p), key) {
			continue
		}
		if !c.mayReadUsers() && !strings.EqualFold(p.oid, c.Oid) {
			break
		}
		s.writeUser(w, r, p, "https://graph.microsoft.com/v1.0/$metadata#users/$entity")
		return
	}
	if !c.mayReadUsers() {
		writeJSON(w, http.StatusForbidden, graphError("Authorization_RequestDenied", "Insufficient privileges to complete the operation."))
		return
	}
	writeJSON(w, http.StatusNotFound, graphError("Request_ResourceNotFound", fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", key)))
}

// unsupportedOption is the first $ query option not in allowed ("" when none).
func unsupportedOption(q url.Values, allowed ...string) string {
	for k := range q {
		if !strings.HasPrefix(k, "$") {
			continue
		}
		ok := false
		for _, a := range allowed {
			ok = ok || strings.EqualFold(k, a)
		}
		if !ok {
			return k
		}
	}
	return ""
}
