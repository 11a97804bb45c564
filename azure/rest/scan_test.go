package rest

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// generic rebuilds any JSON value through the Scanner, for comparison with encoding/json.
func generic(s *Scanner) (any, error) {
	switch c := s.peek(); {
	case c == '{':
		m := map[string]any{}
		err := s.Object(func(k []byte) error {
			v, err := generic(s)
			m[string([]rune(string(k)))] = v // encoding/json replaces bad UTF-8 the same way
			return err
		})
		return m, err
	case c == '[':
		a := []any{}
		err := s.Array(func() error {
			v, err := generic(s)
			a = append(a, v)
			return err
		})
		return a, err
	case c == '"':
		return s.String()
	case c == 't' || c == 'f':
		return s.Bool()
	case c == 'n':
		if s.IsNull() {
			return nil, nil
		}
		return nil, s.fail("expected null")
	default:
		return s.Float()
	}
}

func TestScannerMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{"value":[{"name":"a","properties":{"displayName":"Caf\u00e9 \"x\"","n":3,"ok":true,"none":null,"deep":{"a":[1,2,{"b":[]}]}}}],"nextLink":"https://h/x?%24skiptoken=1"}`,
		`[]`, `{}`, `"plain"`, `-1.5e3`, `[true,false,null]`, ` { "a" : [ ] , "b" : { } } `, `{"k\u00e9y":"v"}`,
	} {
		var want any
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatal(err)
		}
		s := NewScanner([]byte(in))
		got, err := generic(s)
		if err == nil {
			err = s.End()
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v (%v), want %#v", in, got, err, want)
		}
		if err := NewScanner([]byte(in)).Skip(); err != nil {
			t.Errorf("Skip(%s): %v", in, err)
		}
	}
}

func TestScanPage(t *testing.T) {
	var names []string
	next, err := ScanPage([]byte(`{"value":[{"name":"a","x":{"y":[1]}},{"name":"b"}],"@odata.nextLink":"https://h/p2"}`), func(s *Scanner) error {
		return s.Object(func(k []byte) error {
			if string(k) == "name" {
				n, err := s.String()
				names = append(names, n)
				return err
			}
			return s.Skip()
		})
	})
	if err != nil || next != "https://h/p2" || strings.Join(names, ",") != "a,b" {
		t.Errorf("%v %q %v", names, next, err)
	}
	for _, bad := range []string{`{"value":[{"id":"/trunc`, `{"value":[1,]}`, `{"value":[]} x`, `{"a" 1}`, `[` + strings.Repeat("[", 600) + strings.Repeat("]", 601)} {
		_, err := ScanPage([]byte(bad), func(s *Scanner) error { return s.Skip() })
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("%.40s: %v, want a syntax error", bad, err)
		}
	}
}

// FuzzScanner: any input either scans like encoding/json reads it, or fails
// with ErrSyntax; it never panics.
func FuzzScanner(f *testing.F) {
	for _, s := range []string{`{"value":[{"name":"a"}],"nextLink":"x"}`, `[1,"a",null,true,{"b":{}}]`, `"\ud83d\ude00"`, `{"a":"\u0000"}`, `{`, `"\`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := NewScanner(b)
		got, err := generic(s)
		if err == nil {
			err = s.End()
		}
		var want any
		jerr := json.Unmarshal(b, &want)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("a non-syntax error: %v", err)
			}
			return
		}
		if jerr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: scanned %#v, encoding/json %#v", b, got, want)
		}
	})
}
