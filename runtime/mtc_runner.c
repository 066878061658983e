/* mtc — the module runner: loads a module compiled by `mtc compile`, feeds it .npy inputs,
 * runs it and writes output_N.npy. `mtc run` builds this file on demand (for the host with cc,
 * for aarch64 with aarch64-linux-gnu-gcc) and starts it, under qemu-aarch64 for aarch64
 * modules. Plain C99 + POSIX (dlopen, clock_gettime); never includes compiler headers.
 *
 *   mtc_runner MODULE.so [--repeat N] [--output-dir DIR] NAME=FILE.npy ...
 *
 * Exit status 0 on success, 1 on any error (reported as `error: ...` on stderr, naming the
 * input or file at fault); no output file is left half-written.
 *
 * For profilers (bench/run_bench.py with the insn_count qemu plugin): the run loop sits between
 * the markers getpriority(PRIO_PROCESS, 0x5EED0001) and (..., 0x5EED0002), calls that fail with
 * ESRCH and do nothing else; with MTC_RUNNER_REPORT_BASE set in the environment the runner
 * prints the module's load address to stderr ("mtc_runner: module base 0x...").
 * SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE /* dladdr */
#include "mtc_runtime.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_DIMS 32

static void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static const char *dtypeName(int32_t t) {
  switch (t) {
  case MTC_INT8: return "int8";
  case MTC_UINT8: return "uint8";
  case MTC_INT16: return "int16";
  case MTC_INT32: return "int32";
  case MTC_INT64: return "int64";
  case MTC_FLOAT32: return "float32";
  case MTC_BOOL: return "bool";
  default: return "?";
  }
}

static int dtypeBytes(int32_t t) {
  switch (t) {
  case MTC_INT16: return 2;
  case MTC_INT32: case MTC_FLOAT32: return 4;
  case MTC_INT64: return 8;
  default: return 1;
  }
}

/* NumPy descr of each dtype (little-endian), and the descrs accepted on input. */
static const char *dtypeDescr(int32_t t) {
  switch (t) {
  case MTC_INT8: return "|i1";
  case MTC_UINT8: return "|u1";
  case MTC_INT16: return "<i2";
  case MTC_INT32: return "<i4";
  case MTC_INT64: return "<i8";
  case MTC_FLOAT32: return "<f4";
  default: return "|b1";
  }
}

static int descrDType(const char *d) {
  static const struct { const char *descr; int dtype; } table[] = {
      {"|i1", MTC_INT8},  {"<i1", MTC_INT8},  {"i1", MTC_INT8},   {"|u1", MTC_UINT8},
      {"<u1", MTC_UINT8}, {"u1", MTC_UINT8},  {"<i2", MTC_INT16}, {"<i4", MTC_INT32},
      {"<i8", MTC_INT64}, {"<f4", MTC_FLOAT32}, {"|b1", MTC_BOOL}, {"<b1", MTC_BOOL},
      {"b1", MTC_BOOL},   {"|?", MTC_BOOL},   {"?", MTC_BOOL}};
  for (size_t i = 0; i < sizeof table / sizeof table[0]; ++i)
    if (strcmp(d, table[i].descr) == 0) return table[i].dtype;
  return -1;
}

static void shapeStr(char *buf, size_t n, const int64_t *shape, int ndim) {
  size_t used = (size_t)snprintf(buf, n, "(");
  for (int i = 0; i < ndim && used < n; ++i)
    used += (size_t)snprintf(buf + used, n - used, "%s%lld", i ? ", " : "", (long long)shape[i]);
  if (used < n) snprintf(buf + used, n - used, ")");
}

static int64_t numel(const int64_t *shape, int ndim) {
  int64_t n = 1;
  for (int i = 0; i < ndim; ++i) n *= shape[i];
  return n;
}

typedef struct {
  int32_t dtype;
  int ndim;
  int64_t shape[MAX_DIMS];
  void *data;
} Array;

static void *alignedAlloc(size_t bytes) {
  void *p = NULL;
  if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0) return NULL;
  return p;
}

/* Finds `'key':` in a .npy header dict and returns a pointer just past the colon. */
static const char *dictValue(const char *h, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "'%s'", key);
  const char *p = strstr(h, pat);
  if (!p) return NULL;
  p = strchr(p + strlen(pat), ':');
  if (!p) return NULL;
  ++p;
  while (*p == ' ') ++p;
  return p;
}

/* Reads a .npy file (versions 1-3, C order, little-endian dtypes). */
static int readNpy(const char *path, const char *what, Array *out) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fail("%s: cannot open '%s': %s", what, path, strerror(errno));
    return 0;
  }
  unsigned char pre[10];
  int ok = 0;
  char *header = NULL;
  if (fread(pre, 1, 8, f) != 8 || memcmp(pre, "\x93NUMPY", 6) != 0) {
    fail("%s: '%s' is not a .npy file", what, path);
    goto done;
  }
  size_t hlen = 0;
  if (pre[6] == 1) {
    if (fread(pre + 8, 1, 2, f) != 2) goto truncated;
    hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
  } else if (pre[6] == 2 || pre[6] == 3) {
    unsigned char l[4];
    if (fread(l, 1, 4, f) != 4) goto truncated;
    hlen = (size_t)l[0] | (size_t)l[1] << 8 | (size_t)l[2] << 16 | (size_t)l[3] << 24;
  } else {
    fail("%s: '%s' has unsupported .npy version %d", what, path, pre[6]);
    goto done;
  }
  if (hlen > (1u << 20)) {
    fail("%s: '%s' has an absurd header length", what, path);
    goto done;
  }
  header = malloc(hlen + 1);
  if (!header || fread(header, 1, hlen, f) != hlen) goto truncated;
  header[hlen] = 0;
  const char *d = dictValue(header, "descr");
  char descr[16] = {0};
  if (!d || *d != '\'' || sscanf(d + 1, "%15[^']", descr) != 1) {
    fail("%s: '%s' has no dtype in its header", what, path);
    goto done;
  }
  out->dtype = descrDType(descr);
  if (out->dtype < 0) {
    fail("%s: '%s' has unsupported dtype '%s'", what, path, descr);
    goto done;
  }
  const char *fo = dictValue(header, "fortran_order");
  if (fo && strncmp(fo, "True", 4) == 0) {
    fail("%s: '%s' is in Fortran order; save it in C order", what, path);
    goto done;
  }
  const char *s = dictValue(header, "shape");
  if (!s || *s != '(') {
    fail("%s: '%s' has no shape in its header", what, path);
    goto done;
  }
  out->ndim = 0;
  ++s;
  for (;;) {
    while (*s == ' ' || *s == ',') ++s;
    if (*s == ')') break;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (end == s || v < 0 || out->ndim >= MAX_DIMS) {
      fail("%s: '%s' has a malformed shape", what, path);
      goto done;
    }
    out->shape[out->ndim++] = v;
    s = end;
    if (*s == 'L') ++s;
  }
  {
    const int64_t n = numel(out->shape, out->ndim);
    const size_t bytes = (size_t)n * (size_t)dtypeBytes(out->dtype);
    if (n < 0 || n > ((int64_t)1 << 36)) {
      fail("%s: '%s' is too large", what, path);
      goto done;
    }
    out->data = alignedAlloc(bytes);
    if (!out->data) {
      fail("%s: out of memory reading '%s'", what, path);
      goto done;
    }
    if (fread(out->data, 1, bytes, f) != bytes) goto truncated;
  }
  ok = 1;
  goto done;
truncated:
  fail("%s: '%s' is truncated", what, path);
done:
  free(header);
  fclose(f);
  return ok;
}

/* Writes `a` as .npy version 1.0 to path (through a temporary file and rename). */
static int writeNpy(const char *path, const Array *a) {
  char dict[512];
  size_t n = (size_t)snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                              dtypeDescr(a->dtype));
  for (int i = 0; i < a->ndim; ++i)
    n += (size_t)snprintf(dict + n, sizeof dict - n, "%lld,%s", (long long)a->shape[i],
                          i + 1 < a->ndim ? " " : "");
  if (a->ndim > 1) --n; /* numpy writes (2, 3) but (5,) */
  n += (size_t)snprintf(dict + n, sizeof dict - n, "), }");
  const size_t total = (10 + n + 1 + 63) / 64 * 64;
  const size_t hlen = total - 10;
  char *tmp = malloc(strlen(path) + 32);
  if (!tmp) return 0;
  sprintf(tmp, "%s.tmp%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  if (!f) {
    fail("cannot write '%s': %s", path, strerror(errno));
    free(tmp);
    return 0;
  }
  unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 0xff),
                           (unsigned char)(hlen >> 8)};
  int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(dict, 1, n, f) == n;
  for (size_t i = n; ok && i + 1 < hlen; ++i) ok = fputc(' ', f) != EOF;
  ok = ok && fputc('\n', f) != EOF;
  const size_t bytes = (size_t)numel(a->shape, a->ndim) * (size_t)dtypeBytes(a->dtype);
  ok = ok && fwrite(a->data, 1, bytes, f) == bytes;
  ok = (fclose(f) == 0) && ok;
  if (ok && rename(tmp, path) != 0) ok = 0;
  if (!ok) {
    fail("cannot write '%s': %s", path, strerror(errno));
    unlink(tmp);
  }
  free(tmp);
  return ok;
}

static const char *statusText(int code) {
  switch (code) {
  case MTC_ERR_NULL: return "null pointer";
  case MTC_ERR_NDIM: return "wrong number of dims";
  case MTC_ERR_SHAPE: return "wrong shape";
  case MTC_ERR_DTYPE: return "wrong dtype";
  case MTC_ERR_WORKSPACE: return "bad workspace";
  case MTC_ERR_ALIGN: return "misaligned data";
  default: return "unknown status";
  }
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int usage(void) {
  fputs("usage: mtc_runner MODULE.so [--repeat N] [--output-dir DIR] NAME=FILE.npy ...\n", stderr);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  const char *module = argv[1], *outDir = ".";
  long repeat = 1;
  const char *specs[256];
  int nspecs = 0;
  for (int i = 2; i < argc; ++i) {
    if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
      char *end = NULL;
      repeat = strtol(argv[++i], &end, 10);
      if (*end || repeat < 1) {
        fail("--repeat '%s': expected a positive integer", argv[i]);
        return 1;
      }
    } else if (strcmp(argv[i], "--output-dir") == 0 && i + 1 < argc) {
      outDir = argv[++i];
    } else if (strchr(argv[i], '=') && nspecs < 256) {
      specs[nspecs++] = argv[i];
    } else {
      return usage();
    }
  }
  void *lib = dlopen(module, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fail("%s: cannot load the module: %s", module, dlerror());
    return 1;
  }
  const mtc_module_info *(*getInfo)(void) =
      (const mtc_module_info *(*)(void))dlsym(lib, "mtc_module_get_info");
  if (!getInfo) {
    fail("%s: not a module compiled by mtc (no mtc_module_get_info)", module);
    return 1;
  }
  const mtc_module_info *info = getInfo();
  if (info->abi_version != MTC_ABI_VERSION) {
    fail("%s: module ABI version %u, this runner supports %d", module, info->abi_version,
         MTC_ABI_VERSION);
    return 1;
  }
  const uint32_t nin = info->num_inputs, nout = info->num_outputs;
  Array *in = calloc(nin + 1, sizeof(Array)), *out = calloc(nout + 1, sizeof(Array));
  mtc_tensor *tin = calloc(nin + 1, sizeof(mtc_tensor)), *tout = calloc(nout + 1, sizeof(mtc_tensor));
  int *given = calloc(nin + 1, sizeof(int));
  if (!in || !out || !tin || !tout || !given) {
    fail("out of memory");
    return 1;
  }
  for (int s = 0; s < nspecs; ++s) {
    const char *eq = strchr(specs[s], '=');
    const size_t len = (size_t)(eq - specs[s]);
    uint32_t k = 0;
    while (k < nin && !(strlen(info->inputs[k].name) == len &&
                        strncmp(info->inputs[k].name, specs[s], len) == 0))
      ++k;
    if (k == nin) {
      char names[1024] = "";
      for (uint32_t j = 0; j < nin; ++j)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", j ? ", " : "",
                 info->inputs[j].name);
      fail("--input %.*s: the module has no input of that name (its inputs: %s)", (int)len,
           specs[s], nin ? names : "none");
      return 1;
    }
    if (given[k]) {
      fail("--input %s: given twice", info->inputs[k].name);
      return 1;
    }
    given[k] = 1;
    char what[256];
    snprintf(what, sizeof what, "--input %s", info->inputs[k].name);
    if (!readNpy(eq + 1, what, &in[k])) return 1;
    const mtc_tensor_info *ti = &info->inputs[k];
    char want[256], have[256];
    shapeStr(want, sizeof want, ti->shape, ti->ndim);
    shapeStr(have, sizeof have, in[k].shape, in[k].ndim);
    if (in[k].dtype != ti->dtype) {
      fail("input '%s': '%s' has dtype %s, the module expects %s %s", ti->name, eq + 1,
           dtypeName(in[k].dtype), dtypeName(ti->dtype), want);
      return 1;
    }
    if (in[k].ndim != ti->ndim || (ti->ndim && memcmp(in[k].shape, ti->shape, sizeof(int64_t) * (size_t)ti->ndim) != 0)) {
      fail("input '%s': '%s' has shape %s, the module expects %s", ti->name, eq + 1, have, want);
      return 1;
    }
  }
  for (uint32_t k = 0; k < nin; ++k) {
    if (!given[k]) {
      char want[256];
      shapeStr(want, sizeof want, info->inputs[k].shape, info->inputs[k].ndim);
      fail("missing input '%s' (%s %s): pass --input %s=FILE.npy", info->inputs[k].name,
           dtypeName(info->inputs[k].dtype), want, info->inputs[k].name);
      return 1;
    }
    tin[k].data = in[k].data;
    tin[k].shape = in[k].shape;
    tin[k].ndim = in[k].ndim;
    tin[k].dtype = in[k].dtype;
  }
  for (uint32_t k = 0; k < nout; ++k) {
    const mtc_tensor_info *ti = &info->outputs[k];
    out[k].dtype = ti->dtype;
    out[k].ndim = ti->ndim;
    for (int d = 0; d < ti->ndim; ++d) out[k].shape[d] = ti->shape[d];
    out[k].data = alignedAlloc((size_t)numel(ti->shape, ti->ndim) * (size_t)dtypeBytes(ti->dtype));
    if (!out[k].data) {
      fail("out of memory for output %u", k);
      return 1;
    }
    tout[k].data = out[k].data;
    tout[k].shape = out[k].shape;
    tout[k].ndim = out[k].ndim;
    tout[k].dtype = out[k].dtype;
  }
  void *ws = info->workspace_size ? alignedAlloc((size_t)info->workspace_size) : NULL;
  if (info->workspace_size && !ws) {
    fail("out of memory for the %llu-byte workspace", (unsigned long long)info->workspace_size);
    return 1;
  }
  if (getenv("MTC_RUNNER_REPORT_BASE")) {
    Dl_info where;
    if (dladdr((const void *)info, &where) && where.dli_fbase)
      fprintf(stderr, "mtc_runner: module base %p\n", where.dli_fbase);
  }
  double best = 1e30, total = 0;
  (void)getpriority(PRIO_PROCESS, (id_t)0x5EED0001);
  for (long r = 0; r < repeat; ++r) {
    const double t0 = now();
    const int status = info->run(tin, tout, ws);
    const double dt = now() - t0;
    if (status != MTC_OK) {
      const int t = MTC_STATUS_TENSOR(status);
      const char *who = t < 0 ? "" : (uint32_t)t < nin ? info->inputs[t].name : "output";
      fail("%s: run failed: %s (tensor %d %s)", module, statusText(MTC_STATUS_CODE(status)), t, who);
      return 1;
    }
    total += dt;
    if (dt < best) best = dt;
  }
  (void)getpriority(PRIO_PROCESS, (id_t)0x5EED0002);
  mkdir(outDir, 0777); /* may exist; a real failure shows when writing */
  char *path = malloc(strlen(outDir) + 64);
  if (!path) return 1;
  for (uint32_t k = 0; k < nout; ++k) {
    sprintf(path, "%s/output_%u.npy", outDir, k);
    if (!writeNpy(path, &out[k])) {
      for (uint32_t j = 0; j < k; ++j) { /* leave no partial set of outputs */
        sprintf(path, "%s/output_%u.npy", outDir, j);
        unlink(path);
      }
      return 1;
    }
  }
  for (uint32_t k = 0; k < nout; ++k) {
    char s[256];
    shapeStr(s, sizeof s, out[k].shape, out[k].ndim);
    printf("%s/output_%u.npy: Tensor[%s, %s]\n", outDir, k, s, dtypeName(out[k].dtype));
  }
  if (repeat > 1)
    printf("%ld runs: mean %.3f ms, best %.3f ms\n", repeat, total / (double)repeat * 1e3, best * 1e3);
  free(path);
  return 0;
}
