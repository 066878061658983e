// mtc — wall-clock timing for the host (x86-64) peer drivers: best and mean of timed runs
// SPDX-License-Identifier: Apache-2.0
#ifndef MTC_BENCH_PEERS_HOST_TIMING_H
#define MTC_BENCH_PEERS_HOST_TIMING_H

#include <stdio.h>
#include <time.h>

/// Best and total time of the runs recorded so far.
typedef struct BenchTimes {
  long runs;
  double best, total; // seconds
} BenchTimes;

/// CLOCK_MONOTONIC in seconds, the clock `mtc run` times a module with.
static inline double benchNow(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/// Records one run of `seconds`.
static inline void benchTimesAdd(BenchTimes *t, double seconds) {
  if (t->runs == 0 || seconds < t->best) t->best = seconds;
  t->total += seconds;
  ++t->runs;
}

/// Prints "N runs: mean X ms, best Y ms" (the line `mtc run --repeat N` prints, with 0.1 us
/// rather than 1 us resolution, for layers of a few microseconds) when any run was recorded.
static inline void benchTimesPrint(const BenchTimes *t, FILE *f) {
  if (t->runs > 0)
    fprintf(f, "%ld runs: mean %.4f ms, best %.4f ms\n", t->runs, t->total / (double)t->runs * 1e3,
            t->best * 1e3);
}

#endif
