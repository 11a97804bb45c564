package steps

import (
	"errors"
	"strings"
	"testing"
)

// FuzzValidatePartnerID: a partner ID is typed by a person. What passes is
// the trimmed input, 1 to 12 ASCII digits, and stays valid; what fails is a
// *PartnerIDError for one of the two reasons.
func FuzzValidatePartnerID(f *testing.F) {
	for _, s := range []string{"4977985", " 4977985 ", "123456", "", " ", "4977984x", "４９７７９８５", "1234567890123", "\t5127255\n", "+4977985", "49 77985", "٤٩٧٧٩٨٥"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		id, warning, err := ValidatePartnerID(in)
		if err != nil {
			var pe *PartnerIDError
			if !errors.As(err, &pe) || !(errors.Is(err, ErrPartnerIDEmpty) || errors.Is(err, ErrPartnerIDNotDigits)) || id != "" || err.Error() == "" {
				t.Fatalf("ValidatePartnerID(%q): %q, %v", in, id, err)
			}
			return
		}
		if id != strings.TrimSpace(in) || len(id) == 0 || len(id) > 12 || strings.Trim(id, "0123456789") != "" {
			t.Fatalf("ValidatePartnerID(%q) accepted %q", in, id)
		}
		if (warning != "") != (len(id) != 7) {
			t.Fatalf("ValidatePartnerID(%q): warning %q for %d digits", in, warning, len(id))
		}
		if again, w2, err := ValidatePartnerID(id); err != nil || again != id || w2 != warning {
			t.Fatalf("not stable: %q -> %q, %v", id, again, err)
		}
	})
}
