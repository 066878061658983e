/* mtc — checks one GEMM micro-kernel of a shared library against a scalar reference.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Built with aarch64-linux-gnu-gcc and run under qemu-aarch64 by tests/unit/ukernel_test.cc:
 *
 *   ukernel_harness LIB.so SYMBOL TILE_M TILE_N TILE_K s8|u8 [PANEL_M PANEL_N]
 *
 * SYMBOL is `void f(const void *a, const void *b, int32_t *c, int64_t kblocks, int64_t ldc)`
 * computing C[m][n] = sum_k A[m][k] * B[n][k] over packed panels (A: kblocks blocks of
 * PANEL_M x TILE_K bytes of which the kernel reads the first TILE_M rows, B: kblocks blocks of
 * PANEL_N x TILE_K bytes of which it reads the first TILE_N columns (the panels default to the
 * tile; a tail kernel has a smaller tile), C: TILE_M rows of TILE_N int32, row stride ldc).
 * Every case places A, B and C so that they end exactly at an inaccessible page (an over-read
 * or over-write faults), surrounds C's rows with sentinels (a stray store is reported), checks
 * that the panels are left unchanged and that the callee-saved d8-d15 survive the call.
 * Prints one line per failure and a summary; exits 0 only if every case is exact. */
#include <dlfcn.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef void (*kernel_fn)(const void *, const void *, int32_t *, int64_t, int64_t);

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t next_random(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state >> 11);
}

/* A buffer of `size` bytes whose last byte is followed by a PROT_NONE page. */
typedef struct {
  unsigned char *map;
  size_t map_size;
  unsigned char *data;
} guarded;

static int guarded_alloc(guarded *g, size_t size) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t body = (size + page - 1) / page * page;
  g->map_size = body + page;
  g->map = mmap(NULL, g->map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (g->map == MAP_FAILED)
    return 0;
  if (mprotect(g->map + body, page, PROT_NONE) != 0)
    return 0;
  g->data = g->map + body - size;
  return 1;
}

static void guarded_free(guarded *g) { munmap(g->map, g->map_size); }

/* Calls the kernel with d8-d15 set to known values; returns 1 if they are preserved. */
static int call_checked(kernel_fn fn, const void *a, const void *b, int32_t *c, int64_t kb,
                        int64_t ldc) {
  uint64_t before[8], after[8];
  for (int i = 0; i < 8; ++i)
    before[i] = 0x0123456789abcdefull * (uint64_t)(i + 3);
  register uint64_t x0 __asm__("x0") = (uint64_t)a;
  register uint64_t x1 __asm__("x1") = (uint64_t)b;
  register uint64_t x2 __asm__("x2") = (uint64_t)c;
  register uint64_t x3 __asm__("x3") = (uint64_t)kb;
  register uint64_t x4 __asm__("x4") = (uint64_t)ldc;
  register uint64_t x19 __asm__("x19") = (uint64_t)fn;
  register uint64_t x20 __asm__("x20") = (uint64_t)before;
  register uint64_t x21 __asm__("x21") = (uint64_t)after;
  __asm__ volatile("ldp d8, d9, [x20]\n\t"
                   "ldp d10, d11, [x20, #16]\n\t"
                   "ldp d12, d13, [x20, #32]\n\t"
                   "ldp d14, d15, [x20, #48]\n\t"
                   "blr x19\n\t"
                   "stp d8, d9, [x21]\n\t"
                   "stp d10, d11, [x21, #16]\n\t"
                   "stp d12, d13, [x21, #32]\n\t"
                   "stp d14, d15, [x21, #48]\n\t"
                   : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4)
                   : "r"(x19), "r"(x20), "r"(x21)
                   : "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
                     "x16", "x17", "x18", "x30", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7",
                     "v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18",
                     "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29",
                     "v30", "v31", "cc", "memory");
  return memcmp(before, after, sizeof before) == 0;
}

enum pattern { P_RANDOM, P_MIN_MIN, P_MAX_MAX, P_MAX_MIN, P_EXTREMES, P_ZERO_A, P_COUNT };
static const char *pattern_names[P_COUNT] = {"random",  "min*min", "max*max",
                                             "max*min", "extremes", "zero-A"};

/* Fills one byte of A (which = 0) or B (which = 1) according to the pattern. */
static unsigned char fill_byte(enum pattern p, int which, int is_signed) {
  int lo = is_signed ? -128 : 0, hi = is_signed ? 127 : 255;
  int v;
  switch (p) {
  case P_MIN_MIN: v = lo; break;
  case P_MAX_MAX: v = hi; break;
  case P_MAX_MIN: v = which == 0 ? hi : lo; break;
  case P_EXTREMES: v = (next_random() & 1) ? hi : lo; break;
  case P_ZERO_A: v = which == 0 ? 0 : lo + (int)(next_random() % 256u); break;
  default: v = lo + (int)(next_random() % 256u); break;
  }
  return (unsigned char)(v & 0xff);
}

static int run_case(kernel_fn fn, int tm, int pm, int tn, int pn, int tk, int is_signed,
                    int64_t kb, int ldc, enum pattern p, const char *sym) {
  size_t k = (size_t)kb * (size_t)tk;
  size_t a_size = (size_t)pm * k, b_size = (size_t)pn * k;
  /* C ends exactly at the guard page: its last row is the last tn int32. */
  size_t c_elems = (size_t)(tm - 1) * (size_t)ldc + (size_t)tn;
  guarded ga, gb, gc;
  if (!guarded_alloc(&ga, a_size ? a_size : 1) || !guarded_alloc(&gb, b_size ? b_size : 1) ||
      !guarded_alloc(&gc, c_elems * 4)) {
    printf("%s: cannot allocate buffers\n", sym);
    return 0;
  }
  unsigned char *a = ga.data + (a_size ? 0 : 1), *b = gb.data + (b_size ? 0 : 1);
  int32_t *c = (int32_t *)gc.data;
  for (size_t i = 0; i < a_size; ++i)
    a[i] = fill_byte(p, 0, is_signed);
  for (size_t i = 0; i < b_size; ++i)
    b[i] = fill_byte(p, 1, is_signed);
  for (size_t i = 0; i < c_elems; ++i)
    c[i] = (int32_t)0xdeadbeef;
  unsigned char *a_copy = malloc(a_size + 1), *b_copy = malloc(b_size + 1);
  memcpy(a_copy, a, a_size);
  memcpy(b_copy, b, b_size);

  int ok = call_checked(fn, a, b, c, kb, ldc);
  if (!ok)
    printf("%s: kblocks=%" PRId64 " ldc=%d %s: callee-saved d8-d15 clobbered\n", sym, kb, ldc,
           pattern_names[p]);
  if (memcmp(a, a_copy, a_size) != 0 || memcmp(b, b_copy, b_size) != 0) {
    printf("%s: kblocks=%" PRId64 " %s: the kernel modified its input panels\n", sym, kb,
           pattern_names[p]);
    ok = 0;
  }
  int reported = 0;
  for (int m = 0; m < tm; ++m) {
    for (int n = 0; n < ldc && (size_t)m * (size_t)ldc + (size_t)n < c_elems; ++n) {
      int32_t got = c[(size_t)m * (size_t)ldc + (size_t)n];
      int64_t want;
      if (n >= tn) {
        want = (int32_t)0xdeadbeef; /* the gap between rows must be untouched */
      } else {
        int64_t sum = 0;
        for (size_t kk = 0; kk < k; ++kk) {
          /* Panel index of (row, kk): block kk / tk, then row, then kk % tk. */
          size_t blk = kk / (size_t)tk, off = kk % (size_t)tk;
          unsigned char av = a[(blk * (size_t)pm + (size_t)m) * (size_t)tk + off];
          unsigned char bv = b[(blk * (size_t)pn + (size_t)n) * (size_t)tk + off];
          int64_t x = is_signed ? (int64_t)(int8_t)av : (int64_t)av;
          int64_t y = is_signed ? (int64_t)(int8_t)bv : (int64_t)bv;
          sum += x * y;
        }
        want = sum;
      }
      if ((int64_t)got != want) {
        if (reported++ < 4)
          printf("%s: kblocks=%" PRId64 " ldc=%d %s: C[%d][%d] = %" PRId32 ", expected %" PRId64
                 "\n",
                 sym, kb, ldc, pattern_names[p], m, n, got, want);
        ok = 0;
      }
    }
  }
  free(a_copy);
  free(b_copy);
  guarded_free(&ga);
  guarded_free(&gb);
  guarded_free(&gc);
  return ok;
}

int main(int argc, char **argv) {
  if (argc != 7 && argc != 9) {
    fprintf(stderr, "usage: %s LIB.so SYMBOL TILE_M TILE_N TILE_K s8|u8 [PANEL_M PANEL_N]\n", argv[0]);
    return 2;
  }
  const char *lib = argv[1], *sym = argv[2];
  int tm = atoi(argv[3]), tn = atoi(argv[4]), tk = atoi(argv[5]);
  int is_signed = strcmp(argv[6], "s8") == 0;
  int pm = argc == 9 ? atoi(argv[7]) : tm, pn = argc == 9 ? atoi(argv[8]) : tn;
  if (tm <= 0 || tn <= 0 || tk <= 0 || pm < tm || pn < tn ||
      (!is_signed && strcmp(argv[6], "u8") != 0)) {
    fprintf(stderr, "%s: bad tile or dtype arguments\n", argv[0]);
    return 2;
  }
  void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "%s: cannot load %s: %s\n", argv[0], lib, dlerror());
    return 2;
  }
  kernel_fn fn = (kernel_fn)dlsym(h, sym);
  if (!fn) {
    fprintf(stderr, "%s: %s has no symbol %s\n", argv[0], lib, sym);
    return 2;
  }
  /* Odd and even counts exercise the unrolled loops' tails; 0 must store a zero tile. */
  static const int64_t kblocks[] = {1, 2, 3, 4, 5, 7, 8, 0, 16, 33};
  int cases = 0, passed = 0;
  for (size_t i = 0; i < sizeof kblocks / sizeof kblocks[0]; ++i) {
    for (int p = 0; p < P_COUNT; ++p) {
      for (int strided = 0; strided < 2; ++strided) {
        int ldc = strided ? tn + 5 : tn;
        ++cases;
        passed += run_case(fn, tm, pm, tn, pn, tk, is_signed, kblocks[i], ldc, (enum pattern)p, sym);
      }
    }
  }
  if (passed == cases) {
    printf("%s: all %d cases exact\n", sym, cases);
    return 0;
  }
  printf("%s: %d of %d cases FAILED\n", sym, cases - passed, cases);
  return 1;
}
