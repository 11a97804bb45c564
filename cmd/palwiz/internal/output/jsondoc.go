package output

import "io"

// WriteJSON writes v as an indented JSON document, with DEL and the C1
// controls escaped (the printers' own encoding, for commands whose
// documents are defined elsewhere, such as report verify).
func WriteJSON(w io.Writer, v any) error { return writeJSON(w, v) }
