// The process layer of docs/architecture.md, below everything that starts another program:
// `ChildProcess` is the one place in MixRL that calls `posix_spawn` (the environment bridge's
// Python workers in MixEnvs, a sweep's `mixrl train` runs in MixSweeps), with `ExitStatus`
// for how a child ended. What a child is for (a framed channel, a log file, a lock it
// inherits) stays with its user; this module changes only when how a process is started,
// signalled or reaped changes.
