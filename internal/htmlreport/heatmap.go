package htmlreport

import (
	"bytes"
	"fmt"
	"html"
)

// HeatmapLow and HeatmapHigh are the colours of a heatmap's empty cells and
// of its largest share of a row.
var (
	HeatmapLow  = [3]uint8{0xF7, 0xFB, 0xFF}
	HeatmapHigh = [3]uint8{0x08, 0x30, 0x6B}
)

// Heatmap draws a confusion matrix (m[true][predicted], labels the class
// names) as an SVG figure: each cell coloured by its share of its row (the
// true class's examples), with its count written in it.
func Heatmap(title string, labels []string, m [][]int64) Figure {
	const cell, left, top = 44, 90, 70
	n := len(m)
	w, h := left+n*cell+20, top+n*cell+40
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`, w, h, w, h)
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="13">predicted class →</text>`, left)
	fmt.Fprintf(&b, `<text x="10" y="%d">true class ↓</text>`, top-8)
	for j, l := range labels {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`, left+j*cell+cell/2, top-8, html.EscapeString(l))
	}
	for i, row := range m {
		var total int64
		for _, v := range row {
			total += v
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, left-6, top+i*cell+cell/2+4, html.EscapeString(labels[i]))
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

// mix is the colour at share s in [0, 1] between HeatmapLow and HeatmapHigh.
func mix(s float64) string {
	var c [3]uint8
	for k := range c {
		c[k] = uint8(float64(HeatmapLow[k]) + s*(float64(HeatmapHigh[k])-float64(HeatmapLow[k])) + 0.5)
	}
	return fmt.Sprintf("#%02X%02X%02X", c[0], c[1], c[2])
}
