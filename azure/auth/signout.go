package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/palwiz/palwiz/azure/keyring"
)

// SignOutResult is what a sign-out removed and what it found afterwards.
type SignOutResult struct {
	// Profile is who was signed out (nil: nobody was).
	Profile *Profile
	// Removed counts the keyring items deleted.
	Removed int
	// Left describes what of palwiz's is still in the keyring.
	Left []string
	// Searched says the check searched the keyring by palwiz's service
	// attributes (not only through palwiz's own index).
	Searched bool
}

// SignOutError says a sign-out did not leave the keyring as it should:
// what is left, and why (a locked collection, a keyring that does not answer).
type SignOutError struct {
	Left  []string
	Cause error
}

func (e *SignOutError) Error() string {
	var b strings.Builder
	b.WriteString("The sign-out is not complete")
	if len(e.Left) > 0 {
		fmt.Fprintf(&b, ": still in the keyring: %s", strings.Join(e.Left, "; "))
	}
	if e.Cause != nil {
		fmt.Fprintf(&b, " (%v)", e.Cause)
	}
	b.WriteString(". ")
	b.WriteString(signOutAdvice(e.Cause))
	return b.String()
}

func (e *SignOutError) Unwrap() error { return e.Cause }

// signOutAdvice says what to do when a sign-out did not finish.
func signOutAdvice(cause error) string {
	var te *keyring.TimeoutError
	switch {
	case errors.Is(cause, keyring.ErrNoSessionBus):
		return "Run `palwiz logout --all` again in a session with the keyring (a desktop session, or DBUS_SESSION_BUS_ADDRESS set)"
	case errors.As(cause, &te):
		return "The keyring did not answer: check that it is running and unlocked, then run `palwiz logout --all` again"
	case cause != nil && strings.Contains(cause.Error(), "unlock"):
		return "The keyring is locked: unlock it (for example by logging in to the desktop) and run `palwiz logout --all` again"
	}
	return "Run `palwiz logout --all` again; if items stay, remove the keyring items of service palwiz by hand (Seahorse, Keychain Access or Credential Manager)"
}

// SignOut removes the signed-in identity from the keyring store: its
// profile, its tokens (other people's cached tokens stay), the app tokens
// and a remembered secret. With all it deletes every item of palwiz's
// service, found by the keyring's own search as well as palwiz's index.
// Either way it then checks the keyring and returns a *SignOutError with
// what is left when anything is, or when the keyring did not answer.
func SignOut(ctx context.Context, st *keyring.Store, all bool) (SignOutResult, error) {
	var res SignOutResult
	raw, err := st.Get(ctx, profileKey)
	switch {
	case err == nil:
		res.Profile = parseProfile(raw)
	case errors.Is(err, keyring.ErrNotFound):
	case all:
		// The wipe below says what it could not do.
	default:
		return res, &SignOutError{Left: []string{"everything palwiz stored: the keyring could not be read"}, Cause: err}
	}
	if all {
		w, err := st.Wipe(ctx)
		res.Removed, res.Searched = w.Removed, w.Searched
		for _, it := range w.Left {
			res.Left = append(res.Left, describeItem(it))
		}
		if err != nil || len(res.Left) > 0 {
			return res, &SignOutError{Left: res.Left, Cause: err}
		}
		return res, nil
	}
	n, errs := removeIdentity(ctx, st, res.Profile)
	res.Removed = n
	res.Left = checkSignedOut(ctx, st, res.Profile, &errs)
	if err := errors.Join(errs...); err != nil || len(res.Left) > 0 {
		return res, &SignOutError{Left: res.Left, Cause: err}
	}
	return res, nil
}

// removeIdentity deletes p's items; it returns how many and what failed.
func removeIdentity(ctx context.Context, st *keyring.Store, p *Profile) (int, []error) {
	n := 0
	var errs []error
	if p != nil && p.Kind == KindUser {
		dropped := false
		err := st.Update(ctx, "msal.user", func(old []byte) ([]byte, error) {
			out, k, err := editCache(old, accountEntries(p.HomeAccountID))
			if err != nil || k == 0 {
				// Nothing of this person's (or a cache palwiz cannot read,
				// which MSAL cannot read either).
				return nil, keyring.ErrUnchanged
			}
			dropped = true
			return out, nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("remove the account from the token cache: %w", err))
		} else if dropped {
			n++
		}
	}
	// App tokens belong to the signed-in service principal (or to one
	// signed in before this person).
	k, err := st.Delete(ctx, "msal.app")
	n += k
	if err != nil {
		errs = append(errs, fmt.Errorf("delete the app token cache: %w", err))
	}
	if p != nil && p.RememberSecret {
		ok, err := st.Remove(ctx, secretKey(p.ClientID))
		if ok {
			n++
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("delete the remembered secret: %w", err))
		}
	}
	ok, err := st.Remove(ctx, profileKey)
	if ok {
		n++
	}
	if err != nil {
		errs = append(errs, fmt.Errorf("delete the sign-in record: %w", err))
	}
	return n, errs
}

// accountEntries picks every token and record of one person.
func accountEntries(homeAccountID string) func(cacheEntry) bool {
	return func(e cacheEntry) bool { return homeAccountID != "" && e.HomeAccountID == homeAccountID }
}

// checkSignedOut reads the keyring again: nothing of p may be left.
func checkSignedOut(ctx context.Context, st *keyring.Store, p *Profile, errs *[]error) []string {
	var left []string
	check := func(what string, err error) {
		switch {
		case errors.Is(err, keyring.ErrNotFound):
		case err == nil:
			left = append(left, what)
		default:
			left = append(left, what+" (could not be checked)")
			*errs = append(*errs, err)
		}
	}
	_, err := st.Get(ctx, profileKey)
	check("the sign-in record", err)
	_, err = st.Load(ctx, "msal.app")
	if errors.Is(err, keyring.ErrCorrupt) {
		err = nil // a damaged copy is still an item
	}
	check("the app token cache", err)
	if p == nil {
		return left
	}
	if p.RememberSecret {
		_, err = st.Get(ctx, secretKey(p.ClientID))
		check("the remembered client secret", err)
	}
	if p.Kind == KindUser {
		data, err := st.Load(ctx, "msal.user")
		if err == nil {
			if held, _ := cacheHolds(data, accountEntries(p.HomeAccountID)); !held {
				err = keyring.ErrNotFound
			}
		}
		if errors.Is(err, keyring.ErrCorrupt) {
			err = keyring.ErrNotFound
		}
		check(p.Username+"'s tokens in the token cache", err)
	}
	return left
}

// describeItem names a keyring item for the user.
func describeItem(it keyring.Item) string {
	name := it.Key
	switch {
	case name == profileKey:
		name = "the sign-in record (profile)"
	case strings.HasPrefix(name, "msal.user"):
		name = "people's token cache (" + it.Key + ")"
	case strings.HasPrefix(name, "msal.app"):
		name = "the app token cache (" + it.Key + ")"
	case strings.HasPrefix(name, "secret."):
		name = "a remembered client secret (" + it.Key + ")"
	case name == "":
		name = "an item palwiz cannot name"
	}
	if it.Locked {
		name += ", in a locked keyring"
	}
	return name
}
