package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// The token request endpoints of pipeline jobs, as GitHub Actions and Azure
// DevOps serve them to a running job. A job is made through the control API
// (POST /_sim/pipeline/github or /_sim/pipeline/azuredevops), which answers
// with the environment variables the runner would set; palwiz then asks the
// endpoint on its real host name, as it does in a real pipeline. Sources:
// actions/toolkit's getIDToken (GET ACTIONS_ID_TOKEN_REQUEST_URL&audience=…
// with the request token as a bearer; the token in "value") and azidentity's
// AzurePipelinesCredential (POST SYSTEM_OIDCREQUESTURI?api-version=7.1
// &serviceConnectionId=… with System.AccessToken; the token in "oidcToken").

const (
	githubPipelinesHost = "pipelines.actions.githubusercontent.com"
	adoHost             = "dev.azure.com"
)

// pipelineJob is a running pipeline job that may ask for OIDC tokens.
type pipelineJob struct {
	kind         string // "github" or "azuredevops"
	requestToken string
	// github: the token's subject and the repository owner (default audience).
	subject, owner string
	// azuredevops: the organisation, project and service connection.
	org, project, connectionID, connectionName string
}

func (s *Server) registerPipelines() {
	s.handle(githubPipelinesHost, http.HandlerFunc(s.serveGitHubIDToken))
	s.handle(adoHost, http.HandlerFunc(s.serveAzureDevOpsOIDCToken))
}

// NewGitHubJob starts a GitHub Actions job whose OIDC tokens carry subject
// (repo:OWNER/REPO:environment:NAME, …). It returns the environment a runner
// gives a job with the id-token: write permission.
func (s *Server) NewGitHubJob(subject string) (map[string]string, error) {
	owner, ok := githubOwner(subject)
	if !ok {
		return nil, fmt.Errorf("a GitHub Actions subject starts with repo:OWNER/REPO (got %q)", subject)
	}
	j := &pipelineJob{kind: "github", requestToken: randomToken(32), subject: subject, owner: owner}
	id := newGUID()
	s.addJob(id, j)
	u := "https://" + githubPipelinesHost + "/" + randomToken(12) + "/00000000-0000-0000-0000-000000000000/_apis/distributedtask/hubs/Actions/plans/" +
		newGUID() + "/jobs/" + id + "/idtoken?api-version=2.0"
	return map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": u, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": j.requestToken}, nil
}

// NewAzureDevOpsJob starts an Azure DevOps pipeline job that may use the
// service connection connection of project in organization. Its tokens come
// from AzureDevOpsIssuer(organization) with the subject
// sc://ORGANIZATION/PROJECT/CONNECTION. It returns the environment the
// AzureCLI@2 task sets (System.AccessToken mapped to SYSTEM_ACCESSTOKEN).
func (s *Server) NewAzureDevOpsJob(organization, project, connection string) (map[string]string, error) {
	for _, v := range []string{organization, project, connection} {
		if strings.TrimSpace(v) == "" || strings.ContainsAny(v, "/?#") {
			return nil, errors.New("an Azure DevOps job needs an organization, a project and a service connection name, without / ? #")
		}
	}
	j := &pipelineJob{kind: "azuredevops", requestToken: randomToken(40), org: organization, project: project,
		connectionName: connection, connectionID: stableGUID("service-connection", organization, project, connection)}
	id := newGUID()
	s.addJob(id, j)
	u := "https://" + adoHost + "/" + organization + "/" + stableGUID("azure-devops-project", organization, project) +
		"/_apis/distributedtask/hubs/build/plans/" + newGUID() + "/jobs/" + id + "/oidctoken"
	return map[string]string{"SYSTEM_OIDCREQUESTURI": u, "SYSTEM_ACCESSTOKEN": j.requestToken,
		"AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": j.connectionID}, nil
}

func (s *Server) addJob(id string, j *pipelineJob) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.jobs[id] = j
	s.st.issued = append(s.st.issued, j.requestToken)
}

func githubOwner(subject string) (string, bool) {
	rest, ok := strings.CutPrefix(subject, "repo:")
	if !ok {
		return "", false
	}
	repo, _, _ := strings.Cut(rest, ":")
	owner, name, ok := strings.Cut(repo, "/")
	return owner, ok && owner != "" && name != ""
}

// jobFor finds the job a request's path names (…/jobs/{id}/{endpoint}) and
// checks its bearer token.
func (s *Server) jobFor(r *http.Request, endpoint string) (j *pipelineJob, found, authorized bool) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	n := len(parts)
	if n < 3 || parts[n-1] != endpoint || parts[n-3] != "jobs" {
		return nil, false, false
	}
	s.mu.Lock()
	j = s.st.jobs[strings.ToLower(parts[n-2])]
	s.mu.Unlock()
	if j == nil {
		return nil, false, false
	}
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		bearer, ok = strings.CutPrefix(r.Header.Get("Authorization"), "bearer ")
	}
	return j, true, ok && bearer == j.requestToken
}

// serveGitHubIDToken answers GET …/idtoken?api-version=2.0[&audience=A].
func (s *Server) serveGitHubIDToken(w http.ResponseWriter, r *http.Request) {
	j, found, authorized := s.jobFor(r, "idtoken")
	switch {
	case !found || j.kind != "github":
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	case !authorized:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials: the request token does not belong to this job"})
		return
	case r.Method != http.MethodGet:
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"message": "Use GET"})
		return
	case r.URL.Query().Get("api-version") == "":
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "api-version is required"})
		return
	}
	aud := r.URL.Query().Get("audience")
	if aud == "" {
		aud = "https://github.com/" + j.owner // GitHub's default audience
	}
	tok, err := s.IssueFederatedToken(FederatedToken{Issuer: githubIssuer, Subject: j.subject, Audience: aud})
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(tok), "value": tok})
}

// adoSignInPage is what Azure DevOps answers a request without valid
// credentials: 203 and its sign-in page, not a JSON error.
const adoSignInPage = `<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head><body>Sign in to continue to Azure DevOps.</body></html>`

// serveAzureDevOpsOIDCToken answers POST …/oidctoken?api-version=7.1
// &serviceConnectionId=ID.
func (s *Server) serveAzureDevOpsOIDCToken(w http.ResponseWriter, r *http.Request) {
	j, found, authorized := s.jobFor(r, "oidctoken")
	if found && !authorized {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNonAuthoritativeInfo)
		_, _ = w.Write([]byte(adoSignInPage))
		return
	}
	adoErr := func(status int, msg string) {
		writeJSON(w, status, map[string]any{"$id": "1", "innerException": nil, "message": msg,
			"typeName": "Microsoft.TeamFoundation.DistributedTask.WebApi.TaskOrchestrationPlanSecurityException, Microsoft.TeamFoundation.DistributedTask.WebApi",
			"typeKey":  "TaskOrchestrationPlanSecurityException", "errorCode": 0, "eventId": 3000})
	}
	q := r.URL.Query()
	switch {
	case !found || j.kind != "azuredevops":
		adoErr(http.StatusNotFound, "The requested job was not found.")
	case r.Method != http.MethodPost:
		adoErr(http.StatusMethodNotAllowed, "The requested resource does not support http method '"+r.Method+"'.")
	case q.Get("api-version") != "7.1" && q.Get("api-version") != "7.1-preview.1":
		adoErr(http.StatusBadRequest, "No api-version was supplied for the POST request, or it is not 7.1. The version must be supplied either as part of the Accept header (e.g. \"application/json; api-version=7.1\") or as a query parameter (e.g. \"?api-version=7.1\").")
	case !strings.EqualFold(q.Get("serviceConnectionId"), j.connectionID):
		adoErr(http.StatusBadRequest, fmt.Sprintf("The service connection '%s' does not exist or has not been authorized for use in this pipeline.", q.Get("serviceConnectionId")))
	default:
		tok, err := s.IssueFederatedToken(FederatedToken{Issuer: AzureDevOpsIssuer(j.org),
			Subject: "sc://" + j.org + "/" + j.project + "/" + j.connectionName, Audience: TokenExchangeAudience})
		if err != nil {
			adoErr(http.StatusInternalServerError, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"oidcToken": tok})
	}
}

// pipelineJobControl serves POST /_sim/pipeline/github {"subject"} and
// POST /_sim/pipeline/azuredevops {"organization","project","serviceConnection"}.
func (s *Server) pipelineJobControl(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Subject           string `json:"subject"`
		Organization      string `json:"organization"`
		Project           string `json:"project"`
		ServiceConnection string `json:"serviceConnection"`
	}
	if r.Body != nil {
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body is not the JSON this control takes: " + err.Error()})
			return
		}
	}
	var env map[string]string
	var err error
	if strings.HasSuffix(r.URL.Path, "/github") {
		env, err = s.NewGitHubJob(b.Subject)
	} else {
		env, err = s.NewAzureDevOpsJob(b.Organization, b.Project, b.ServiceConnection)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, env)
}
