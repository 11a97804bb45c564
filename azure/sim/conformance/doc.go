// Package conformance holds the conformance suite: independent Microsoft
// clients — the Azure CLI (Debian's azure-cli) and MSAL Python /
// azure-identity (python3-msal, python3-azure) — run their own flows against
// `palwiz sim`, so the simulator is held to clients nobody here wrote. The
// clients reach the simulator through an HTTPS proxy that sends every
// connection to it, trusting its CA; nothing reaches the network. Without a
// client the tests skip, except under CI=true, where they fail.
package conformance
