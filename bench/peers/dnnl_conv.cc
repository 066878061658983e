// mtc — host peer driver: one quantized NHWC conv2d on oneDNN (Debian libdnnl 2.x), run ITERS times
// SPDX-License-Identifier: Apache-2.0
//
// Usage: dnnl_conv B IC H W OC KH KW SH SW PT PL PB PR DIL DTYPE ITERS [verify]
// Same arguments, data, zero points and scales as xnn_conv.c (common.h's benchMakeData). Prints
//   onednn DTYPE outputs N checksum X
//   N runs: mean X ms, best Y ms          (each run timed alone; ITERS >= 1)
//   onednn impl NAME                      (the implementation oneDNN picked)
// and with "verify" the comparison with common.h's naive reference.
//
// oneDNN's int8 convolution takes s8 weights with zero point 0 only.
//   qc8: s8 data (zero point 3), s8 per-channel weights, s8 output (zero point -2): as the peers.
//   qu8: u8 data (zp 128) x u8 weights (zp 127) is rewritten exactly with
//        (x - 128)(w - 127) = ((255 - x) - 127)(127 - w):
//        u8 data 255 - x with zero point 127, s8 weights 127 - w with zero point 0.
//        Both are converted once, before the timed runs: in a network the layer producing the
//        data can emit 255 - x at no cost (negated output scale, zero point 255 - zp).
// Output scales are inScale * wScale[o] / outScale per output channel; oneDNN rounds in float
// (round half to even), the peers' reference in double, mtc with gemmlowp's fixed point, so
// outputs may differ by one. Weights are reordered to oneDNN's preferred layout before the timed
// runs (as XNNPACK packs them at operator creation); input and output stay NHWC. Single thread:
// run it with OMP_NUM_THREADS=1 (the Debian build uses OpenMP).

#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "common.h"
#include "host_timing.h"

int main(int argc, char **argv) {
  BenchConv c;
  if (!benchParse(argc, argv, &c, "qu8 qc8")) return 2;
  const bool isQu8 = std::strcmp(c.dtype, "qu8") == 0;
  if (!isQu8 && std::strcmp(c.dtype, "qc8") != 0) {
    std::fprintf(stderr, "error: DTYPE '%s' is not one of qu8 qc8\n", c.dtype);
    return 2;
  }
  const long oh = benchOutH(&c), ow = benchOutW(&c);
  BenchBuffers d(c);
  std::vector<uint8_t> &in = d.in, &w = d.w, &out = d.out;
  std::vector<int32_t> &bias = d.bias;
  const std::vector<float> &wScale = d.wScale;
  const BenchQuant &q = d.q;
  const size_t nOut = d.nOut;

  // What oneDNN is given: the qu8 rewrite above, or the qc8 data as it is.
  std::vector<uint8_t> src(in);
  if (isQu8)
    for (auto &v : src) v = (uint8_t)(255 - v);
  std::vector<int8_t> wS8(w.size());
  for (size_t i = 0; i < w.size(); ++i) wS8[i] = isQu8 ? (int8_t)(127 - w[i]) : (int8_t)w[i];
  const int32_t srcZp = isQu8 ? 127 : q.inZp;
  std::vector<float> scales(c.oc);
  for (long o = 0; o < c.oc; ++o) scales[o] = q.inScale * wScale[o] / q.outScale;

  using namespace dnnl;
  using dt = memory::data_type;
  using tag = memory::format_tag;
  BenchTimes times{};
  std::string impl;
  try {
    engine eng(engine::kind::cpu, 0);
    stream strm(eng);
    const dt act = isQu8 ? dt::u8 : dt::s8;
    memory::desc srcMd({c.b, c.ic, c.h, c.w}, act, tag::nhwc);
    memory::desc dstMd({c.b, c.oc, oh, ow}, act, tag::nhwc);
    memory::desc wUserMd({c.oc, c.ic, c.kh, c.kw}, dt::s8, tag::ohwi);
    memory::desc wAnyMd({c.oc, c.ic, c.kh, c.kw}, dt::s8, tag::any);
    memory::desc biasMd({c.oc}, dt::s32, tag::x);
    convolution_forward::desc d(prop_kind::forward_inference, algorithm::convolution_direct, srcMd, wAnyMd,
                                biasMd, dstMd, {c.sh, c.sw}, {c.dil - 1, c.dil - 1}, {c.pt, c.pl},
                                {c.pb, c.pr});
    primitive_attr attr;
    // Mask bit 1 is the output-channel dimension of the logical NCHW destination.
    attr.set_output_scales(isQu8 ? 0 : 1 << 1, isQu8 ? std::vector<float>{scales[0]} : scales);
    attr.set_zero_points(DNNL_ARG_SRC, 0, {srcZp});
    attr.set_zero_points(DNNL_ARG_DST, 0, {q.outZp});
    convolution_forward::primitive_desc pd(d, attr, eng);
    impl = pd.impl_info_str();

    memory srcMem(srcMd, eng, src.data()), dstMem(dstMd, eng, out.data());
    memory biasMem(biasMd, eng, bias.data()), wUser(wUserMd, eng, wS8.data());
    memory wMem = wUser;
    if (pd.weights_desc() != wUserMd) {
      wMem = memory(pd.weights_desc(), eng);
      reorder(wUser, wMem).execute(strm, wUser, wMem);
      strm.wait();
    }
    convolution_forward conv(pd);
    const std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, srcMem}, {DNNL_ARG_WEIGHTS, wMem}, {DNNL_ARG_BIAS, biasMem}, {DNNL_ARG_DST, dstMem}};
    benchMarker(1);
    for (long it = 0; it < c.iters; ++it) {
      const double t0 = benchNow();
      conv.execute(strm, args);
      strm.wait();
      benchTimesAdd(&times, benchNow() - t0);
    }
    benchMarker(2);
  } catch (const dnnl::error &e) {
    std::fprintf(stderr, "error: oneDNN: %s (status %d)\n", e.what(), (int)e.status);
    return 1;
  }
  std::printf("onednn %s outputs %zu checksum %08x\n", c.dtype, nOut, benchFnv(out.data(), nOut));
  benchTimesPrint(&times, stdout);
  std::printf("onednn impl %s\n", impl.c_str());
  if (!benchDump(out.data(), nOut)) return 1;
  if (!c.verify) return 0;
  if (c.iters == 0) {
    std::fprintf(stderr, "error: verify needs ITERS >= 1\n");
    return 2;
  }
  const long worse = benchVerify(&c, &q, in.data(), w.data(), bias.data(), out.data());
  return worse != 0 ? 3 : 0;
}
