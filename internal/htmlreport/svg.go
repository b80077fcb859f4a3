package htmlreport

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io"
	"strings"
)

// svgElements are the SVG elements kept when inlining; any other element
// is dropped with everything inside it.
var svgElements = map[string]bool{
	"svg": true, "g": true, "path": true, "text": true, "tspan": true,
	"rect": true, "circle": true, "ellipse": true, "line": true,
	"polyline": true, "polygon": true, "image": true, "title": true, "desc": true,
}

// svgAttributes are the attributes kept when inlining (by their name as
// written, prefix included).
var svgAttributes = map[string]bool{
	"width": true, "height": true, "viewBox": true, "preserveAspectRatio": true,
	"version": true, "xmlns": true, "xmlns:xlink": true,
	"transform": true, "d": true, "style": true, "points": true,
	"x": true, "y": true, "dx": true, "dy": true, "x1": true, "y1": true, "x2": true, "y2": true,
	"cx": true, "cy": true, "r": true, "rx": true, "ry": true,
	"fill": true, "fill-opacity": true, "fill-rule": true, "opacity": true,
	"stroke": true, "stroke-width": true, "stroke-opacity": true,
	"stroke-dasharray": true, "stroke-dashoffset": true,
	"stroke-linecap": true, "stroke-linejoin": true,
	"font-family": true, "font-size": true, "font-style": true, "font-weight": true,
	"font-variant": true, "text-anchor": true, "dominant-baseline": true,
	"href": true, "xlink:href": true,
}

// safeAttr reports whether the attribute value cannot fetch or run
// anything: links only to inline images, no CSS escapes, url() only to
// fragments.
func safeAttr(name, value string) bool {
	v := strings.ToLower(value)
	if name == "href" || name == "xlink:href" {
		return strings.HasPrefix(v, "data:image/png;base64,") ||
			strings.HasPrefix(v, "data:image/jpeg;base64,") ||
			strings.HasPrefix(v, "data:image/jpg;base64,")
	}
	if strings.ContainsAny(v, `\<>`) || strings.Contains(v, "javascript:") ||
		strings.Contains(v, "expression(") || strings.Contains(v, "@import") {
		return false
	}
	for rest := v; ; {
		_, after, ok := strings.Cut(rest, "url(")
		if !ok {
			return true
		}
		if !strings.HasPrefix(strings.TrimLeft(after, ` "'`), "#") {
			return false
		}
		rest = after
	}
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// inlineSVG returns an SVG document as markup to embed in HTML: the root
// <svg> element and its content, without the XML prolog, doctype, comments
// and processing instructions, keeping only svgElements with svgAttributes
// whose values are safe. It fails on malformed XML or a document whose
// root is not <svg>.
func inlineSVG(data []byte) (template.HTML, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var (
		b       strings.Builder
		stack   []string // names of the open elements written
		skip    int      // depth inside a dropped element
		pending bool     // a start tag awaits its ">" or "/>"
		root    bool     // the root element has been seen
	)
	closeStart := func() {
		if pending {
			b.WriteString(">")
			pending = false
		}
	}
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("bad SVG: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := qname(t.Name)
			if len(stack) == 0 && skip == 0 {
				if root {
					return "", errors.New("bad SVG: more than one root element")
				}
				if name != "svg" {
					return "", fmt.Errorf("bad SVG: root element is <%s>, want <svg>", name)
				}
				root = true
			}
			if skip > 0 || !svgElements[name] {
				skip++
				continue
			}
			closeStart()
			b.WriteString("<" + name)
			for _, a := range t.Attr {
				an := qname(a.Name)
				if svgAttributes[an] && safeAttr(an, a.Value) {
					fmt.Fprintf(&b, ` %s="%s"`, an, html.EscapeString(a.Value))
				}
			}
			pending = true
			stack = append(stack, name)
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			name := qname(t.Name)
			if len(stack) == 0 || stack[len(stack)-1] != name {
				return "", fmt.Errorf("bad SVG: unexpected </%s>", name)
			}
			stack = stack[:len(stack)-1]
			if pending {
				b.WriteString("/>")
				pending = false
			} else {
				b.WriteString("</" + name + ">")
			}
		case xml.CharData:
			if skip > 0 || len(stack) == 0 {
				continue
			}
			closeStart()
			b.WriteString(html.EscapeString(string(t)))
		}
		// Comments, processing instructions and directives are dropped.
	}
	if len(stack) > 0 {
		return "", fmt.Errorf("bad SVG: <%s> is not closed", stack[len(stack)-1])
	}
	if !root {
		return "", errors.New("bad SVG: no <svg> element")
	}
	return template.HTML(b.String()), nil
}
