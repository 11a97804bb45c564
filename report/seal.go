package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"regexp"
	"strings"
)

// Formats a report is written in.
const (
	FormatJSON     = "json"
	FormatMarkdown = "md"
	FormatHTML     = "html"
)

// Formats lists them for help and errors.
var Formats = []string{FormatMarkdown, FormatHTML, FormatJSON}

// body is the JSON form without its digest: what the digest is taken of.
func body(d *Document) ([]byte, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the report: %w", err)
	}
	return escapeC1(b), nil
}

// escapeC1 writes DEL and the C1 controls as \u escapes (encoding/json
// leaves them raw), so the JSON form is safe on a terminal too.
func escapeC1(b []byte) []byte {
	if !bytes.ContainsAny(b, "\u007f\u0080\u0081\u0082\u0083\u0084\u0085\u0086\u0087\u0088\u0089\u008a\u008b\u008c\u008d\u008e\u008f\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009a\u009b\u009c\u009d\u009e\u009f") {
		return b
	}
	var out strings.Builder
	for _, r := range string(b) {
		if r == 0x7f || r >= 0x80 && r <= 0x9f {
			fmt.Fprintf(&out, `\u%04x`, r)
			continue
		}
		out.WriteRune(r)
	}
	return []byte(out.String())
}

// Digest is "sha256:" and the hex SHA-256 of a body.
func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

var sealRE = regexp.MustCompile(`,\n  "digest": "(sha256:[0-9a-f]{64})"\n}\n?$`)

// sealed is the JSON form: the body with its digest as the last field.
func sealed(b []byte, digest string) []byte {
	out := make([]byte, 0, len(b)+100)
	out = append(out, bytes.TrimSuffix(b, []byte("\n}"))...)
	out = append(out, ",\n  \"digest\": \""+digest+"\"\n}\n"...)
	return out
}

// Render writes the report in format (md, html or json) and returns it with
// its digest: the SHA-256 of the JSON form without the digest field, which
// every format embeds.
func Render(d *Document, format string) ([]byte, string, error) {
	b, err := body(d)
	if err != nil {
		return nil, "", err
	}
	digest := digestOf(b)
	js := sealed(b, digest)
	switch format {
	case FormatJSON:
		return js, digest, nil
	case FormatMarkdown:
		return markdown(d, digest, js), digest, nil
	case FormatHTML:
		out, err := htmlReport(d, digest, js)
		return out, digest, err
	}
	return nil, "", fmt.Errorf("report format %q: use %s", format, strings.Join(Formats, ", "))
}

// Verified is a report that verified.
type Verified struct {
	Format   string
	Digest   string
	Document *Document
}

// VerifyError says why a report does not verify.
type VerifyError struct{ Why string }

func (e *VerifyError) Error() string { return "the report does not verify: " + e.Why }

// Verify checks a report written by Render: its JSON form's digest matches
// its content, and (for md and html) the whole file is exactly what palwiz
// renders from that JSON form, so no word of it was changed.
func Verify(data []byte) (*Verified, error) {
	format, js, err := extract(data)
	if err != nil {
		return nil, err
	}
	m := sealRE.FindSubmatchIndex(js)
	if m == nil {
		return nil, &VerifyError{Why: "its JSON form has no digest as its last field"}
	}
	want := string(js[m[2]:m[3]])
	b := append(append([]byte{}, js[:m[0]]...), "\n}"...)
	if got := digestOf(b); got != want {
		return nil, &VerifyError{Why: fmt.Sprintf("the JSON form was changed: its content's digest is %s, the one it carries %s", got, want)}
	}
	var d Document
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, &VerifyError{Why: "its JSON form does not read: " + err.Error()}
	}
	if d.Kind != Kind {
		return nil, &VerifyError{Why: "it is not a palwiz report"}
	}
	if d.SchemaVersion > SchemaVersion {
		return nil, &VerifyError{Why: fmt.Sprintf("it has schema version %d; this palwiz reads up to %d", d.SchemaVersion, SchemaVersion)}
	}
	if format != FormatJSON {
		again, digest, err := Render(&d, format)
		if err != nil {
			return nil, err
		}
		if digest != want {
			return nil, &VerifyError{Why: "its JSON form does not round-trip (written by another palwiz version?)"}
		}
		if !bytes.Equal(again, data) {
			return nil, &VerifyError{Why: fmt.Sprintf("the %s text differs from what its JSON form renders (line %d was changed)", strings.ToUpper(format), firstDiffLine(again, data))}
		}
	}
	return &Verified{Format: format, Digest: want, Document: &d}, nil
}

func firstDiffLine(a, b []byte) int {
	line := 1
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return line
		}
		if a[i] == '\n' {
			line++
		}
	}
	return line
}

const (
	mdMarker   = "<!-- palwiz-report-json -->"
	htmlOpen   = `<pre id="palwiz-report-json" hidden>`
	htmlClose  = "</pre>"
	htmlDoctyp = "<!DOCTYPE html>"
)

// extract finds the JSON form in a report of any format.
func extract(data []byte) (string, []byte, error) {
	s := string(data)
	switch {
	case strings.HasPrefix(s, "{"):
		return FormatJSON, data, nil
	case strings.HasPrefix(s, htmlDoctyp):
		i := strings.Index(s, htmlOpen)
		if i < 0 {
			return "", nil, &VerifyError{Why: "the HTML holds no JSON form (not a palwiz report?)"}
		}
		rest := s[i+len(htmlOpen):]
		j := strings.Index(rest, htmlClose)
		if j < 0 {
			return "", nil, &VerifyError{Why: "the HTML's JSON form is cut off"}
		}
		return FormatHTML, []byte(html.UnescapeString(rest[:j])), nil
	}
	i := strings.Index(s, mdMarker+"\n")
	if i < 0 {
		return "", nil, &VerifyError{Why: "it is not a palwiz report (no JSON form in it)"}
	}
	rest := s[i+len(mdMarker)+1:]
	nl := strings.IndexByte(rest, '\n')
	if nl < 0 {
		return "", nil, &VerifyError{Why: "the Markdown's JSON form is cut off"}
	}
	fence := strings.TrimSuffix(rest[:nl], "json")
	if len(fence) < 3 || strings.Trim(fence, "`") != "" {
		return "", nil, &VerifyError{Why: "the Markdown's JSON form has no code fence"}
	}
	rest = rest[nl+1:]
	j := strings.Index(rest, "\n"+fence+"\n")
	if j < 0 {
		return "", nil, errors.New("the report does not verify: the Markdown's JSON form is cut off")
	}
	return FormatMarkdown, []byte(rest[:j+1]), nil
}
