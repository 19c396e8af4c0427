package bnn

import (
	"fmt"
	"strings"
)

// enumString returns names[i], or typ(i) for a value outside the names.
func enumString(names []string, i int, typ string) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("%s(%d)", typ, i)
}

// parseEnum returns the value whose name is s, or an error naming what is
// parsed and the names allowed.
func parseEnum[T ~int](names []string, s, what string) (T, error) {
	for i, n := range names {
		if n == s {
			return T(i), nil
		}
	}
	want := names[len(names)-1]
	if len(names) > 1 {
		want = strings.Join(names[:len(names)-1], ", ") + " or " + want
	}
	return 0, fmt.Errorf("bnn: unknown %s %q (want %s)", what, s, want)
}
