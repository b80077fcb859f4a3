// Package chart draws learning curves (one metric against the epoch) as PNG
// or SVG images with gonum.org/v1/plot.
//
// A Chart holds Series: one line each, for a single run or for the mean of
// a group of runs, optionally with a band (for example mean ± std) drawn as
// a translucent polygon of the line's colour beneath all lines. Render
// writes the chart; FormatFromPath picks the format from a file name.
//
// Layout and style:
//
//   - Colours come from the Okabe–Ito colour-blind-safe palette (without its
//     yellow, which is too pale on white), see SeriesColor. With more series
//     than colours the colours cycle and the dash pattern changes on each
//     cycle: solid, dashed, dotted, dash-dot.
//   - The legend never covers data: it sits to the right of the plot area
//     when the labels are short enough (at most about a third of the width),
//     otherwise below it, in as many columns as fit. If the entries would
//     take more than about half of the chart's height, the last shown entry
//     says how many more series there are.
//   - The epoch axis has integer ticks when every x value is an integer.
//   - The y range is the data range (bands included) padded by 5% on each
//     side, and not below 0 when no value is negative: accuracies in
//     0.9..0.99 are not squashed by forcing 0 in.
//
// Edge cases: a value that is NaN or ±Inf (in X, Y, Lo or Hi) is a missing
// point: the line and the band break there. A point with no neighbour is
// drawn as a marker. All-equal values get a small range around them. A
// chart with no series, or whose series have no finite point, is still
// rendered: the title, axis labels, legend (if any) and a "no data" note in
// the plot area. Render returns an error only for invalid input (unknown
// format, bad size, mismatched slice lengths).
//
// Output is deterministic: the same Chart renders to the same bytes, in
// both formats, on a given architecture. SVG text is HTML-escaped by gonum,
// so labels cannot inject markup. The SVG names the font "Liberation Sans"
// (whose metrics match Arial and Helvetica) and does not embed it.
package chart
