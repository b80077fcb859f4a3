package htmlreport

import (
	"bytes"
	"fmt"
	"html"
	"unicode/utf8"
)

// HeatmapLow and HeatmapHigh are the colours of a heatmap's empty cells and
// of its largest share of a row.
var (
	HeatmapLow  = [3]uint8{0xF7, 0xFB, 0xFF}
	HeatmapHigh = [3]uint8{0x08, 0x30, 0x6B}
)

// Heatmap draws a confusion matrix (m[true][predicted], labels the class
// names) as an SVG figure: each cell coloured by its share of its row (the
// true class's examples), with its count written in it. A class name
// longer than maxLabel characters is cut in its middle, and column names
// wider than a cell are written at 45°, so that names never run into each
// other; every name carries its full text in a <title> (a tooltip), and
// every text is escaped.
func Heatmap(title string, labels []string, m [][]int64) Figure {
	const cell = 44
	n := len(m)
	short := make([]string, len(labels))
	widest := 0
	for i, l := range labels {
		short[i] = cutMiddle(l, maxLabel)
		widest = max(widest, textWidth(short[i]))
	}
	rotate := widest > cell-4
	left := max(90, widest+16)
	top, right := 70, 20
	if rotate { // a name at 45° rises and reaches right by width/√2
		top, right = max(top, 36+widest*71/100), max(right, widest*71/100)
	}
	w, h := left+n*cell+right, top+n*cell+40
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`, w, h, w, h)
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="13">predicted class →</text>`, left)
	fmt.Fprintf(&b, `<text x="10" y="%d">true class ↓</text>`, top-8)
	for j := range n {
		x, y := left+j*cell+cell/2, top-8
		if rotate {
			fmt.Fprintf(&b, `<text x="%d" y="%d" transform="rotate(-45 %d %d)">`, x, y, x, y)
		} else {
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">`, x, y)
		}
		fmt.Fprintf(&b, `<title>%s</title>%s</text>`, html.EscapeString(labels[j]), html.EscapeString(short[j]))
	}
	for i, row := range m {
		var total int64
		for _, v := range row {
			total += v
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end"><title>%s</title>%s</text>`, left-6, top+i*cell+cell/2+4,
			html.EscapeString(labels[i]), html.EscapeString(short[i]))
		for j, v := range row {
			share := 0.0
			if total > 0 {
				share = float64(v) / float64(total)
			}
			fill, ink := mix(share), "#000"
			if share > 0.5 {
				ink = "#fff"
			}
			x, y := left+j*cell, top+i*cell
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#fff"><title>true %s, predicted %s: %d</title></rect>`,
				x, y, cell, cell, fill, html.EscapeString(labels[i]), html.EscapeString(labels[j]), v)
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="%s">%d</text>`, x+cell/2, y+cell/2+4, ink, v)
		}
	}
	b.WriteString(`</svg>`)
	return Figure{Title: title, SVG: b.Bytes()}
}

// maxLabel is the most characters of a class name a heatmap writes.
const maxLabel = 18

// cutMiddle is s, or for one longer than n characters its start and end
// around "…" (names that share a long prefix stay apart).
func cutMiddle(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	head := (n - 1) / 2
	return string(r[:head]) + "…" + string(r[len(r)-(n-1-head):])
}

// textWidth estimates the width of s in 12-pixel sans-serif, in pixels.
func textWidth(s string) int { return 7 * utf8.RuneCountInString(s) }

// mix is the colour at share s in [0, 1] between HeatmapLow and HeatmapHigh.
func mix(s float64) string {
	var c [3]uint8
	for k := range c {
		c[k] = uint8(float64(HeatmapLow[k]) + s*(float64(HeatmapHigh[k])-float64(HeatmapLow[k])) + 0.5)
	}
	return fmt.Sprintf("#%02X%02X%02X", c[0], c[1], c[2])
}
