// mtc — peer driver: one XNNPACK quantized NHWC conv2d (qc8 / qs8 / qu8), run ITERS times
// SPDX-License-Identifier: Apache-2.0
//
// Usage: xnn_conv B IC H W OC KH KW SH SW PT PL PB PR DIL DTYPE ITERS [verify]
// Prints the output checksum; "verify" also compares with a naive integer reference.
// The run loop sits between insn_count markers 1 and 2; setup (weight packing, indirection
// buffer) happens before marker 1 and cancels in the ITERS=3 minus ITERS=1 difference.

#include <xnnpack.h>

#include "common.h"

int main(int argc, char **argv) {
  BenchConv c;
  if (!benchParse(argc, argv, &c, "qc8 qs8 qu8")) return 2;
  int isQc8 = strcmp(c.dtype, "qc8") == 0, isQs8 = strcmp(c.dtype, "qs8") == 0;
  int isQu8 = strcmp(c.dtype, "qu8") == 0;
  if (!isQc8 && !isQs8 && !isQu8) {
    fprintf(stderr, "error: DTYPE '%s' is not one of qc8 qs8 qu8\n", c.dtype);
    return 2;
  }
  long oh = benchOutH(&c), ow = benchOutW(&c);
  size_t nIn = (size_t)(c.b * c.h * c.w * c.ic), nOut = (size_t)(c.b * oh * ow * c.oc);
  size_t nW = (size_t)(c.oc * c.kh * c.kw * c.ic);
  // XNNPACK may read a few bytes past the input (vector loads): pad the buffer.
  uint8_t *in = calloc(nIn + 64, 1), *w = malloc(nW), *out = malloc(nOut);
  int32_t *bias = malloc(sizeof(int32_t) * (size_t)c.oc);
  BenchQuant q = {.inScale = 0.5f, .isUnsigned = isQu8};
  q.wScale = malloc(sizeof(float) * (size_t)c.oc);
  if (!in || !w || !out || !bias || !q.wScale) {
    fprintf(stderr, "error: out of memory\n");
    return 1;
  }
  benchMakeData(&c, in, w, bias, &q);

  if (xnn_initialize(NULL) != xnn_status_success) {
    fprintf(stderr, "error: xnn_initialize failed (unsupported CPU?)\n");
    return 1;
  }
  xnn_operator_t op = NULL;
  enum xnn_status st;
  uint32_t pt = (uint32_t)c.pt, pr = (uint32_t)c.pr, pb = (uint32_t)c.pb, pl = (uint32_t)c.pl;
  if (isQc8)
    st = xnn_create_convolution2d_nhwc_qc8(pt, pr, pb, pl, c.kh, c.kw, c.sh, c.sw, c.dil, c.dil, 1,
                                           c.ic, c.oc, c.ic, c.oc, (int8_t)q.inZp, q.inScale,
                                           q.wScale, (const int8_t *)w, bias, (int8_t)q.outZp,
                                           q.outScale, -128, 127, 0, &op);
  else if (isQs8)
    st = xnn_create_convolution2d_nhwc_qs8(pt, pr, pb, pl, c.kh, c.kw, c.sh, c.sw, c.dil, c.dil, 1,
                                           c.ic, c.oc, c.ic, c.oc, (int8_t)q.inZp, q.inScale,
                                           q.wScale[0], (const int8_t *)w, bias, (int8_t)q.outZp,
                                           q.outScale, -128, 127, 0, &op);
  else
    st = xnn_create_convolution2d_nhwc_qu8(pt, pr, pb, pl, c.kh, c.kw, c.sh, c.sw, c.dil, c.dil, 1,
                                           c.ic, c.oc, c.ic, c.oc, (uint8_t)q.inZp, q.inScale,
                                           (uint8_t)q.wZp, q.wScale[0], w, bias, (uint8_t)q.outZp,
                                           q.outScale, 0, 255, 0, &op);
  if (st != xnn_status_success) {
    fprintf(stderr, "error: xnn_create_convolution2d_nhwc_%s failed (status %d)\n", c.dtype, (int)st);
    return 1;
  }
  if (isQu8)
    st = xnn_setup_convolution2d_nhwc_qu8(op, c.b, c.h, c.w, in, out, NULL);
  else if (isQc8)
    st = xnn_setup_convolution2d_nhwc_qc8(op, c.b, c.h, c.w, (const int8_t *)in, (int8_t *)out, NULL);
  else
    st = xnn_setup_convolution2d_nhwc_qs8(op, c.b, c.h, c.w, (const int8_t *)in, (int8_t *)out, NULL);
  if (st != xnn_status_success) {
    fprintf(stderr, "error: xnn_setup_convolution2d_nhwc_%s failed (status %d)\n", c.dtype, (int)st);
    return 1;
  }
  benchMarker(1);
  for (long it = 0; it < c.iters; ++it) {
    if (xnn_run_operator(op, NULL) != xnn_status_success) {
      fprintf(stderr, "error: xnn_run_operator failed\n");
      return 1;
    }
  }
  benchMarker(2);
  printf("xnnpack %s outputs %zu checksum %08x\n", c.dtype, nOut, benchFnv(out, nOut));
  if (!benchDump(out, nOut)) return 1;
  int rc = 0;
  if (c.verify) {
    if (c.iters == 0) {
      fprintf(stderr, "error: verify needs ITERS >= 1\n");
      return 2;
    }
    int32_t *ref = malloc(sizeof(int32_t) * nOut);
    if (!ref) return 1;
    benchReference(&c, &q, in, w, bias, ref);
    size_t off1 = 0, worse = 0;
    for (size_t i = 0; i < nOut; ++i) {
      int32_t got = isQu8 ? out[i] : (int8_t)out[i];
      long d = labs((long)got - ref[i]);
      off1 += d == 1, worse += d > 1;
    }
    printf("verify: %zu outputs, %zu off by 1, %zu off by more\n", nOut, off1, worse);
    rc = worse ? 3 : 0;
    free(ref);
  }
  xnn_delete_operator(op);
  return rc;
}
