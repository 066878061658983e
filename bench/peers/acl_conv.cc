// mtc — peer driver: one quantized NHWC conv2d on the Arm Compute Library through ArmNN's CpuAcc
// SPDX-License-Identifier: Apache-2.0
//
// Usage: acl_conv B IC H W OC KH KW SH SW PT PL PB PR DIL DTYPE ITERS [verify]
//   DTYPE qu8: QAsymmU8 data and weights (weight zero point 127);
//         qc8: QAsymmS8 data, QSymmS8 weights with per-output-channel scales;
//         qs8: QAsymmS8 data, per-tensor int8 weights given as QAsymmS8 with zero point 0
//              (ACL 20.08 rejects per-tensor QSymmS8 convolution weights).
// Data, scales and zero points follow xnn_conv.c exactly. Optimize and LoadNetwork (ACL configure,
// weight reshaping) run before insn_count marker 1; EnqueueWorkload runs ITERS times inside the
// window. The driver refuses to run unless the optimized network runs on CpuAcc.

#include <armnn/ArmNN.hpp>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "common.h"

int main(int argc, char **argv) {
  BenchConv c;
  if (!benchParse(argc, argv, &c, "qu8 qc8 qs8")) return 2;
  const bool isQu8 = std::strcmp(c.dtype, "qu8") == 0, isQc8 = std::strcmp(c.dtype, "qc8") == 0;
  if (!isQu8 && !isQc8 && std::strcmp(c.dtype, "qs8") != 0) {
    std::fprintf(stderr, "error: DTYPE '%s' is not one of qu8 qc8 qs8\n", c.dtype);
    return 2;
  }
  const long oh = benchOutH(&c), ow = benchOutW(&c);
  BenchBuffers d(c);
  std::vector<uint8_t> &in = d.in, &w = d.w, &out = d.out;
  std::vector<int32_t> &bias = d.bias;
  const std::vector<float> &wScale = d.wScale;
  const BenchQuant &q = d.q;
  const size_t nOut = d.nOut;

  using namespace armnn;
  try {
    IRuntimePtr rt = IRuntime::Create(IRuntime::CreationOptions());
    INetworkPtr net = INetwork::Create();
    const DataType act = isQu8 ? DataType::QAsymmU8 : DataType::QAsymmS8;
    TensorInfo inInfo(TensorShape({(unsigned)c.b, (unsigned)c.h, (unsigned)c.w, (unsigned)c.ic}), act,
                      q.inScale, q.inZp);
    TensorInfo outInfo(TensorShape({(unsigned)c.b, (unsigned)oh, (unsigned)ow, (unsigned)c.oc}), act,
                       q.outScale, q.outZp);
    TensorShape wShape({(unsigned)c.oc, (unsigned)c.kh, (unsigned)c.kw, (unsigned)c.ic});
    TensorInfo wInfo = isQc8 ? TensorInfo(wShape, DataType::QSymmS8, wScale, 0)
                             : TensorInfo(wShape, act, wScale[0], q.wZp);
    std::vector<float> bScale(c.oc);
    for (long o = 0; o < c.oc; ++o) bScale[o] = q.inScale * wScale[o];
    TensorInfo bInfo = isQc8 ? TensorInfo(TensorShape({(unsigned)c.oc}), DataType::Signed32, bScale, 0)
                             : TensorInfo(TensorShape({(unsigned)c.oc}), DataType::Signed32, bScale[0], 0);
    Convolution2dDescriptor d;
    d.m_PadLeft = c.pl, d.m_PadRight = c.pr, d.m_PadTop = c.pt, d.m_PadBottom = c.pb;
    d.m_StrideX = c.sw, d.m_StrideY = c.sh, d.m_DilationX = c.dil, d.m_DilationY = c.dil;
    d.m_BiasEnabled = true;
    d.m_DataLayout = DataLayout::NHWC;
    IConnectableLayer *input = net->AddInputLayer(0);
    IConnectableLayer *conv = net->AddConvolution2dLayer(
        d, ConstTensor(wInfo, w.data()), Optional<ConstTensor>(ConstTensor(bInfo, bias.data())), "conv");
    IConnectableLayer *output = net->AddOutputLayer(0);
    input->GetOutputSlot(0).SetTensorInfo(inInfo);
    input->GetOutputSlot(0).Connect(conv->GetInputSlot(0));
    conv->GetOutputSlot(0).SetTensorInfo(outInfo);
    conv->GetOutputSlot(0).Connect(output->GetInputSlot(0));
    std::vector<std::string> messages;
    IOptimizedNetworkPtr opt = Optimize(*net, {Compute::CpuAcc}, rt->GetDeviceSpec(), OptimizerOptions(),
                                        Optional<std::vector<std::string> &>(messages));
    if (!opt) {
      std::fprintf(stderr, "error: ArmNN could not place the %s conv on CpuAcc:", c.dtype);
      for (auto &m : messages) std::fprintf(stderr, " %s", m.c_str());
      std::fprintf(stderr, "\n");
      return 1;
    }
    std::ostringstream dot;
    opt->SerializeToDot(dot);
    if (dot.str().find("CpuAcc") == std::string::npos) {
      std::fprintf(stderr, "error: the optimized network does not run on CpuAcc\n");
      return 1;
    }
    NetworkId id;
    std::string err;
    if (rt->LoadNetwork(id, std::move(opt), err) != Status::Success) {
      std::fprintf(stderr, "error: LoadNetwork failed: %s\n", err.c_str());
      return 1;
    }
    InputTensors inputs{{0, ConstTensor(rt->GetInputTensorInfo(id, 0), in.data())}};
    OutputTensors outputs{{0, Tensor(rt->GetOutputTensorInfo(id, 0), out.data())}};
    benchMarker(1);
    for (long it = 0; it < c.iters; ++it) {
      if (rt->EnqueueWorkload(id, inputs, outputs) != Status::Success) {
        std::fprintf(stderr, "error: EnqueueWorkload failed\n");
        return 1;
      }
    }
    benchMarker(2);
  } catch (const armnn::Exception &e) {
    std::fprintf(stderr, "error: ArmNN: %s\n", e.what());
    return 1;
  }
  std::printf("acl %s outputs %zu checksum %08x\n", c.dtype, nOut, benchFnv(out.data(), nOut));
  if (!benchDump(out.data(), nOut)) return 1;
  if (!c.verify) return 0;
  if (c.iters == 0) {
    std::fprintf(stderr, "error: verify needs ITERS >= 1\n");
    return 2;
  }
  const long worse = benchVerify(&c, &q, in.data(), w.data(), bias.data(), out.data());
  return worse != 0 ? 3 : 0;
}
