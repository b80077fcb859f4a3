package text

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestCheckUTF8(t *testing.T) {
	for _, s := range []string{"", "plain", "Crème 東京 🚀", "\uFFFD is valid"} {
		if err := CheckUTF8(s); err != nil {
			t.Errorf("CheckUTF8(%q) = %v", s, err)
		}
		if err := CheckUTF8Bytes([]byte(s)); err != nil {
			t.Errorf("CheckUTF8Bytes(%q) = %v", s, err)
		}
	}
	for _, c := range []struct {
		in     string
		offset int
		bytes  []byte
		count  int
		msg    string
	}{
		{"ab\xff", 2, []byte{0xff}, 1, `not UTF-8 at byte 3: \xff`},
		{"ab\xff\xfecd\xc3", 2, []byte{0xff, 0xfe}, 3, `not UTF-8 at byte 3: \xff\xfe (3 invalid bytes in all)`},
		{"é\xe2\x82", 2, []byte{0xe2, 0x82}, 2, `not UTF-8 at byte 3: \xe2\x82`},               // a truncated sequence
		{"\xed\xa0\x80x", 0, []byte{0xed, 0xa0, 0x80}, 3, `not UTF-8 at byte 1: \xed\xa0\x80`}, // a surrogate
		{"\xc0\xaf", 0, []byte{0xc0, 0xaf}, 2, `not UTF-8 at byte 1: \xc0\xaf`},                // an overlong '/'
		{"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 0, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 10, `(10 invalid bytes in all)`},
	} {
		for _, err := range []error{CheckUTF8(c.in), CheckUTF8Bytes([]byte(c.in))} {
			var ue *UTF8Error
			if !errors.As(err, &ue) {
				t.Fatalf("%q: %v is not a *UTF8Error", c.in, err)
			}
			if ue.Offset != c.offset || !slices.Equal(ue.Bytes, c.bytes) || ue.Count != c.count {
				t.Errorf("%q: %+v, want offset %d bytes %x count %d", c.in, ue, c.offset, c.bytes, c.count)
			}
			if got := ue.Error(); !strings.Contains(got, c.msg) {
				t.Errorf("%q: message %q, want it to hold %q", c.in, got, c.msg)
			}
		}
	}
}
