package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"
)

// entry is one file of an archive.
type entry struct {
	Name string
	Data []byte
	Mode os.FileMode
}

// writeArchive packs entries under the directory root into file (.tar.gz or
// .zip). Everything that could differ between two runs is fixed: entries in
// name order, every time set to date, owner root (0:0, no names), the modes
// given, no gzip name or time.
func writeArchive(file, root string, entries []entry, date time.Time) error {
	sorted := append([]entry(nil), entries...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var buf bytes.Buffer
	var err error
	switch {
	case strings.HasSuffix(file, ".tar.gz"):
		err = writeTarGz(&buf, root, sorted, date)
	case strings.HasSuffix(file, ".zip"):
		err = writeZip(&buf, root, sorted, date)
	default:
		err = fmt.Errorf("%s: not .tar.gz or .zip", file)
	}
	if err != nil {
		return fmt.Errorf("pack %s: %w", file, err)
	}
	return os.WriteFile(file, buf.Bytes(), 0o644)
}

func writeTarGz(w io.Writer, root string, entries []entry, date time.Time) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	// No name, no modification time: the header is the same on every run.
	gz.Header = gzip.Header{OS: 255}
	tw := tar.NewWriter(gz)
	hdr := func(name string, mode os.FileMode, size int64, typ byte) *tar.Header {
		return &tar.Header{Typeflag: typ, Name: name, Mode: int64(mode.Perm()), Size: size, ModTime: date, Format: tar.FormatPAX,
			Uid: 0, Gid: 0, Uname: "", Gname: ""}
	}
	if err := tw.WriteHeader(hdr(root+"/", 0o755, 0, tar.TypeDir)); err != nil {
		return err
	}
	for _, e := range entries {
		if err := tw.WriteHeader(hdr(path.Join(root, e.Name), e.Mode, int64(len(e.Data)), tar.TypeReg)); err != nil {
			return err
		}
		if _, err := tw.Write(e.Data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func writeZip(w io.Writer, root string, entries []entry, date time.Time) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestCompression)
	})
	dir := &zip.FileHeader{Name: root + "/", Method: zip.Store, Modified: date}
	dir.SetMode(os.ModeDir | 0o755)
	if _, err := zw.CreateHeader(dir); err != nil {
		return err
	}
	for _, e := range entries {
		h := &zip.FileHeader{Name: path.Join(root, e.Name), Method: zip.Deflate, Modified: date}
		h.SetMode(e.Mode)
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := fw.Write(e.Data); err != nil {
			return err
		}
	}
	return zw.Close()
}
