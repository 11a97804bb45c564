package steps

import (
	"errors"
	"testing"
)

func TestValidateSignInValues(t *testing.T) {
	for _, c := range []struct {
		in            string
		client, tenat error
	}{
		{"e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501", nil, nil},
		{" e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501 ", nil, nil},
		{"contoso.onmicrosoft.com", ErrClientIDFormat, nil},
		{"", ErrClientIDFormat, ErrTenantEmpty},
		{"contoso", ErrClientIDFormat, ErrTenantFormat},
		{"pal@contoso.com", ErrClientIDFormat, ErrTenantFormat},
		{"https://login.microsoftonline.com/contoso.com", ErrClientIDFormat, ErrTenantFormat},
	} {
		if err := ValidateClientID(c.in); !errors.Is(err, c.client) {
			t.Errorf("ValidateClientID(%q) = %v, want %v", c.in, err, c.client)
		}
		if err := ValidateTenant(c.in); !errors.Is(err, c.tenat) {
			t.Errorf("ValidateTenant(%q) = %v, want %v", c.in, err, c.tenat)
		}
	}
}
