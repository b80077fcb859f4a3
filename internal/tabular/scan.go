package tabular

import "fmt"

// scanner splits CSV bytes into fields. Unquoted fields run to the delimiter
// or the end of the line ("\r\n" counts as "\n"); a field that starts with a
// double quote runs to the closing quote, may hold delimiters and newlines,
// and writes a quote as "". Quotes inside an unquoted field are kept as they
// are.
type scanner struct {
	buf     []byte
	pos     int
	line    int // newlines before pos
	delim   byte
	scratch []byte // unescaped quoted fields
	err     *rowErr
}

// rowErr is a problem at a line relative to the scanned buffer.
type rowErr struct {
	line   int // newlines before the problem in the buffer
	column int // -1: the whole row
	msg    string
}

// atBlank skips an empty line at pos and reports whether it did.
func (s *scanner) atBlank() bool {
	b := s.buf[s.pos:]
	if len(b) > 0 && b[0] == '\n' {
		s.pos++
		s.line++
		return true
	}
	if len(b) > 1 && b[0] == '\r' && b[1] == '\n' {
		s.pos += 2
		s.line++
		return true
	}
	return false
}

// field returns the next field, and end when it was the row's last one. A
// malformed quoted field sets s.err and ends the row.
func (s *scanner) field() (f []byte, end bool) {
	if s.pos < len(s.buf) && s.buf[s.pos] == '"' {
		return s.quoted()
	}
	b, d := s.buf, s.delim
	start := s.pos
	i := start
	for i < len(b) && b[i] != d && b[i] != '\n' {
		i++
	}
	f = b[start:i]
	switch {
	case i == len(b):
		s.pos = i
		end = true
	case b[i] == '\n':
		s.pos = i + 1
		s.line++
		end = true
	default:
		s.pos = i + 1
		return f, false
	}
	if len(f) > 0 && f[len(f)-1] == '\r' {
		f = f[:len(f)-1]
	}
	return f, end
}

// quoted scans a field that starts with a quote at pos.
func (s *scanner) quoted() (f []byte, end bool) {
	b := s.buf
	open := s.line
	s.scratch = s.scratch[:0]
	i := s.pos + 1
	for {
		j := i
		for j < len(b) && b[j] != '"' {
			if b[j] == '\n' {
				s.line++
			}
			j++
		}
		s.scratch = append(s.scratch, b[i:j]...)
		if j == len(b) {
			s.err = &rowErr{line: open, column: -1, msg: "quoted field never closed"}
			s.pos = j
			return s.scratch, true
		}
		if j+1 < len(b) && b[j+1] == '"' {
			s.scratch = append(s.scratch, '"')
			i = j + 2
			continue
		}
		i = j + 1
		break
	}
	switch {
	case i == len(b):
		s.pos = i
		return s.scratch, true
	case b[i] == s.delim:
		s.pos = i + 1
		return s.scratch, false
	case b[i] == '\n':
		s.pos, s.line = i+1, s.line+1
		return s.scratch, true
	case b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n':
		s.pos, s.line = i+2, s.line+1
		return s.scratch, true
	}
	s.err = &rowErr{line: s.line, column: -1, msg: fmt.Sprintf("unexpected %q after a closing quote", b[i])}
	s.skipLine(i)
	return s.scratch, true
}

// skipLine moves past the end of the line holding i.
func (s *scanner) skipLine(i int) {
	for i < len(s.buf) && s.buf[i] != '\n' {
		i++
	}
	if i < len(s.buf) {
		s.line++
		i++
	}
	s.pos = i
}
