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

/// Writes the n output bytes to the file named by $MTC_BENCH_DUMP, when set, so run_bench.py can
/// compare them element by element with mtc's output. Returns 0 if the file cannot be written.
static inline int benchDump(const void *data, size_t n) {
  const char *path = getenv("MTC_BENCH_DUMP");
  if (!path || !*path) return 1;
  FILE *f = fopen(path, "wb");
  int ok = f && fwrite(data, 1, n, f) == n;
  if (f && fclose(f) != 0) ok = 0;
  if (!ok) fprintf(stderr, "error: cannot write the output to %s\n", path);
  return ok;
}

/// Output scale giving roughly 40 LSB standard deviation of the output for uniform 8-bit data.
static inline double benchOutScale(const BenchConv *c, double inScale, double wScale) {
  double k = (double)(c->kh * c->kw * c->ic);
  return inScale * wScale * sqrt(k) * 73.9 * 73.3 / 40.0;
}

/// Quantization parameters of one conv (per-output-channel weight scales).
typedef struct BenchQuant {
  int32_t inZp, wZp, outZp;
  float inScale, outScale;
  float *wScale;  // per output channel
  int isUnsigned;
} BenchQuant;

/// Naive reference: exact int64 accumulation, double requantization, round half to even.
static inline void benchReference(const BenchConv *c, const BenchQuant *q, const void *in, const void *w,
                      const int32_t *bias, int32_t *out) {
  long oh = benchOutH(c), ow = benchOutW(c);
  for (long n = 0; n < c->b; ++n)
    for (long y = 0; y < oh; ++y)
      for (long x = 0; x < ow; ++x)
        for (long o = 0; o < c->oc; ++o) {
          int64_t acc = bias[o];
          for (long ky = 0; ky < c->kh; ++ky)
            for (long kx = 0; kx < c->kw; ++kx) {
              long iy = y * c->sh - c->pt + ky * c->dil, ix = x * c->sw - c->pl + kx * c->dil;
              if (iy < 0 || iy >= c->h || ix < 0 || ix >= c->w) continue;
              for (long i = 0; i < c->ic; ++i) {
                long ii = ((n * c->h + iy) * c->w + ix) * c->ic + i;
                long wi = ((o * c->kh + ky) * c->kw + kx) * c->ic + i;
                int32_t xv = q->isUnsigned ? ((const uint8_t *)in)[ii] : ((const int8_t *)in)[ii];
                int32_t wv = q->isUnsigned ? ((const uint8_t *)w)[wi] : ((const int8_t *)w)[wi];
                acc += (int64_t)(xv - q->inZp) * (wv - q->wZp);
              }
            }
          double r = nearbyint((double)acc * q->inScale * q->wScale[o] / q->outScale) + q->outZp;
          double lo = q->isUnsigned ? 0 : -128, hi = q->isUnsigned ? 255 : 127;
          out[((n * oh + y) * ow + x) * c->oc + o] = (int32_t)(r < lo ? lo : r > hi ? hi : r);
        }
}

/// The peers' data and quantization for DTYPE qu8 (uint8 data and weights), qc8 (int8 data,
/// per-channel weight scales) or qs8 (int8, per-tensor): input [B][H][W][IC], weights
/// [OC][KH][KW][IC] and bias from one xorshift64* stream, in that order. `q->wScale` must hold OC
/// floats; int8 values are stored as their bytes.
static inline void benchMakeData(const BenchConv *c, uint8_t *in, uint8_t *w, int32_t *bias, BenchQuant *q) {
  int isQu8 = strcmp(c->dtype, "qu8") == 0, isQc8 = strcmp(c->dtype, "qc8") == 0;
  size_t nIn = (size_t)(c->b * c->h * c->w * c->ic), nW = (size_t)(c->oc * c->kh * c->kw * c->ic);
  uint64_t seed = 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i < nIn; ++i) in[i] = (uint8_t)benchUniform(&seed, 0, 255);
  for (size_t i = 0; i < nW; ++i)
    w[i] = isQu8 ? (uint8_t)benchUniform(&seed, 0, 255) : (uint8_t)(int8_t)benchUniform(&seed, -127, 127);
  for (long o = 0; o < c->oc; ++o) bias[o] = (int32_t)benchUniform(&seed, -10000, 10000);
  for (long o = 0; o < c->oc; ++o) q->wScale[o] = isQc8 ? 0.25f * (1.0f + (float)(o % 7) / 16.0f) : 0.25f;
  q->inScale = 0.5f;
  q->outScale = (float)benchOutScale(c, 0.5, 0.25);
  q->isUnsigned = isQu8;
  q->inZp = isQu8 ? 128 : 3, q->wZp = isQu8 ? 127 : 0, q->outZp = isQu8 ? 125 : -2;
}

/// Compares `out` (bytes of the quantized output) with benchReference, prints the "verify:" line
/// and returns how many outputs are off by more than one (-1 when out of memory).
static inline long benchVerify(const BenchConv *c, const BenchQuant *q, const void *in, const void *w,
                               const int32_t *bias, const uint8_t *out) {
  size_t nOut = (size_t)(c->b * benchOutH(c) * benchOutW(c) * c->oc), off1 = 0, worse = 0;
  int32_t *ref = (int32_t *)malloc(sizeof(int32_t) * nOut);
  if (!ref) {
    fprintf(stderr, "error: out of memory\n");
    return -1;
  }
  benchReference(c, q, in, w, bias, ref);
  for (size_t i = 0; i < nOut; ++i) {
    int32_t got = q->isUnsigned ? out[i] : (int8_t)out[i];
    long d = labs((long)got - ref[i]);
    off1 += d == 1, worse += d > 1;
  }
  printf("verify: %zu outputs, %zu off by 1, %zu off by more\n", nOut, off1, worse);
  free(ref);
  return (long)worse;
}

#ifdef __cplusplus
#include <vector>

/// The C++ drivers' buffers of one workload: input, weights, bias and output, with the data
/// and quantization of benchMakeData.
struct BenchBuffers {
  size_t nOut;
  std::vector<uint8_t> in, w, out;
  std::vector<int32_t> bias;
  std::vector<float> wScale;
  BenchQuant q{};
  explicit BenchBuffers(const BenchConv &c)
      : nOut((size_t)(c.b * benchOutH(&c) * benchOutW(&c) * c.oc)),
        in((size_t)(c.b * c.h * c.w * c.ic)), w((size_t)(c.oc * c.kh * c.kw * c.ic)), out(nOut),
        bias((size_t)c.oc), wScale((size_t)c.oc) {
    q.wScale = wScale.data();
    benchMakeData(&c, in.data(), w.data(), bias.data(), &q);
  }
};
#endif

#endif
