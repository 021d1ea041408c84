// The analysis layer of docs/architecture.md: the mathematics of the gradient estimators
// outside of training. The variance benchmark (Variance/: bandit and checkpoint problems, seeded
// gradient samples, covariance statistics against exact quadrature references) and the
// stationary points of the entropy-regularized bandit objective (Landscape/), both on the
// composite Gauss-Legendre rule (`GaussLegendre`). It spawns no process and holds no sweep
// logic; its reports are files (Markdown, CSV, SVG through MixCharts), and progress goes to
// the caller's closure.
