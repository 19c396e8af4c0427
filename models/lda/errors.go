package lda

import "errors"

// ErrEmpty is wrapped by the errors for a corpus or vocabulary file with
// nothing in it.
var ErrEmpty = errors.New("empty file")
