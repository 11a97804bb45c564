package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Page buffers kept for reuse: at most keptPages, each at most keptPageCap.
const (
	keptPages   = 32
	keptPageCap = 1 << 20
	// maxPage bounds one page of a list (the services send a few MB at most).
	maxPage = 256 << 20
	// windowSize is the buffer a page is streamed through.
	windowSize = 32 << 10
	// maxPages bounds one list, against a service that links a page to itself.
	maxPages = 100000
)

func (c *Client) getPage() *bytes.Buffer {
	select {
	case b := <-c.pages:
		return b
	default:
		b := new(bytes.Buffer)
		b.Grow(64 << 10)
		return b
	}
}

// getWindow is a buffer a page is streamed through.
func (c *Client) getWindow() []byte {
	select {
	case b := <-c.windows:
		return b
	default:
		return make([]byte, 0, windowSize)
	}
}

// putWindow keeps a window for the next page (unless it grew past
// keptPageCap for an enormous string).
func (c *Client) putWindow(b []byte) {
	if cap(b) > keptPageCap {
		return
	}
	select {
	case c.windows <- b[:0]:
	default:
	}
}

func (c *Client) putPage(b *bytes.Buffer) {
	if b.Cap() > keptPageCap {
		return
	}
	select {
	case c.pages <- b:
	default:
	}
}

// Page is one page of a list: the items and the link to the next page
// (nextLink on the resource providers, @odata.nextLink on OData services).
type Page[T any] struct {
	Value         []T    `json:"value"`
	NextLink      string `json:"nextLink"`
	ODataNextLink string `json:"@odata.nextLink"`
}

// Next is the link to the next page ("" on the last): @odata.nextLink when
// both are given.
func (p *Page[T]) Next() string { return first(p.ODataNextLink, p.NextLink) }

// checkNext vets a list's next link against the list's first URL: it must
// be an absolute URL on the same scheme and host, or it would receive this
// client's token.
func checkNext(start *url.URL, next string) error {
	u, err := url.Parse(next)
	if err != nil {
		return fmt.Errorf("the service's next link %q is not a URL", next)
	}
	if u.Scheme != start.Scheme || !strings.EqualFold(u.Host, start.Host) || u.User != nil {
		return fmt.Errorf("the service's next link %q leaves %s; palwiz does not follow it", next, start.Host)
	}
	return nil
}

// EachPage follows a list's next links from first, handing every page's
// body, as it arrives, to decode, which returns the next link ("" at the
// end). Every page request carries header. The body is only valid during
// the call; decode need not read it to its end.
func EachPage(ctx context.Context, c *Client, op, first string, header http.Header, decode func(body io.Reader) (next string, err error)) error {
	start, err := url.Parse(first)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	for u, pages := first, 0; u != ""; pages++ {
		if pages >= maxPages {
			return fmt.Errorf("%s: the service returned more than %d pages; stopping", op, maxPages)
		}
		var next string
		err := c.stream(ctx, Request{Op: op, URL: u, Header: header}, func(body io.Reader) (err error) {
			next, err = decode(body)
			return err
		})
		if err != nil {
			return err
		}
		if u = next; u != "" {
			if err := checkNext(start, u); err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
		}
	}
	return nil
}

// Each follows a list's pages like EachPage, decoding each with
// encoding/json, and calls fn with every page's items.
func Each[T any](ctx context.Context, c *Client, op, first string, header http.Header, fn func([]T) error) error {
	return EachPage(ctx, c, op, first, header, func(body io.Reader) (string, error) {
		buf := c.getPage()
		defer c.putPage(buf)
		buf.Reset()
		if _, err := buf.ReadFrom(body); err != nil {
			return "", &ReadError{Err: err}
		}
		var page Page[T]
		if err := json.Unmarshal(buf.Bytes(), &page); err != nil {
			return "", err
		}
		return page.Next(), fn(page.Value)
	})
}

// EachItems follows a list's pages like EachPage and hands fn each page's
// items, read in one pass by scan (m interns repeated strings across pages):
// for the large lists where that was measured to matter. fn must not keep
// the slice: it is reused for the next page.
func EachItems[T any](ctx context.Context, c *Client, op, first string, header http.Header,
	scan func(s *Scanner, item *T, m map[string]string) error, fn func([]T) error) error {
	m := map[string]string{}
	var page []T
	return EachPage(ctx, c, op, first, header, func(body io.Reader) (string, error) {
		page = page[:0]
		w := c.getWindow()
		s := NewStreamScanner(body, w)
		defer func() { c.putWindow(s.Buffer()) }()
		next, err := s.Page(func(s *Scanner) error {
			// Read each item in its place in the page: an item read into a
			// variable of its own and copied in escaped to the heap, one
			// allocation per item (84,000 in a large scan).
			var zero T
			page = append(page, zero)
			return scan(s, &page[len(page)-1], m)
		})
		if err != nil {
			return "", err
		}
		return next, fn(page)
	})
}
