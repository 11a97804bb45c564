package rest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// chunkReader hands out its input in pieces of 1 to max bytes (seeded),
// so a stream's window boundaries fall everywhere.
type chunkReader struct {
	b   []byte
	max int
	rnd *rand.Rand
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.b), 1+c.rnd.IntN(c.max))
	copy(p, c.b[:n])
	c.b = c.b[n:]
	return n, nil
}

// scanBoth reads in through a []byte scanner and through stream scanners
// (one byte at a time, and in random chunks), and checks they agree.
func scanBoth(t *testing.T, in []byte) {
	t.Helper()
	s := NewScanner(in)
	want, werr := generic(s)
	if werr == nil {
		werr = s.End()
	}
	readers := map[string]io.Reader{
		"one byte": iotest.OneByteReader(strings.NewReader(string(in))),
		"chunks":   &chunkReader{b: in, max: 7000, rnd: rand.New(rand.NewPCG(uint64(len(in)), 1))},
		"half":     iotest.HalfReader(strings.NewReader(string(in))),
	}
	for name, r := range readers {
		ss := NewStreamScanner(r, nil)
		got, err := generic(ss)
		if err == nil {
			err = ss.End()
		}
		if (err == nil) != (werr == nil) {
			t.Fatalf("%s, %.60q: stream %v, bytes %v", name, in, err, werr)
		}
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("%s, %.60q: a non-syntax error %v", name, in, err)
			}
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s, %.60q: stream %#v, bytes %#v", name, in, got, want)
		}
	}
}

func TestStreamScannerReadsLikeBytes(t *testing.T) {
	long := strings.Repeat("x", 20000)
	esc := strings.Repeat(`a\"b\\`, 3000)
	var page strings.Builder
	page.WriteString(`{"value":[`)
	for i := range 300 {
		if i > 0 {
			page.WriteString(",")
		}
		fmt.Fprintf(&page, `{"name":"app-%d","properties":{"displayName":"Caf\u00e9 %d","n":%d,"ok":true,"none":null,"blob":"%s","deep":{"a":[1,2.5e3,{"b":[]}],"s":"\\\\"}}}`, i, i, i*7, strings.Repeat("q", i*13))
	}
	page.WriteString(`],"@odata.nextLink":"https://h/p2?%24skiptoken=` + strings.Repeat("z", 5000) + `"}`)
	for _, in := range []string{
		`{"value":[{"name":"a","properties":{"displayName":"Caf\u00e9 \"x\"","n":3,"ok":true,"none":null,"deep":{"a":[1,2,{"b":[]}]}}}],"nextLink":"https://h/x?%24skiptoken=1"}`,
		`[]`, `{}`, `"plain"`, `-1.5e3`, `[true,false,null]`, ` { "a" : [ ] , "b" : { } } `, `{"k\u00e9y":"v"}`,
		`"` + long + `"`, `{"` + long + `":1}`, `"` + esc + `"`, `["` + esc + `",{"k":"` + esc + `"}]`,
		`[` + strings.Repeat(`"\\",`, 5000) + `"\\"]`, `[` + strings.Repeat("123456789.5e-3,", 2000) + `0]`,
		page.String(),
		// Malformed and truncated.
		`{"value":[{"id":"/trunc`, `{"value":[1,]}`, `{"value":[]} x`, `{"a" 1}`, `"` + long, `"\`, `[tru`, `[nul]`, `{"a":fals`,
		`[` + strings.Repeat("[", 600) + strings.Repeat("]", 601), page.String()[:len(page.String())/2], page.String()[:len(page.String())-1],
	} {
		scanBoth(t, []byte(in))
	}
}

// A stream that breaks is a read error, not malformed JSON.
func TestStreamReadErrorIsNotASyntaxError(t *testing.T) {
	broken := io.MultiReader(strings.NewReader(`{"value":[{"name":"a"},{"na`), iotest.ErrReader(io.ErrUnexpectedEOF))
	_, err := NewStreamScanner(broken, nil).Page(func(s *Scanner) error { return s.Skip() })
	var re *ReadError
	if !errors.As(err, &re) || errors.Is(err, ErrSyntax) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a broken stream: %T %v", err, err)
	}
}

// EachItems streams pages: every item of every page, with the next links,
// through windows far smaller than a page; a truncated page is a
// *DecodeError, a connection that breaks mid-page a read error.
func TestEachItemsStreamsPages(t *testing.T) {
	const pages, per = 3, 400
	c, srv, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("p"))
		var b strings.Builder
		b.WriteString(`{"value":[`)
		for i := range per {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"name":"n%d-%d","skip":{"x":"%s"},"size":%d}`, p, i, strings.Repeat("w", i), i)
		}
		b.WriteString("]")
		if p+1 < pages {
			fmt.Fprintf(&b, `,"nextLink":"https://%s/?p=%d"`, r.Host, p+1)
		}
		b.WriteString("}")
		_, _ = io.WriteString(w, b.String())
	}, Options{})
	type item struct {
		Name string `json:"name"`
		Size int    `json:"size"`
	}
	scan, err := Tagged[item]()
	if err != nil {
		t.Fatal(err)
	}
	var got []item
	err = EachItems(context.Background(), c, "list", srv.URL+"/?p=0", nil, scan, func(page []item) error {
		got = append(got, page...)
		return nil
	})
	if err != nil || len(got) != pages*per {
		t.Fatalf("%d items, %v", len(got), err)
	}
	for i, x := range got {
		if want := fmt.Sprintf("n%d-%d", i/per, i%per); x.Name != want || x.Size != i%per {
			t.Fatalf("item %d: %+v, want %s", i, x, want)
		}
	}

	for _, tc := range []struct {
		name   string
		h      http.HandlerFunc
		decode bool
	}{
		{"truncated page", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{"value":[{"name":"a"},{"name":"b`)
		}, true},
		{"not JSON", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `<html>`) }, true},
		{"connection broken mid-page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100000")
			_, _ = io.WriteString(w, `{"value":[{"name":"a"},{"name":"b`)
		}, false},
	} {
		c, srv, _ := testClient(t, tc.h, Options{})
		calls := 0
		err := EachItems(context.Background(), c, "list things", srv.URL, nil, scan, func([]item) error { calls++; return nil })
		var de *DecodeError
		if errors.As(err, &de) != tc.decode || calls != 0 || !strings.HasPrefix(fmt.Sprint(err), "list things: ") {
			t.Errorf("%s: %T %v (%d pages handed on)", tc.name, err, err, calls)
		}
	}
}

// FuzzStreamScanner: a stream, read one byte at a time, scans exactly like
// the same bytes in one slice.
func FuzzStreamScanner(f *testing.F) {
	for _, s := range []string{`{"value":[{"name":"a"}],"nextLink":"x"}`, `[1,"a",null,true,{"b":{}}]`, `"\ud83d\ude00"`, `{"a":"\u0000"}`, `{`, `"\`, `["\\\\\"",1e5]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { scanBoth(t, b) })
}
