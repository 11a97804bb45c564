package rest

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/palwiz/palwiz/azure/rest/resttest"
)

// row has every kind of field Tagged reads, tagged as palwiz's row types are.
type row struct {
	ID        string  `json:"botid"`
	Owner     string  `json:"_ownerid_value" rest:"intern"`
	OwnerName string  `json:"_ownerid_value@OData.Community.Display.V1.FormattedValue" rest:"intern"`
	Managed   bool    `json:"ismanaged"`
	State     int     `json:"statecode"`
	Progress  float64 `json:"progress"`
	Untagged  string
	Skipped   string `json:"-"`
	Omitted   string `json:"omitted,omitempty"`
	private   string // not read: encoding/json does not set it either
}

var rowNames = []string{"botid", "_ownerid_value", "_ownerid_value@OData.Community.Display.V1.FormattedValue", "ismanaged", "statecode", "progress", "Untagged", "omitted"}

// scanRow reads b with Tagged[row] and checks the value ends there.
func scanRow(t testing.TB, b []byte, m map[string]string) (row, error) {
	scan, err := Tagged[row]()
	if err != nil {
		t.Fatal(err)
	}
	var r row
	s := NewScanner(b)
	if err = scan(s, &r, m); err == nil {
		err = s.End()
	}
	return r, err
}

func TestTaggedReadsLikeEncodingJSON(t *testing.T) {
	m := map[string]string{}
	for _, in := range []string{
		`{"@odata.etag":"W/\"1\"","botid":"b1","_ownerid_value":"u1","_ownerid_value@OData.Community.Display.V1.FormattedValue":"Ana López","ismanaged":true,"statecode":1,"progress":99.5,"Untagged":"u","omitted":"o","other":{"x":[1]}}`,
		`{"botid":null,"ismanaged":null,"statecode":null,"progress":null}`,
		`{"-":"x","Skipped":"y","private":"z"}`,
		`{}`, `null`,
	} {
		got, err := scanRow(t, []byte(in), m)
		var want row
		if jerr := json.Unmarshal([]byte(in), &want); jerr != nil || err != nil || !reflect.DeepEqual(got, want) || got.private != "" || got.Skipped != "" {
			t.Errorf("%s:\nTagged        %+v (%v)\nencoding/json %+v (%v)", in, got, err, want, jerr)
		}
	}
	if m["u1"] != "u1" || m["Ana López"] != "Ana López" || m["b1"] != "" {
		t.Errorf("interned %v: want the owner's ID and name, not the row's ID", m)
	}
	for _, bad := range []string{`{"botid":1}`, `{"ismanaged":"true"}`, `{"statecode":1.5}`, `{"botid":"x"`, `[]`} {
		if _, err := scanRow(t, []byte(bad), nil); !errors.Is(err, ErrSyntax) {
			t.Errorf("%s: %v, want a syntax error", bad, err)
		}
	}
}

func TestTaggedRefusesWhatItCannotRead(t *testing.T) {
	type nested struct {
		A struct{ B string } `json:"a"`
	}
	type twice struct {
		A string
		B string `json:"A"`
	}
	type embedded struct{ row }
	for name, err := range map[string]error{
		"not a struct": errOf(Tagged[string]()),
		"nested":       errOf(Tagged[nested]()),
		"a name twice": errOf(Tagged[twice]()),
		"embedded":     errOf(Tagged[embedded]()),
	} {
		if err == nil || !strings.HasPrefix(err.Error(), "rest.Tagged: ") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func errOf[F any](_ F, err error) error { return err }

// FuzzTagged: on any object encoding/json reads (and on which the two must
// agree, resttest.Comparable), Tagged reads the same row.
func FuzzTagged(f *testing.F) {
	f.Add([]byte(`{"botid":"b","_ownerid_value":"u","ismanaged":false,"statecode":-3,"progress":1e2,"Untagged":"\ud83d\ude00"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := scanRow(t, b, map[string]string{})
		if err != nil && !errors.Is(err, ErrSyntax) {
			t.Fatalf("a non-syntax error: %v", err)
		}
		var want row
		if json.Unmarshal(b, &want) != nil || !resttest.Comparable(b, rowNames...) {
			return
		}
		if err != nil {
			t.Fatalf("encoding/json reads %q; Tagged fails: %v", b, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nTagged        %+v\nencoding/json %+v", b, got, want)
		}
	})
}
