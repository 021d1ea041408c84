// The reports layer of docs/architecture.md: what a sweep folder's results say. Loads the
// runs' logs (`RunResultLoader`), aggregates them per configuration with seed statistics
// (bootstrap intervals, interquartile mean: `Statistics`), and writes report.md, the CSV files
// and report.html with its charts (`SweepReport`, drawn through MixCharts). It reads sweep
// folders (MixSweeps) and never starts a run.
