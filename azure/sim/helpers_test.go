package sim

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
	"github.com/palwiz/palwiz/azure/cloud"
)

// Demo scenario identities used by the simulator's tests.
const (
	tContoso     = "2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002"
	tNorthwind   = "3a9d6e2b-8e4c-4d7f-9b0a-00000000b003"
	tWoodgrove   = "4bae7f3c-9f5d-4e80-8c1b-00000000a004"
	tFabrikam    = "6b1f1c4e-2f1a-4b7e-9d3a-fab000000001"
	spApp        = "e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501"
	spObject     = "f2b3c4d5-e6f7-4081-92a3-b4c5d6e70502"
	spSecret     = "sim-contoso-spn-secret-1"
	upnService   = "pal-service@contoso.onmicrosoft.com"
	oidService   = "5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101"
	upnAna       = "ana.lopez@fabrikam.example"
	oidAnaHome   = "7e2d8b0f-3c4d-4e5f-9a61-7f2b00000201"
	oidAnaGuestC = "8f3e9c1a-4d5e-4f60-ab72-8a3c00000202"
	upnDisabled  = "former.consultant@fabrikam.example"
	armScope     = "https://management.core.windows.net//.default"
	graphScope   = "https://graph.microsoft.com/.default"
	palPath      = "https://management.azure.com/providers/Microsoft.ManagementPartner"
	palVersion   = "?api-version=2018-02-01"
	loginBase    = "https://login.microsoftonline.com/"
)

// fakeClock is the simulator's clock in tests: it moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testSim is a running simulator with a client that dials it for every real host.
type testSim struct {
	t     *testing.T
	s     *Server
	cloud *cloud.Cloud
	clock *fakeClock
}

// startSim serves the demo scenario, changed by edit, on a fake clock that
// starts at the real time (MSAL caches by the real clock).
func startSim(t *testing.T, edit func(*Scenario)) *testSim {
	t.Helper()
	sc, err := LoadScenario("demo", nil)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(sc)
	}
	clk := &fakeClock{t: time.Now()}
	s, err := Start(context.Background(), Options{Scenario: sc, Now: clk.Now, PagesAddr: "off"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	c, err := cloud.NewSim(s.URL(), s.CAPEM(), cloud.Options{Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &testSim{t: t, s: s, cloud: c, clock: clk}
}

// answer is one HTTP exchange's result.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("answer is not a JSON object: %v\n%s", err, a.body)
	}
	return m
}

// do sends a request through the simulator transport (bearer token optional).
func (ts *testSim) do(method, u, token string, form url.Values) answer {
	ts.t.Helper()
	return doWith(ts.t, ts.cloud.HTTP, method, u, token, form)
}

func doWith(t *testing.T, c *http.Client, method, u, token string, form url.Values) answer {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, u, err)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

// spToken gets a service principal token with MSAL Go's confidential client,
// as palwiz does in production.
func (ts *testSim) spToken(tenant, appID, secret, scope string) string {
	ts.t.Helper()
	cred, err := confidential.NewCredFromSecret(secret)
	if err != nil {
		ts.t.Fatal(err)
	}
	c, err := confidential.New(loginBase+tenant, appID, cred, confidential.WithHTTPClient(ts.cloud.HTTP))
	if err != nil {
		ts.t.Fatal(err)
	}
	res, err := c.AcquireTokenByCredential(context.Background(), []string{scope})
	if err != nil {
		ts.t.Fatalf("service principal token: %v", err)
	}
	return res.AccessToken
}

// userSession signs upn in with MSAL Go's public client and device code (the
// person approves on the simulator), then returns a token source for any
// tenant and scope, silently, as palwiz does.
func (ts *testSim) userSession(upn string) func(tenant, scope string) (string, error) {
	ts.t.Helper()
	ctx := context.Background()
	pc, err := public.New(AzureCLIClientID, public.WithAuthority(loginBase+"organizations"), public.WithHTTPClient(ts.cloud.HTTP))
	if err != nil {
		ts.t.Fatal(err)
	}
	dc, err := pc.AcquireTokenByDeviceCode(ctx, []string{armScope})
	if err != nil {
		ts.t.Fatalf("device code: %v", err)
	}
	if err := ts.s.ApproveDeviceCode(dc.Result.UserCode, upn, false); err != nil {
		ts.t.Fatalf("approve: %v", err)
	}
	res, err := dc.AuthenticationResult(ctx)
	if err != nil {
		ts.t.Fatalf("device code sign-in: %v", err)
	}
	acct := res.Account
	return func(tenant, scope string) (string, error) {
		r, err := pc.AcquireTokenSilent(ctx, []string{scope}, public.WithSilentAccount(acct), public.WithTenantID(tenant))
		return r.AccessToken, err
	}
}

// tokenAnswer is Entra's token response.
type tokenAnswer struct {
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	ExpiresIn    int    `json:"expires_in"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
	ClientInfo   string `json:"client_info"`
}

// rawDeviceSignIn runs the device-code grant on the wire: request a code,
// approve it as upn, redeem it. It returns the token answer.
func (ts *testSim) rawDeviceSignIn(seg, upn string, mfa bool) tokenAnswer {
	ts.t.Helper()
	a := ts.do("POST", loginBase+seg+"/oauth2/v2.0/devicecode", "", url.Values{
		"client_id": {AzureCLIClientID}, "scope": {armScope + " openid offline_access profile"}})
	if a.status != 200 {
		ts.t.Fatalf("devicecode: %d %s", a.status, a.body)
	}
	var dc struct {
		UserCode   string `json:"user_code"`
		DeviceCode string `json:"device_code"`
	}
	_ = json.Unmarshal(a.body, &dc)
	if err := ts.s.ApproveDeviceCode(dc.UserCode, upn, mfa); err != nil {
		ts.t.Fatalf("approve: %v", err)
	}
	a = ts.pollDevice(seg, dc.DeviceCode)
	if a.status != 200 {
		ts.t.Fatalf("device_code grant: %d %s", a.status, a.body)
	}
	var tok tokenAnswer
	if err := json.Unmarshal(a.body, &tok); err != nil {
		ts.t.Fatal(err)
	}
	return tok
}

func (ts *testSim) pollDevice(seg, deviceCode string) answer {
	ts.t.Helper()
	return ts.do("POST", loginBase+seg+"/oauth2/v2.0/token", "", url.Values{
		"grant_type": {"device_code"}, "device_code": {deviceCode}, "client_id": {AzureCLIClientID},
		"client_info": {"1"}, "scope": {armScope + " openid offline_access profile"}})
}

func (ts *testSim) refresh(seg, rt, scope string) answer {
	ts.t.Helper()
	return ts.do("POST", loginBase+seg+"/oauth2/v2.0/token", "", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {AzureCLIClientID},
		"client_info": {"1"}, "scope": {scope + " openid offline_access profile"}})
}

// testCert is an RSA key with a self-signed certificate, for client assertions.
type testCert struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
	pem  string
}

func newTestCert(t testing.TB, cn string) testCert {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return testCert{key: key, cert: c, pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

// assertion builds a client assertion the way MSAL Go does (PS256, x5t#S256),
// with claims that tests may bend.
func (c testCert) assertion(t testing.TB, claimsMap map[string]any) string {
	t.Helper()
	sum := sha256.Sum256(c.cert.Raw)
	hdr, _ := json.Marshal(map[string]string{"alg": "PS256", "typ": "JWT", "x5t#S256": base64.StdEncoding.EncodeToString(sum[:])})
	body, _ := json.Marshal(claimsMap)
	unsigned := b64.EncodeToString(hdr) + "." + b64.EncodeToString(body)
	h := sha256.Sum256([]byte(unsigned))
	sig, err := rsa.SignPSS(rand.Reader, c.key, crypto.SHA256, h[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	if err != nil {
		t.Fatal(err)
	}
	return unsigned + "." + b64.EncodeToString(sig)
}

// assertionClaims are the claims MSAL Go puts in a client assertion.
func assertionClaims(appID, aud string, now time.Time) map[string]any {
	return map[string]any{"aud": aud, "iss": appID, "sub": appID, "jti": newGUID(),
		"nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
}

// errorCode reads the AADSTS code of an Entra error answer.
func errorCode(t *testing.T, a answer) (string, int) {
	t.Helper()
	var b struct {
		Error  string `json:"error"`
		Codes  []int  `json:"error_codes"`
		Claims string `json:"claims"`
	}
	if err := json.Unmarshal(a.body, &b); err != nil {
		t.Fatalf("not an Entra error body: %s", a.body)
	}
	code := 0
	if len(b.Codes) > 0 {
		code = b.Codes[0]
	}
	return b.Error, code
}
