package text

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxShown is how many invalid bytes a UTF8Error shows.
const maxShown = 8

// UTF8Error reports bytes that are not UTF-8.
type UTF8Error struct {
	Offset int    // 0-based byte offset of the first invalid byte
	Bytes  []byte // the run of invalid bytes that starts there (up to 8)
	Count  int    // invalid bytes in all
}

// Error says where the first invalid bytes are, counting bytes from 1, and
// which they are: `not UTF-8 at byte 4: \xff\xfe (3 invalid bytes in all)`.
func (e *UTF8Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "not UTF-8 at byte %d: ", e.Offset+1)
	for _, c := range e.Bytes {
		fmt.Fprintf(&b, `\x%02x`, c)
	}
	if e.Count > len(e.Bytes) {
		fmt.Fprintf(&b, " (%d invalid bytes in all)", e.Count)
	}
	return b.String()
}

// CheckUTF8 returns nil when s is valid UTF-8, and a *UTF8Error otherwise.
func CheckUTF8(s string) error {
	if utf8.ValidString(s) {
		return nil
	}
	return invalidUTF8([]byte(s))
}

// CheckUTF8Bytes is CheckUTF8 for a byte slice.
func CheckUTF8Bytes(b []byte) error {
	if utf8.Valid(b) {
		return nil
	}
	return invalidUTF8(b)
}

// invalidUTF8 describes the invalid bytes of b, which has some.
func invalidUTF8(b []byte) *UTF8Error {
	e := &UTF8Error{Offset: -1}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			e.Count++
			if e.Offset < 0 {
				e.Offset = i
			}
			if i == e.Offset+len(e.Bytes) && len(e.Bytes) < maxShown {
				e.Bytes = append(e.Bytes, b[i])
			}
		}
		i += size
	}
	return e
}
