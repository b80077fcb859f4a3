package chart

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// legendEntry is one row of the legend: a thumbnail of the series' style
// and its label.
type legendEntry struct {
	label  string
	line   draw.LineStyle
	band   color.Color // nil: the series has no band
	marker bool        // the series has isolated points
	noIcon bool        // a note such as "+3 more series"
}

func (e legendEntry) thumbnail(c draw.Canvas) {
	if e.noIcon {
		return
	}
	mid := c.Center().Y
	if e.band != nil {
		h := (c.Max.Y - c.Min.Y) * 0.4
		c.FillPolygon(e.band, []vg.Point{
			{X: c.Min.X, Y: mid - h}, {X: c.Min.X, Y: mid + h},
			{X: c.Max.X, Y: mid + h}, {X: c.Max.X, Y: mid - h},
		})
	}
	c.StrokeLine2(e.line, c.Min.X, mid, c.Max.X, mid)
	if e.marker {
		c.DrawGlyph(markerStyle(e.line.Color), c.Center())
	}
}

// The legend takes at most maxRightShare of the width when it is to the
// right of the plot, and at most maxBelowShare of the height below it.
const (
	maxRightShare = 1.0 / 3
	maxBelowShare = 0.5
)

// drawLegend draws the legend of es next to the plot area, to the right if
// it is narrow enough and otherwise below, and returns the area left for
// the plot. The legend never overlaps the plot.
func drawLegend(area draw.Canvas, es []legendEntry) draw.Canvas {
	if len(es) == 0 {
		return area
	}
	sty := textStyle(10, draw.XLeft, draw.YCenter)
	rowH := sty.FontExtents().Height * 1.35
	var entryW vg.Length
	for _, e := range es {
		entryW = max(entryW, legendThumb+legendText+sty.Width(e.label))
	}
	w, h := area.Max.X-area.Min.X, area.Max.Y-area.Min.Y

	// To the right, in columns of as many rows as fit.
	rowsFit := max(1, int(h/rowH))
	cols := ceilDiv(len(es), rowsFit)
	if width := vg.Length(cols)*(entryW+legendCol) - legendCol; width+legendGap <= w*maxRightShare {
		rows := ceilDiv(len(es), cols)
		for i, e := range es {
			col, row := i/rows, i%rows
			x := area.Max.X - width + vg.Length(col)*(entryW+legendCol)
			y := area.Max.Y - vg.Length(row+1)*rowH
			drawEntry(area, sty, e, x, y, rowH)
		}
		return draw.Crop(area, 0, -(width + legendGap), 0, 0)
	}

	// Below, in as many columns as fit, read row by row.
	cols = max(1, int((w+legendCol)/(entryW+legendCol)))
	rows := ceilDiv(len(es), cols)
	if maxRows := max(1, int(h*maxBelowShare/rowH)); rows > maxRows {
		rows = maxRows
		shown := rows*cols - 1
		more := legendEntry{label: fmt.Sprintf("+%d more series", len(es)-shown), noIcon: true}
		es = append(es[:shown:shown], more)
	}
	cols = min(cols, len(es))
	width := vg.Length(cols)*(entryW+legendCol) - legendCol
	x0 := area.Min.X + max(0, (w-width)/2)
	height := vg.Length(rows) * rowH
	for i, e := range es {
		row, col := i/cols, i%cols
		x := x0 + vg.Length(col)*(entryW+legendCol)
		y := area.Min.Y + height - vg.Length(row+1)*rowH
		drawEntry(area, sty, e, x, y, rowH)
	}
	return draw.Crop(area, 0, 0, height+legendGap, 0)
}

// drawEntry draws e in the row whose bottom left corner is (x, y).
func drawEntry(c draw.Canvas, sty draw.TextStyle, e legendEntry, x, y, rowH vg.Length) {
	pad := rowH * 0.15
	thumb := c
	thumb.Rectangle = vg.Rectangle{
		Min: vg.Point{X: x, Y: y + pad},
		Max: vg.Point{X: x + legendThumb, Y: y + rowH - pad},
	}
	e.thumbnail(thumb)
	tx := x + legendThumb + legendText
	if e.noIcon {
		tx = x
	}
	c.FillText(sty, vg.Point{X: tx, Y: y + rowH/2}, e.label)
}

func ceilDiv(a, b int) int { return int(math.Ceil(float64(a) / float64(b))) }
