/// Fault injection for the crash, interruption and storage tests, through ALCHAIN_FAULT.
#pragma once

namespace alchain {

/// ALCHAIN_FAULT=<point>:<n>[:<action>] acts the n-th time this process reaches <point>:
/// `kill` (the default) sends itself SIGKILL; `stop` SIGSTOP (a test then acts on the stopped run,
/// say replaces its file or sends a signal, and continues it with SIGCONT); `int` and `term` raise
/// SIGINT and SIGTERM. Points: shard-tmp (a shard written but not yet renamed), shard (renamed,
/// not yet in the result file), adopt-open (the result file open with the trial half-copied),
/// adopt (the trial in the result file), epoch (a training epoch ended), window (an assessment
/// window is in its file). Unset, it costs one getenv per process.
void fault_point(const char* point);

}  // namespace alchain
