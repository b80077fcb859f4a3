// Package htmlreport writes a comparison of runs as one self-contained HTML
// file: a summary table with the best row highlighted, learning-curve
// charts, and each run's resolved config in a collapsible <details> block.
//
// The document needs no network and no JavaScript when opened: the CSS is
// inline, fonts come from the system font stack, and each chart's SVG
// (from package chart) is embedded as inline markup. The page prints
// reasonably: charts are not split across pages and the highlighted row
// keeps its background.
//
// Every text from the caller (titles, the timestamp, table cells, configs)
// is escaped by html/template. Chart SVG is not trusted either: before it
// is inlined, it is re-serialised keeping only drawing elements (svg, g,
// path, text, …) and presentation attributes, so a <script>, an event
// handler, a <foreignObject> or an external reference cannot reach the
// document, whatever the SVG holds; its XML prolog, comments and doctype
// are dropped.
package htmlreport
