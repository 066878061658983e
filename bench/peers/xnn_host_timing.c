// mtc — wall-clock timing of xnn_conv.c on the host: times every xnn_run_operator call
// SPDX-License-Identifier: Apache-2.0
//
// Linked into the host build of the unchanged xnn_conv.c with -Wl,--wrap=xnn_run_operator: the
// driver's calls reach __wrap_xnn_run_operator, which times the real call. At exit the timings are
// printed as "N runs: mean X ms, best Y ms" after the driver's own lines, so its first stdout line
// (the checksum) is the same as in the aarch64 build, whose instruction counts stay untouched.

#include <xnnpack.h>

#include "host_timing.h"

enum xnn_status __real_xnn_run_operator(xnn_operator_t op, pthreadpool_t pool);

static BenchTimes times;

enum xnn_status __wrap_xnn_run_operator(xnn_operator_t op, pthreadpool_t pool) {
  const double t0 = benchNow();
  const enum xnn_status st = __real_xnn_run_operator(op, pool);
  const double dt = benchNow() - t0;
  if (st == xnn_status_success) benchTimesAdd(&times, dt);
  return st;
}

// A destructor rather than atexit: the driver has no hook before it returns from main.
__attribute__((destructor)) static void printTimes(void) {
  benchTimesPrint(&times, stdout);
  fflush(stdout);
}
