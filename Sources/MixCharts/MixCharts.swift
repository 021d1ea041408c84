// The charts layer of docs/architecture.md, shared by the analyses (MixAnalysis) and the sweep
// reports (MixReports): line charts with intervals written as hand-made SVG (`Chart`,
// `SVGWriter`), the self-contained HTML page that embeds them (`HTMLDocument`) and Markdown
// tables (`MarkdownTable`). It knows nothing of what is plotted; it changes when the look or
// the format of a figure or table changes.
