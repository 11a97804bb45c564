"""MSAL Python and azure-identity against palwiz sim, one flow per command.

Run by the conformance suite (python_test.go) with HTTPS_PROXY and
REQUESTS_CA_BUNDLE leading to the simulator. Each command prints one JSON
object on standard output: what the client got, for the Go test to judge.
The simulator's test credentials come in the environment (SIM_*).
"""

import base64
import json
import os
import sys

import jwt
import msal
import requests

LOGIN = "https://login.microsoftonline.com/"
ARM = "https://management.core.windows.net//.default"
PAL = "https://management.azure.com/providers/Microsoft.ManagementPartner/partners"
AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"


def env(name):
    return os.environ[name]


def claims(token):
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def verify(token, tenant, audience):
    """Checks the token's RS256 signature with the key at the tenant's jwks_uri."""
    cfg = requests.get(LOGIN + tenant + "/v2.0/.well-known/openid-configuration", timeout=30).json()
    keys = requests.get(cfg["jwks_uri"], timeout=30).json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in keys if k["kid"] == kid)
    jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"], audience=audience)
    return True


def outcome(result, tenant=None, audience=None):
    """The parts of an MSAL result the test looks at."""
    if "access_token" not in result:
        return {"error": result.get("error"), "codes": result.get("error_codes", []),
                "description": result.get("error_description", ""), "claims": result.get("claims")}
    out = {"claims": claims(result["access_token"]), "expires_in": result.get("expires_in")}
    if tenant:
        out["verified"] = verify(result["access_token"], tenant, audience)
    return out


def msal_secret():
    app = msal.ConfidentialClientApplication(env("SIM_CLIENT_ID"), client_credential=env("SIM_SECRET"),
                                             authority=LOGIN + env("SIM_TENANT"))
    tenant = env("SIM_TENANT")
    return {
        "arm": outcome(app.acquire_token_for_client([ARM]), tenant, "https://management.core.windows.net/"),
        "without_default": outcome(app.acquire_token_for_client(["https://graph.microsoft.com/User.Read"])),
        "unknown_resource": outcome(app.acquire_token_for_client(["https://api.unknown.example.com/.default"])),
    }


def msal_cert():
    with open(env("SIM_CERT_FILE")) as f:
        pem = f.read()
    app = msal.ConfidentialClientApplication(
        env("SIM_CLIENT_ID"), authority=LOGIN + env("SIM_TENANT"),
        client_credential={"private_key": pem, "thumbprint": env("SIM_CERT_THUMBPRINT")})
    return {"arm": outcome(app.acquire_token_for_client([ARM]), env("SIM_TENANT"), "https://management.core.windows.net/")}


def msal_device():
    app = msal.PublicClientApplication(AZURE_CLI, authority=LOGIN + "organizations")
    flow = app.initiate_device_flow(scopes=[ARM])
    if "user_code" not in flow:
        return {"error": flow}
    print(flow["message"], file=sys.stderr, flush=True)
    signed_in = app.acquire_token_by_device_flow(flow)
    out = {"sign_in": outcome(signed_in)}
    accounts = app.get_accounts()
    out["accounts"] = [a["username"] for a in accounts]
    if accounts:
        for name, tenant in (("contoso", env("SIM_TENANT")), ("woodgrove", env("SIM_MFA_TENANT"))):
            other = msal.PublicClientApplication(AZURE_CLI, authority=LOGIN + tenant, token_cache=app.token_cache)
            acct = other.get_accounts(username=accounts[0]["username"])[0]
            res = other.acquire_token_silent_with_error([ARM], account=acct, force_refresh=True)
            out[name] = outcome(res or {"error": "no token"})
    return out


def identity_secret():
    from azure.identity import ClientSecretCredential
    cred = ClientSecretCredential(env("SIM_TENANT"), env("SIM_CLIENT_ID"), env("SIM_SECRET"))
    tok = cred.get_token(ARM)
    r = requests.get(PAL + "?api-version=2018-02-01", headers={"Authorization": "Bearer " + tok.token}, timeout=30)
    return {"claims": claims(tok.token), "pal_status": r.status_code, "pal_code": r.json().get("error", {}).get("code")}


def identity_cert():
    from azure.identity import CertificateCredential
    cred = CertificateCredential(env("SIM_TENANT"), env("SIM_CLIENT_ID"), certificate_path=env("SIM_CERT_FILE"))
    tok = cred.get_token(ARM)
    r = requests.put(PAL + "/4977985?api-version=2018-02-01", headers={"Authorization": "Bearer " + tok.token}, timeout=30)
    return {"claims": claims(tok.token), "pal_status": r.status_code,
            "partner": r.json().get("properties", {}).get("partnerId")}


COMMANDS = {"msal-secret": msal_secret, "msal-cert": msal_cert, "msal-device": msal_device,
            "identity-secret": identity_secret, "identity-cert": identity_cert}

if __name__ == "__main__":
    json.dump(COMMANDS[sys.argv[1]](), sys.stdout)
