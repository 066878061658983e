// mtc — generator of random quantized graphs for the numeric equivalence tests of the passes.
// SPDX-License-Identifier: Apache-2.0
#include "random_graphs.h"

#include "ir/builder.h"
#include "ir/check.h"
#include "ir/eval.h"
#include "ir/infer_type.h"
#include "ir/ops/attrs.h"

#include <cmath>
#include <sstream>

namespace mtc::testing {

using namespace mtc::ir;

namespace {

class Draw {
public:
  explicit Draw(uint64_t seed) : rng(seed) {}
  int64_t uni(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  }
  bool coin(double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }
  double logUniform(double lo, double hi) {
    return std::exp(std::uniform_real_distribution<double>(std::log(lo), std::log(hi))(rng));
  }
  /// A zero point for `dt`: the range ends and 0 often, otherwise anything in range.
  int64_t zeroPoint(DType dt) {
    switch (uni(0, 5)) {
    case 0: return dtypeMin(dt);
    case 1: return dtypeMax(dt);
    case 2: return 0;
    default: return uni(dtypeMin(dt), dtypeMax(dt));
    }
  }
  DType int8Type() { return coin(0.5) ? DType::UInt8 : DType::Int8; }
  std::mt19937_64 rng;
};

Tensor floatVector(const std::vector<double> &v) {
  Tensor t = Tensor::zeros({static_cast<int64_t>(v.size())}, DType::Float32);
  for (size_t i = 0; i < v.size(); ++i) t.setFloat(static_cast<int64_t>(i), v[i]);
  return t;
}

Tensor intVector(const std::vector<int64_t> &v) {
  Tensor t = Tensor::zeros({static_cast<int64_t>(v.size())}, DType::Int32);
  for (size_t i = 0; i < v.size(); ++i) t.setInt(static_cast<int64_t>(i), v[i]);
  return t;
}

struct Block {
  Expr out;
  int64_t c, h, w;
  DType dtype;
};

} // namespace

Tensor randomTensor(const Type &t, std::mt19937_64 &rng) {
  Tensor out = Tensor::zeros(t.shape(), t.dtype());
  if (t.dtype() == DType::Float32) {
    std::uniform_real_distribution<double> d(-4, 4);
    for (int64_t i = 0; i < out.numElements(); ++i) out.setFloat(i, d(rng));
    return out;
  }
  std::uniform_int_distribution<int64_t> d(dtypeMin(t.dtype()), dtypeMax(t.dtype()));
  for (int64_t i = 0; i < out.numElements(); ++i) out.setInt(i, d(rng));
  return out;
}

std::map<std::string, Tensor> randomInputs(const Module &m, std::mt19937_64 &rng) {
  std::map<std::string, Tensor> in;
  for (const VarNode *p : m.main()->params) in[p->name] = randomTensor(p->annotation, rng);
  return in;
}

std::optional<std::vector<Tensor>> evalOutputs(const Module &m,
                                               const std::map<std::string, Tensor> &in,
                                               std::string *err) {
  SourceManager sm;
  DiagEngine diag(sm);
  diag.captureTo(err);
  std::optional<Value> v = evaluate(m, in, diag);
  if (!v) return std::nullopt;
  return flattenOutputs(*v);
}

std::string firstDifference(const std::vector<Tensor> &a, const std::vector<Tensor> &b) {
  if (a.size() != b.size())
    return std::to_string(a.size()) + " outputs vs " + std::to_string(b.size());
  for (size_t k = 0; k < a.size(); ++k) {
    if (a[k].type() != b[k].type())
      return "output " + std::to_string(k) + ": " + a[k].type().str() + " vs " + b[k].type().str();
    if (a[k].bitEqual(b[k])) continue;
    const bool fl = a[k].dtype() == DType::Float32;
    for (int64_t i = 0; i < a[k].numElements(); ++i)
      if (fl ? a[k].floatAt(i) != b[k].floatAt(i) : a[k].intAt(i) != b[k].intAt(i))
        return "output " + std::to_string(k) + " element " + std::to_string(i) + ": " +
               (fl ? std::to_string(a[k].floatAt(i)) : std::to_string(a[k].intAt(i))) + " vs " +
               (fl ? std::to_string(b[k].floatAt(i)) : std::to_string(b[k].intAt(i)));
    return "output " + std::to_string(k) + ": bytes differ";
  }
  return "";
}

RandomCase makeRandomQnnGraph(uint64_t seed, const RandomGraphOptions &opts) {
  Draw d(seed);
  RandomCase rc;
  rc.seed = seed;
  Builder b(rc.module.ctx());
  std::ostringstream sum;

  const bool nhwc = !opts.allowNCHW || d.coin(0.6);
  const int64_t n = d.uni(1, 2);
  Block cur{nullptr, d.uni(1, 20), d.uni(1, 9), d.uni(1, 9), d.int8Type()};
  if (opts.exotic && d.coin(0.1)) cur.dtype = DType::Int16;
  const Shape dataShape = nhwc ? Shape{n, cur.h, cur.w, cur.c} : Shape{n, cur.c, cur.h, cur.w};
  const VarNode *data = b.var("data", Type::tensor(dataShape, cur.dtype));
  std::vector<const VarNode *> params{data};
  std::map<std::string, Tensor> fixedInputs;
  cur.out = data;
  sum << (nhwc ? "NHWC" : "NCHW") << " data " << shapeStr(dataShape) << " "
      << dtypeName(cur.dtype);

  bool layoutNhwc = nhwc; // layout of the current value (the last conv may change it)
  const int64_t convs = d.uni(1, std::max(1, opts.maxConvs));
  for (int64_t i = 0; i < convs; ++i) {
    const bool dw = opts.allowDepthwise && cur.c > 1 && d.coin(0.25);
    int64_t kh = d.uni(1, 3), kw = d.uni(1, 3);
    if (d.coin(0.2)) kh = kw = 1;
    std::vector<int64_t> strides{d.uni(1, 3), d.uni(1, 3)};
    if (d.coin(0.5)) strides[1] = strides[0];
    std::vector<int64_t> dilation{d.coin(0.25) ? 2 : 1, d.coin(0.25) ? 2 : 1};
    std::vector<int64_t> pad{d.uni(0, 2), d.uni(0, 2), d.uni(0, 2), d.uni(0, 2)};
    if (d.coin(0.2)) pad[0] = pad[1] = 0; // bottom/right only, as TF "SAME" often gives
    if (d.coin(0.2)) pad = {0, 0, 0, 0};
    // The dilated kernel must fit the padded input: grow the bottom/right padding if not.
    const int64_t effH = (kh - 1) * dilation[0] + 1, effW = (kw - 1) * dilation[1] + 1;
    if (cur.h + pad[0] + pad[2] < effH) pad[2] = effH - cur.h - pad[0];
    if (cur.w + pad[1] + pad[3] < effW) pad[3] = effW - cur.w - pad[1];
    const int64_t mult = dw ? d.uni(1, 2) : 1;
    int64_t groups = dw ? cur.c : 1;
    // Exotic: grouped (not depthwise) convolutions, which canonicalize through the fallback.
    if (opts.exotic && !dw && d.coin(0.2))
      for (int64_t g : {3, 2})
        if (cur.c % g == 0 && cur.c > g) groups = g;
    const int64_t oc = dw ? cur.c * mult : groups * d.uni(1, groups > 1 ? 6 : 20);
    const DType kdt = opts.exotic && d.coin(0.1) ? DType::Int16 : d.int8Type();
    std::string klayout = nhwc ? "HWIO" : "OIHW";
    if (dw && nhwc && d.coin(0.6)) klayout = "HWOI";
    else if (opts.exotic && d.coin(0.2)) klayout = "OHWI";
    const int64_t icg = cur.c / groups;
    Shape kshape;
    if (klayout == "HWIO") kshape = {kh, kw, icg, oc};
    else if (klayout == "HWOI") kshape = {kh, kw, cur.c, mult};
    else if (klayout == "OHWI") kshape = {oc, kh, kw, icg};
    else kshape = {oc, icg, kh, kw};
    Expr weight;
    const Type wt = Type::tensor(kshape, kdt);
    if (opts.allowWeightParams && d.coin(0.15)) {
      const VarNode *v = b.var("weight" + std::to_string(i), wt);
      params.push_back(v);
      weight = v;
    } else {
      weight = b.constant(randomTensor(wt, d.rng));
    }

    const int64_t zpA = d.zeroPoint(cur.dtype);
    Expr zpAExpr = b.scalarInt(zpA);
    if (opts.exotic && d.coin(0.15)) {
      // A zero point given at run time (its value drawn from the data dtype's range).
      const VarNode *v = b.var("zp_a" + std::to_string(i), Type::scalar(DType::Int32));
      params.push_back(v);
      fixedInputs[v->name] = Tensor::scalarInt(DType::Int32, zpA);
      zpAExpr = v;
    }
    Expr zpW;
    std::string zpWDesc;
    if (d.coin(0.3)) {
      std::vector<int64_t> v;
      for (int64_t o = 0; o < oc; ++o) v.push_back(d.zeroPoint(kdt));
      zpW = b.constant(intVector(v));
      zpWDesc = "per-channel";
    } else {
      const int64_t z = d.zeroPoint(kdt);
      zpW = b.scalarInt(z);
      zpWDesc = std::to_string(z);
    }
    const double sA = d.logUniform(0.002, 0.05);
    std::vector<double> sW;
    const bool perChannel = d.coin(0.4);
    for (int64_t o = 0; o < (perChannel ? oc : 1); ++o) sW.push_back(d.logUniform(0.001, 0.05));
    Expr sWExpr = perChannel ? static_cast<Expr>(b.constant(floatVector(sW)))
                             : static_cast<Expr>(b.scalarFloat(static_cast<float>(sW[0])));

    auto ca = std::make_shared<Conv2DAttrs>();
    ca->strides = strides;
    ca->padding = pad;
    ca->dilation = dilation;
    ca->groups = groups;
    ca->channels = oc;
    ca->kernel_size = {kh, kw};
    ca->data_layout = nhwc ? "NHWC" : "NCHW";
    ca->kernel_layout = klayout;
    const bool last = i + 1 == convs;
    // Exotic: an int64 accumulator, and on the last convolution an output in the other layout.
    const bool acc64 = opts.exotic && d.coin(0.1);
    ca->out_dtype = acc64 ? "int64" : "int32";
    bool outNhwc = nhwc;
    if (opts.exotic && last && d.coin(0.2)) {
      outNhwc = !nhwc;
      ca->out_layout = outNhwc ? "NHWC" : "NCHW";
    }
    const int64_t outAxis = outNhwc ? 3 : 1;
    Expr acc = b.call("qnn.conv2d",
                      {cur.out, weight, zpAExpr, zpW,
                       b.scalarFloat(static_cast<float>(sA)), sWExpr},
                      ca);
    const bool bias = d.coin(0.6);
    if (bias) {
      std::vector<int64_t> bv;
      for (int64_t o = 0; o < oc; ++o) bv.push_back(d.uni(-40000, 40000));
      Tensor bt = intVector(bv);
      if (acc64) bt = Tensor::zeros({oc}, DType::Int64);
      for (int64_t o = 0; acc64 && o < oc; ++o) bt.setInt(o, bv[static_cast<size_t>(o)]);
      acc = b.call<BiasAddAttrs>("nn.bias_add", {acc, b.constant(bt)},
                                 [&](BiasAddAttrs &a) { a.axis = outAxis; });
    }

    // Requantize with a ratio between 2^-14 and 2: both shift signs occur.
    const double ratio = d.logUniform(1.0 / 16384, 2.0);
    std::vector<double> sIn;
    for (double s : sW) sIn.push_back(sA * s);
    const double sOut = sIn[0] / ratio;
    DType od = d.int8Type();
    if (last && !acc64 && d.coin(0.12)) od = DType::Int32;
    else if (d.coin(0.05)) od = DType::Int16;
    const int64_t zpOut = od == DType::Int32 ? (d.coin(0.5) ? 0 : d.uni(-1000, 1000))
                                             : d.zeroPoint(od);
    const int64_t zpIn = d.coin(0.15) ? d.uni(-300, 300) : 0;
    static const char *kRounding[] = {"UPWARD", "TONEAREST", "TFLITE"};
    const std::string rounding = kRounding[d.uni(0, 2)];
    Expr sInExpr = sIn.size() > 1 ? static_cast<Expr>(b.constant(floatVector(sIn)))
                                  : static_cast<Expr>(b.scalarFloat(static_cast<float>(sIn[0])));
    Expr q = b.call<RequantizeAttrs>(
        "qnn.requantize",
        {acc, sInExpr, b.scalarInt(zpIn), b.scalarFloat(static_cast<float>(sOut)),
         b.scalarInt(zpOut)},
        [&](RequantizeAttrs &a) {
          a.axis = outAxis;
          a.rounding = rounding;
          a.out_dtype = std::string(dtypeName(od));
        });
    if (d.coin(0.3)) {
      const int64_t lo = d.uni(dtypeMin(od), std::min<int64_t>(dtypeMax(od), dtypeMin(od) + 100));
      const int64_t hi = d.uni(lo, std::min<int64_t>(dtypeMax(od), lo + 300));
      q = b.call<ClipAttrs>("clip", {q}, [&](ClipAttrs &a) {
        a.a_min = static_cast<double>(lo);
        a.a_max = static_cast<double>(hi);
      });
    }
    DType next = od;
    if (!last && d.coin(0.15) && (od == DType::Int8 || od == DType::UInt8)) {
      // A wrapping cast to the other 8-bit type, so the next convolution sees it.
      next = od == DType::Int8 ? DType::UInt8 : DType::Int8;
      q = b.call<CastAttrs>("cast", {q},
                            [&](CastAttrs &a) { a.dtype = std::string(dtypeName(next)); });
    }
    sum << " | conv" << i << ": " << kh << "x" << kw << " " << klayout << " "
        << dtypeName(kdt) << (dw ? " depthwise x" + std::to_string(mult) : "") << " oc " << oc
        << " s" << strides[0] << "," << strides[1] << " d" << dilation[0] << "," << dilation[1]
        << " pad " << pad[0] << "," << pad[1] << "," << pad[2] << "," << pad[3] << " zp "
        << zpA << "/" << zpWDesc << (perChannel ? " per-channel scale" : "")
        << (bias ? " bias" : "") << " rq " << rounding << " ratio " << ratio << " zp "
        << zpIn << "->" << zpOut << " " << dtypeName(od);

    cur.out = q;
    layoutNhwc = outNhwc;
    cur.h = (cur.h + pad[0] + pad[2] - effH) / strides[0] + 1;
    cur.w = (cur.w + pad[1] + pad[3] - effW) / strides[1] + 1;
    cur.c = oc;
    cur.dtype = next;
    if (next != DType::Int8 && next != DType::UInt8 && next != DType::Int16) break;

    // Sometimes a residual qnn.add or a channel qnn.concatenate with a second input.
    const Shape curShape =
        layoutNhwc ? Shape{n, cur.h, cur.w, cur.c} : Shape{n, cur.c, cur.h, cur.w};
    const int64_t curAxis = layoutNhwc ? 3 : 1;
    if (opts.allowOtherOps && d.coin(0.12)) {
      const VarNode *r = b.var("residual" + std::to_string(i), Type::tensor(curShape, cur.dtype));
      params.push_back(r);
      static const char *kRounding[] = {"UPWARD", "TONEAREST", "TFLITE"};
      const std::string rounding = kRounding[d.uni(0, 2)];
      auto scale = [&] { return b.scalarFloat(static_cast<float>(d.logUniform(0.01, 1.0))); };
      cur.out = b.call<QnnBinaryAttrs>(
          "qnn.add",
          {cur.out, r, scale(), b.scalarInt(d.zeroPoint(cur.dtype)), scale(),
           b.scalarInt(d.zeroPoint(cur.dtype)), scale(), b.scalarInt(d.zeroPoint(cur.dtype))},
          [&](QnnBinaryAttrs &a) { a.rounding = rounding; });
      sum << " | qnn.add " << rounding;
    } else if (opts.allowOtherOps && d.coin(0.1)) {
      const int64_t extra = d.uni(1, 6);
      Shape es = curShape;
      es[static_cast<size_t>(curAxis)] = extra;
      const VarNode *r = b.var("branch" + std::to_string(i), Type::tensor(es, cur.dtype));
      params.push_back(r);
      auto scale = [&] { return b.scalarFloat(static_cast<float>(d.logUniform(0.01, 1.0))); };
      cur.out = b.call<ConcatenateAttrs>(
          "qnn.concatenate",
          {b.tuple({cur.out, r}), b.tuple({scale(), scale()}),
           b.tuple({b.scalarInt(d.zeroPoint(cur.dtype)), b.scalarInt(d.zeroPoint(cur.dtype))}),
           scale(), b.scalarInt(d.zeroPoint(cur.dtype))},
          [&](ConcatenateAttrs &a) { a.axis = curAxis; });
      cur.c += extra;
      sum << " | qnn.concatenate +" << extra;
    }
  }

  // Sometimes a classifier head: flatten + qnn.dense + requantize.
  if (opts.allowOtherOps && d.coin(0.1) &&
      (cur.dtype == DType::Int8 || cur.dtype == DType::UInt8)) {
    const int64_t k = cur.c * cur.h * cur.w, units = d.uni(1, 12);
    Expr flat = b.call<ReshapeAttrs>("reshape", {cur.out},
                                     [&](ReshapeAttrs &a) { a.newshape = {n, k}; });
    const DType wdt = d.int8Type();
    Expr w = b.constant(randomTensor(Type::tensor({units, k}, wdt), d.rng));
    Expr zpW;
    if (d.coin(0.3)) {
      std::vector<int64_t> v;
      for (int64_t u = 0; u < units; ++u) v.push_back(d.zeroPoint(wdt));
      zpW = b.constant(intVector(v));
    } else {
      zpW = b.scalarInt(d.zeroPoint(wdt));
    }
    Expr acc = b.call<DenseAttrs>("qnn.dense",
                                  {flat, w, b.scalarInt(d.zeroPoint(cur.dtype)), zpW,
                                   b.scalarFloat(0.02f), b.scalarFloat(0.01f)},
                                  [&](DenseAttrs &a) { a.units = units; });
    cur.out = b.call<RequantizeAttrs>(
        "qnn.requantize",
        {acc, b.scalarFloat(0.0002f), b.scalarInt(0),
         b.scalarFloat(static_cast<float>(d.logUniform(0.0005, 0.5))),
         b.scalarInt(d.zeroPoint(DType::Int8))},
        [&](RequantizeAttrs &a) { a.out_dtype = "int8"; });
    sum << " | qnn.dense " << units << " " << dtypeName(wdt);
  }

  rc.module.setFunction("main", b.function(params, cur.out));
  SourceManager sm;
  DiagEngine diag(sm);
  std::string errors;
  diag.captureTo(&errors);
  MTC_CHECK(inferTypes(rc.module, diag)) << "random graph " << seed << " is ill-typed: " << errors
                                         << "\n" << sum.str();
  for (const VarNode *p : params)
    rc.inputs[p->name] = fixedInputs.count(p->name) ? fixedInputs[p->name]
                                                    : randomTensor(p->annotation, d.rng);
  rc.summary = sum.str();
  return rc;
}

} // namespace mtc::testing
