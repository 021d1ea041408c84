// The MixExperiments layer of docs/architecture.md: sweep specs (Spec/), their execution as a local
// process pool or a Slurm job array (Execution/, Cluster/), and reports with hand-written
// SVG plots (Report/, Plotting/). Nothing here prints: progress goes through
// `SweepProgressReporter`, results go to files.
