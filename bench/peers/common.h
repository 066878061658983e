// mtc — shared helpers of the peer benchmark drivers: workload arguments, data, markers, checksum
// SPDX-License-Identifier: Apache-2.0
#ifndef MTC_BENCH_PEERS_COMMON_H
#define MTC_BENCH_PEERS_COMMON_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/// One conv2d workload (NHWC input, [OC][KH][KW][IC] weights, groups 1) and the run settings.
typedef struct BenchConv {
  long b, ic, h, w, oc, kh, kw, sh, sw, pt, pl, pb, pr, dil;
  const char *dtype;
  long iters;
  int verify;
} BenchConv;

/// Output height/width of the workload.
static inline long benchOutH(const BenchConv *c) {
  return (c->h + c->pt + c->pb - c->dil * (c->kh - 1) - 1) / c->sh + 1;
}
static inline long benchOutW(const BenchConv *c) {
  return (c->w + c->pl + c->pr - c->dil * (c->kw - 1) - 1) / c->sw + 1;
}

/// Parses "B IC H W OC KH KW SH SW PT PL PB PR DIL DTYPE ITERS [verify]"; prints a message and
/// returns 0 on bad input.
static inline int benchParse(int argc, char **argv, BenchConv *c, const char *dtypes) {
  if (argc < 17 || argc > 18) {
    fprintf(stderr,
            "usage: %s B IC H W OC KH KW SH SW PT PL PB PR DIL DTYPE ITERS [verify]\n"
            "       DTYPE one of: %s\n", argv[0], dtypes);
    return 0;
  }
  long *f[] = {&c->b, &c->ic, &c->h, &c->w, &c->oc, &c->kh, &c->kw, &c->sh, &c->sw,
               &c->pt, &c->pl, &c->pb, &c->pr, &c->dil};
  for (int i = 0; i < 14; ++i) {
    char *end;
    *f[i] = strtol(argv[i + 1], &end, 10);
    long min = (i >= 9 && i <= 12) ? 0 : 1;
    if (*end || *f[i] < min || *f[i] > 100000) {
      fprintf(stderr, "error: argument %d ('%s') must be an integer >= %ld\n", i + 1, argv[i + 1], min);
      return 0;
    }
  }
  c->dtype = argv[15];
  char *end;
  c->iters = strtol(argv[16], &end, 10);
  if (*end || c->iters < 0) {
    fprintf(stderr, "error: ITERS ('%s') must be an integer >= 0\n", argv[16]);
    return 0;
  }
  c->verify = argc == 18 && strcmp(argv[17], "verify") == 0;
  if (argc == 18 && !c->verify) {
    fprintf(stderr, "error: unknown option '%s' (expected 'verify')\n", argv[17]);
    return 0;
  }
  if (benchOutH(c) < 1 || benchOutW(c) < 1) {
    fprintf(stderr, "error: the kernel does not fit the padded input\n");
    return 0;
  }
  return 1;
}

/// xorshift64* with a fixed seed: identical data in every driver and run.
static inline uint64_t benchRand(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545F4914F6CDD1Dull;
}

/// Uniform integer in [lo, hi].
static inline long benchUniform(uint64_t *s, long lo, long hi) {
  return lo + (long)(benchRand(s) >> 11) % (hi - lo + 1);
}

/// Marker for the insn_count plugin: getpriority(PRIO_PROCESS, 0x5EED0000 + k) fails with ESRCH
/// (no such process) and has no other effect; the plugin opens a window at k=1, closes it at k=2.
static inline void benchMarker(int k) {
  (void)getpriority(PRIO_PROCESS, (id_t)(0x5EED0000 + k));
}

/// FNV-1a over bytes, printed so runs can be compared across CPUs, peers and our compiler.
static inline uint32_t benchFnv(const void *data, size_t n) {
  const unsigned char *p = (const unsigned char *)data;
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
  return h;
}

/// Output scale giving roughly 40 LSB standard deviation of the output for uniform 8-bit data.
static inline double benchOutScale(const BenchConv *c, double inScale, double wScale) {
  double k = (double)(c->kh * c->kw * c->ic);
  return inScale * wScale * sqrt(k) * 73.9 * 73.3 / 40.0;
}

#endif
