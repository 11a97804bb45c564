package powerplatform

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/palwiz/palwiz/azure/rest"
)

// BenchmarkScanAppsPage reads a page of 250 canvas apps (the specification's
// examples, compact as on the wire, repeated: ~1.5 MB) through a 32 KB stream window, as a scan reads
// the Power Apps list; it reports the decoding throughput (MB/s).
func BenchmarkScanAppsPage(b *testing.B) {
	apps := specExamples(b)["app"]
	var page bytes.Buffer
	page.WriteString(`{"value":[`)
	for i := range AppsPageSize {
		if i > 0 {
			page.WriteByte(',')
		}
		if err := json.Compact(&page, apps[i%len(apps)]); err != nil {
			b.Fatal(err)
		}
	}
	page.WriteString(`]}`)
	body := page.Bytes()
	buf := make([]byte, 0, 32<<10)
	m := map[string]string{}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		s := rest.NewStreamScanner(struct{ io.Reader }{bytes.NewReader(body)}, buf)
		n := 0
		if _, err := s.Page(func(s *rest.Scanner) error {
			var a App
			n++
			return scanApp(s, &a, m)
		}); err != nil {
			b.Fatal(err)
		}
		if n != AppsPageSize {
			b.Fatalf("%d apps, want %d", n, AppsPageSize)
		}
		buf = s.Buffer()
	}
}
