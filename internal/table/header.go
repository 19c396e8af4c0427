package table

import "fmt"

// Header says whether the first row of a table is a header line.
type Header int

const (
	// Auto takes the first row as a header when none of its fields parses
	// as a number, and as data otherwise.
	Auto Header = iota
	// Yes always takes the first row as a header.
	Yes
	// No always takes the first row as data.
	No
)

// String returns "auto", "yes" or "no", the names Set accepts.
func (h Header) String() string {
	switch h {
	case Auto:
		return "auto"
	case Yes:
		return "yes"
	case No:
		return "no"
	default:
		return fmt.Sprintf("Header(%d)", int(h))
	}
}

// Set sets h from its name, "auto", "yes" or "no", so that a *Header is a
// flag.Value.
func (h *Header) Set(s string) error {
	for _, v := range []Header{Auto, Yes, No} {
		if s == v.String() {
			*h = v
			return nil
		}
	}
	return fmt.Errorf("table: header mode %q: want yes, no or auto", s)
}
