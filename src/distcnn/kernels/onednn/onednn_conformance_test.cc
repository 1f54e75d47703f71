// The oneDNN kernels against the reference kernels: for each op family with a
// oneDNN kernel, seeded random shapes and attributes (grouped and depthwise
// conv, asymmetric pads, strides larger than the kernel, dilations, 1x1,
// pooling with pads and ceil_mode, Gemm with transposes and broadcast C,
// broadcast Add/Mul, ...). Each output element must satisfy
//   |y - ref| <= 1e-4 |ref| + 1e-5 sqrt(K)
// where K is the reduction length behind the element (C/group x kernel volume
// for Conv, K for Gemm/MatMul, the window for pools, the axis length for
// Softmax, size for LRN, 1 for element-wise ops). Inputs are uniform in
// [-1, 1] (Sigmoid: [-8, 8]). Seed: DISTCNN_TEST_SEED (default 1), printed
// with every failure. Prints per family how many cases ran on oneDNN and how
// many were delegated to the reference kernel.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>

#include "distcnn/base/rng.h"
#include "distcnn/kernels/onednn/onednn_kernels.h"
#include "distcnn/kernels/registry.h"
#include "distcnn/kernels/test_node.h"

namespace distcnn {
namespace {

using A = Attribute;

constexpr int kCasesPerFamily = 60;
constexpr double kRtol = 1e-4, kAtol = 1e-5;

uint64_t Seed() {
  const char* s = std::getenv("DISTCNN_TEST_SEED");
  return s ? std::strtoull(s, nullptr, 10) : 1;
}

// Where a case is expected to run.
enum class Expect { kOneDnn, kReference, kEither };

struct Case {
  Node node;
  std::vector<Tensor> inputs;  // an empty shape with no data marks an omitted input
  std::vector<bool> omitted;
  int64_t reduction = 1;  // K of the tolerance
  Expect expect = Expect::kOneDnn;
};

using kernel_testing::MakeNode;

int64_t Int(Rng& rng, int64_t lo, int64_t hi) {  // uniform in [lo, hi]
  return lo + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(hi - lo + 1)));
}

Tensor Random(Rng& rng, Shape shape, double lo = -1, double hi = 1) {
  Tensor t(std::move(shape));
  for (float& v : t.data) v = static_cast<float>(rng.Uniform(lo, hi));
  return t;
}

std::string Describe(const Case& c) {
  std::string s = c.node.op_type + " inputs";
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    s += " " + (c.omitted[i] ? std::string("-") : ShapeString(c.inputs[i].shape));
  }
  if (c.node.outputs.size() > 1) s += " outputs " + std::to_string(c.node.outputs.size());
  for (const auto& [key, a] : c.node.attrs) {
    s += " " + key + "=";
    switch (a.kind) {
      case A::Kind::kInt:
        s += std::to_string(a.i);
        break;
      case A::Kind::kFloat:
        s += std::to_string(a.f);
        break;
      case A::Kind::kString:
        s += a.s;
        break;
      case A::Kind::kInts:
        for (int64_t v : a.ints) s += std::to_string(v) + ",";
        break;
      case A::Kind::kFloats:
        for (float v : a.floats) s += std::to_string(v) + ",";
        break;
    }
  }
  return s;
}

struct FamilyCounts {
  int cases = 0, on_onednn = 0, on_reference = 0, invalid = 0;
};

// Runs `c` on both registries and compares (failures are added). With
// `check_where`, also checks where the case ran (the run counters are
// process-wide: only while no other thread runs kernels).
void CheckCase(const Case& c, FamilyCounts* counts, bool check_where = true) {
  std::vector<const Tensor*> in;
  for (size_t i = 0; i < c.inputs.size(); ++i) in.push_back(c.omitted[i] ? nullptr : &c.inputs[i]);
  Result<std::vector<Tensor>> ref = RunNode(ReferenceKernels(), c.node, in);
  if (!ref.ok()) {  // the generator made a node shape inference refuses
    ++counts->invalid;
    return;
  }
  const OneDnnRunCounts before = GetOneDnnRunCounts();
  Result<std::vector<Tensor>> got = RunNode(OneDnnKernels(), c.node, in);
  const OneDnnRunCounts after = GetOneDnnRunCounts();
  ++counts->cases;
  const bool on_onednn = after.onednn - before.onednn == 1;
  const bool on_reference = after.reference - before.reference == 1;
  ASSERT_TRUE(got.ok()) << Describe(c) << ": " << got.status().message();
  if (check_where) {
    counts->on_onednn += on_onednn;
    counts->on_reference += on_reference;
    EXPECT_NE(on_onednn, on_reference) << Describe(c);
    if (on_reference && std::getenv("DISTCNN_PRINT_DELEGATED")) {
      std::printf("  delegated: %s\n", Describe(c).c_str());
    }
    if (c.expect == Expect::kOneDnn) {
      EXPECT_TRUE(on_onednn) << "not run on oneDNN: " << Describe(c);
    }
    if (c.expect == Expect::kReference) {
      EXPECT_TRUE(on_reference) << "expected the reference fallback: " << Describe(c);
    }
  }
  ASSERT_EQ(got->size(), ref->size());
  const double tol_abs = kAtol * std::sqrt(static_cast<double>(std::max<int64_t>(1, c.reduction)));
  for (size_t o = 0; o < ref->size(); ++o) {
    const Tensor& y = (*got)[o];
    const Tensor& r = (*ref)[o];
    ASSERT_EQ(y.shape, r.shape) << Describe(c);
    for (size_t k = 0; k < r.data.size(); ++k) {
      const double a = y.data[k], b = r.data[k];
      if (a == b) continue;  // also equal infinities
      if (!(std::fabs(a - b) <= kRtol * std::fabs(b) + tol_abs)) {
        ADD_FAILURE() << Describe(c) << ": output " << o << "[" << k << "] = " << a
                      << ", reference " << b << " (tolerance " << kRtol * std::fabs(b) + tol_abs
                      << ")";
        return;
      }
    }
  }
}

void RunFamily(const std::string& family, const std::function<Case(Rng&)>& generate) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (DISTCNN_TEST_SEED)");
  Rng rng(seed * 1000003 + std::hash<std::string>{}(family) % 1000);
  FamilyCounts counts;
  for (int attempt = 0; counts.cases < kCasesPerFamily && attempt < 4 * kCasesPerFamily;
       ++attempt) {
    Case c = generate(rng);
    c.omitted.resize(c.inputs.size(), false);
    CheckCase(c, &counts);
    if (testing::Test::HasFatalFailure()) return;
  }
  std::printf("%-18s %3d cases: %3d on oneDNN, %3d delegated to the reference (%d invalid drawn)\n",
              family.c_str(), counts.cases, counts.on_onednn, counts.on_reference, counts.invalid);
  EXPECT_EQ(counts.cases, kCasesPerFamily) << family << ": too many invalid cases drawn";
}

// --- Generators ----------------------------------------------------------------

std::vector<int64_t> Draw(Rng& rng, size_t n, int64_t lo, int64_t hi) {
  std::vector<int64_t> v(n);
  for (int64_t& x : v) x = Int(rng, lo, hi);
  return v;
}

Case ConvCase(Rng& rng) {
  const int64_t sp = rng.Bernoulli(0.7) ? 2 : (rng.Bernoulli(0.5) ? 1 : 3);
  const int64_t kind = Int(rng, 0, 3);  // 0,1 dense; 2 grouped; 3 depthwise
  int64_t group = 1, c_per_group = Int(rng, 1, 8), m_per_group = Int(rng, 1, 8);
  if (kind == 2) group = Int(rng, 2, 4);
  if (kind == 3) {
    group = Int(rng, 2, 12);
    c_per_group = 1;
    m_per_group = Int(rng, 1, 2);  // channel multiplier
  }
  const bool one_by_one = rng.Bernoulli(0.15);
  const int64_t max_k = sp == 3 ? 3 : 5;
  std::vector<int64_t> kernel(sp), strides(sp), dil(sp), pads(2 * sp), in(sp);
  for (int64_t i = 0; i < sp; ++i) {
    kernel[i] = one_by_one ? 1 : Int(rng, 1, max_k);
    strides[i] = rng.Bernoulli(0.3) ? kernel[i] + Int(rng, 1, 2) : Int(rng, 1, 2);  // some > kernel
    dil[i] = rng.Bernoulli(0.25) ? Int(rng, 2, 3) : 1;
    const int64_t ext = (kernel[i] - 1) * dil[i] + 1;
    pads[i] = rng.Bernoulli(0.6) ? Int(rng, 0, ext - 1) : 0;  // asymmetric
    pads[i + sp] = rng.Bernoulli(0.6) ? Int(rng, 0, ext - 1) : 0;
    in[i] = std::max<int64_t>(1, ext - pads[i] - pads[i + sp]) + Int(rng, 0, sp == 3 ? 4 : 9);
  }
  std::map<std::string, Attribute> attrs = {{"kernel_shape", A::Ints(kernel)},
                                            {"strides", A::Ints(strides)}};
  const int64_t pad_mode = Int(rng, 0, 9);
  if (pad_mode == 0) {
    attrs["auto_pad"] = A::String("SAME_UPPER");
  } else if (pad_mode == 1) {
    attrs["auto_pad"] = A::String("SAME_LOWER");
  } else {
    attrs["pads"] = A::Ints(pads);
  }
  if (std::any_of(dil.begin(), dil.end(), [](int64_t d) { return d > 1; })) {
    attrs["dilations"] = A::Ints(dil);
  }
  if (group > 1) attrs["group"] = A::Int(group);
  const bool bias = rng.Bernoulli(0.6);
  Case c;
  c.node = MakeNode("Conv", bias ? 3 : 2, attrs);
  Shape x = {Int(rng, 1, 2), group * c_per_group};
  x.insert(x.end(), in.begin(), in.end());
  Shape w = {group * m_per_group, c_per_group};
  w.insert(w.end(), kernel.begin(), kernel.end());
  c.inputs = {Random(rng, x), Random(rng, w)};
  if (bias) c.inputs.push_back(Random(rng, {group * m_per_group}));
  c.reduction = c_per_group;
  for (int64_t k : kernel) c.reduction *= k;
  return c;
}

Case PoolCase(Rng& rng, const std::string& op) {
  const int64_t sp = rng.Bernoulli(0.7) ? 2 : (rng.Bernoulli(0.5) ? 1 : 3);
  std::vector<int64_t> kernel(sp), strides(sp), dil(sp, 1), pads(2 * sp), in(sp);
  const bool dilated = op == "MaxPool" && rng.Bernoulli(0.2);
  for (int64_t i = 0; i < sp; ++i) {
    kernel[i] = Int(rng, 1, sp == 3 ? 3 : 4);
    strides[i] = rng.Bernoulli(0.2) ? kernel[i] + 1 : Int(rng, 1, 3);
    if (dilated) dil[i] = Int(rng, 1, 2);
    const int64_t ext = (kernel[i] - 1) * dil[i] + 1;
    pads[i] = rng.Bernoulli(0.5) ? Int(rng, 0, kernel[i] - 1) : 0;
    pads[i + sp] = rng.Bernoulli(0.5) ? Int(rng, 0, kernel[i] - 1) : 0;
    in[i] = std::max<int64_t>(1, ext - pads[i] - pads[i + sp]) + Int(rng, 0, sp == 3 ? 4 : 9);
  }
  std::map<std::string, Attribute> attrs = {{"kernel_shape", A::Ints(kernel)},
                                            {"strides", A::Ints(strides)}};
  if (rng.Bernoulli(0.1)) {
    attrs["auto_pad"] = A::String(rng.Bernoulli(0.5) ? "SAME_UPPER" : "VALID");
  } else {
    attrs["pads"] = A::Ints(pads);
  }
  if (dilated) attrs["dilations"] = A::Ints(dil);
  if (rng.Bernoulli(0.5)) attrs["ceil_mode"] = A::Int(1);
  if (op == "AveragePool" && rng.Bernoulli(0.5)) attrs["count_include_pad"] = A::Int(1);
  const bool indices = op == "MaxPool" && rng.Bernoulli(0.15);
  Case c;
  c.node = MakeNode(op, 1, attrs, indices ? 2 : 1);
  Shape x = {Int(rng, 1, 2), Int(rng, 1, 6)};
  x.insert(x.end(), in.begin(), in.end());
  c.inputs = {Random(rng, x)};
  c.reduction = 1;
  for (int64_t k : kernel) c.reduction *= k;
  // Which cases oneDNN can express is decided from the inferred shapes (see
  // conv_pool.cc); here only the two certain ones are pinned, the rest are
  // counted and compared.
  c.expect = indices ? Expect::kReference : Expect::kEither;
  return c;
}

Case GlobalAveragePoolCase(Rng& rng) {
  Shape x = {Int(rng, 1, 3), Int(rng, 1, 16)};
  const int64_t sp = Int(rng, 1, 3);
  for (int64_t i = 0; i < sp; ++i) x.push_back(Int(rng, 1, sp == 3 ? 6 : 14));
  Case c;
  c.node = MakeNode("GlobalAveragePool", 1, {});
  c.inputs = {Random(rng, x)};
  c.reduction = NumElements(x) / (x[0] * x[1]);
  return c;
}

Case GemmCase(Rng& rng) {
  const int64_t m = Int(rng, 1, 24), n = Int(rng, 1, 40);
  const int64_t k = rng.Bernoulli(0.2) ? Int(rng, 500, 3000) : Int(rng, 1, 200);
  const bool ta = rng.Bernoulli(0.5), tb = rng.Bernoulli(0.5);
  std::map<std::string, Attribute> attrs;
  if (ta) attrs["transA"] = A::Int(1);
  if (tb) attrs["transB"] = A::Int(1);
  const float alphas[] = {1.0f, 0.5f, -2.0f, static_cast<float>(rng.Uniform(-3, 3))};
  const float betas[] = {1.0f, 0.0f, 0.3f, static_cast<float>(rng.Uniform(-3, 3))};
  if (rng.Bernoulli(0.6)) attrs["alpha"] = A::Float(alphas[rng.Below(4)]);
  if (rng.Bernoulli(0.6)) attrs["beta"] = A::Float(betas[rng.Below(4)]);
  const Shape c_shapes[] = {{n}, {1, n}, {m, 1}, {m, n}, {1}, {}, {1, 1}};
  const bool with_c = rng.Bernoulli(0.8);
  Case c;
  c.node = MakeNode("Gemm", with_c ? 3 : 2, attrs);
  c.inputs = {Random(rng, ta ? Shape{k, m} : Shape{m, k}),
              Random(rng, tb ? Shape{n, k} : Shape{k, n})};
  if (with_c) c.inputs.push_back(Random(rng, c_shapes[rng.Below(7)]));
  c.reduction = k;
  return c;
}

Case MatMulCase(Rng& rng) {
  const int64_t m = Int(rng, 1, 12), n = Int(rng, 1, 12), k = Int(rng, 1, 64);
  const int64_t rank_a = Int(rng, 1, 4), rank_b = Int(rng, 1, 4);
  const int64_t batch_rank = std::max<int64_t>(0, std::max(rank_a, rank_b) - 2);
  const Shape batch = Draw(rng, static_cast<size_t>(batch_rank), 1, 3);
  auto operand = [&](int64_t rank, Shape tail) {
    if (rank == 1) return Shape{k};
    Shape s;
    for (int64_t d = batch_rank - (rank - 2); d < batch_rank; ++d) {
      s.push_back(rng.Bernoulli(0.3) ? 1 : batch[d]);  // broadcast batch dims
    }
    s.insert(s.end(), tail.begin(), tail.end());
    return s;
  };
  Case c;
  c.node = MakeNode("MatMul", 2, {});
  c.inputs = {Random(rng, operand(rank_a, {m, k})), Random(rng, operand(rank_b, {k, n}))};
  c.reduction = k;

  return c;
}

Shape SmallShape(Rng& rng, int64_t max_rank) {
  return Draw(rng, static_cast<size_t>(Int(rng, 0, max_rank)), 1, 7);
}

Case EltwiseCase(Rng& rng, const std::string& op) {
  std::map<std::string, Attribute> attrs;
  Case c;
  int inputs = 1;
  if (op == "LeakyRelu" && rng.Bernoulli(0.8)) attrs["alpha"] = A::Float(rng.Uniform(-1, 1));
  std::vector<Tensor> bounds;
  std::vector<bool> omitted;
  if (op == "Clip") {
    float lo = static_cast<float>(rng.Uniform(-1, 0.3)),
          hi = static_cast<float>(rng.Uniform(-0.3, 1));
    const bool inverted = lo > hi;  // ONNX: every value becomes max
    if (rng.Bernoulli(0.5)) {       // opset < 11 attributes, either may be absent
      if (rng.Bernoulli(0.8)) attrs["min"] = A::Float(lo);
      if (rng.Bernoulli(0.8)) attrs["max"] = A::Float(hi);
      if (inverted && attrs.size() == 2) c.expect = Expect::kReference;
    } else {  // opset 11+ inputs, either may be omitted
      inputs = 3;
      const bool has_lo = rng.Bernoulli(0.8), has_hi = rng.Bernoulli(0.8);
      bounds = {Tensor({}, {lo}), Tensor({}, {hi})};
      omitted = {false, !has_lo, !has_hi};
      if (inverted && has_lo && has_hi) c.expect = Expect::kReference;
    }
  }
  c.node = MakeNode(op, inputs, attrs);
  c.inputs = {op == "Sigmoid" ? Random(rng, SmallShape(rng, 5), -8, 8)
                              : Random(rng, SmallShape(rng, 5))};
  for (Tensor& b : bounds) c.inputs.push_back(std::move(b));
  c.omitted = omitted;
  return c;
}

Case BinaryCase(Rng& rng, const std::string& op) {
  const Shape out = Draw(rng, static_cast<size_t>(Int(rng, 1, 5)), 1, 6);
  auto operand = [&] {
    const size_t rank = static_cast<size_t>(Int(rng, 0, static_cast<int64_t>(out.size())));
    Shape s(out.end() - static_cast<std::ptrdiff_t>(rank), out.end());
    for (int64_t& d : s) {
      if (rng.Bernoulli(0.3)) d = 1;
    }
    return s;
  };
  Shape a = operand(), b = operand();
  if (rng.Bernoulli(0.4)) (rng.Bernoulli(0.5) ? a : b) = out;  // the common case: one full side
  Case c;
  c.node = MakeNode(op, 2, {});
  c.inputs = {Random(rng, a), Random(rng, b)};
  // The output shape is the broadcast of a and b; oneDNN needs one side equal to it.
  Shape full(out.size(), 1);
  auto align = [&](const Shape& s) {
    Shape r(out.size() - s.size(), 1);
    r.insert(r.end(), s.begin(), s.end());
    return r;
  };
  const Shape aa = align(a), bb = align(b);
  for (size_t d = 0; d < out.size(); ++d) full[d] = std::max(aa[d], bb[d]);
  c.expect = (aa == full || bb == full) ? Expect::kOneDnn : Expect::kReference;
  return c;
}

Case SoftmaxCase(Rng& rng) {
  const Shape x = Draw(rng, static_cast<size_t>(Int(rng, 1, 4)), 1, 9);
  const int64_t rank = static_cast<int64_t>(x.size());
  const int64_t axis = Int(rng, -rank, rank - 1);
  Case c;
  c.node = MakeNode("Softmax", 1, {{"axis", A::Int(axis)}});
  c.inputs = {Random(rng, x, -5, 5)};
  c.reduction = x[static_cast<size_t>(axis < 0 ? axis + rank : axis)];
  return c;
}

Case BatchNormCase(Rng& rng) {
  Shape x = {Int(rng, 1, 3), Int(rng, 1, 16)};
  const int64_t sp = Int(rng, 0, 3);
  for (int64_t i = 0; i < sp; ++i) x.push_back(Int(rng, 1, 8));
  const int64_t ch = x[1];
  Case c;
  c.node = MakeNode("BatchNormalization", 5, {{"epsilon", A::Float(rng.Uniform(1e-5, 1e-2))}});
  c.inputs = {Random(rng, x), Random(rng, {ch}), Random(rng, {ch}), Random(rng, {ch}),
              Random(rng, {ch}, 0.1, 2.0)};
  return c;
}

Case LrnCase(Rng& rng) {
  Shape x = {Int(rng, 1, 2), Int(rng, 1, 20)};
  const int64_t sp = Int(rng, 1, 3);
  for (int64_t i = 0; i < sp; ++i) x.push_back(Int(rng, 1, 6));
  const int64_t size = Int(rng, 1, 7);
  Case c;
  c.node = MakeNode("LRN", 1,
                    {{"size", A::Int(size)},
                     {"alpha", A::Float(rng.Uniform(1e-4, 1))},
                     {"beta", A::Float(rng.Uniform(0.5, 1))},
                     {"bias", A::Float(rng.Uniform(0.5, 2))}});
  c.inputs = {Random(rng, x)};
  c.reduction = size;
  c.expect = size % 2 ? Expect::kOneDnn : Expect::kReference;  // see elementwise.cc
  return c;
}

// --- Tests -----------------------------------------------------------------------

TEST(OneDnnConformanceTest, Conv) { RunFamily("Conv", ConvCase); }
TEST(OneDnnConformanceTest, MaxPool) {
  RunFamily("MaxPool", [](Rng& rng) { return PoolCase(rng, "MaxPool"); });
}
TEST(OneDnnConformanceTest, AveragePool) {
  RunFamily("AveragePool", [](Rng& rng) { return PoolCase(rng, "AveragePool"); });
}
TEST(OneDnnConformanceTest, GlobalAveragePool) {
  RunFamily("GlobalAveragePool", GlobalAveragePoolCase);
}
TEST(OneDnnConformanceTest, Gemm) { RunFamily("Gemm", GemmCase); }
TEST(OneDnnConformanceTest, MatMul) { RunFamily("MatMul", MatMulCase); }
TEST(OneDnnConformanceTest, Eltwise) {
  for (const char* op : {"Relu", "LeakyRelu", "Sigmoid", "Clip"}) {
    RunFamily(op, [op](Rng& rng) { return EltwiseCase(rng, op); });
  }
}
TEST(OneDnnConformanceTest, Binary) {
  for (const char* op : {"Add", "Mul"}) {
    RunFamily(op, [op](Rng& rng) { return BinaryCase(rng, op); });
  }
}
TEST(OneDnnConformanceTest, Softmax) { RunFamily("Softmax", SoftmaxCase); }
TEST(OneDnnConformanceTest, BatchNormalization) { RunFamily("BatchNormalization", BatchNormCase); }
TEST(OneDnnConformanceTest, Lrn) { RunFamily("LRN", LrnCase); }

// The attribute combinations the pooling kernels must delegate, and ones they
// must not.
TEST(OneDnnConformanceTest, PoolingFallbacksArePrecise) {
  auto run = [](const Node& node, Shape x) {
    Rng rng(3);
    Case c;
    c.node = node;
    c.inputs = {Random(rng, std::move(x))};
    c.omitted = {false};
    return c;
  };
  FamilyCounts counts;
  // ceil_mode adds a window past the end padding: fine for max and for an
  // average without the padding, not expressible with count_include_pad.
  std::map<std::string, Attribute> ceil = {
      {"kernel_shape", A::Ints({3, 3})}, {"strides", A::Ints({2, 2})}, {"ceil_mode", A::Int(1)}};
  Case c = run(MakeNode("MaxPool", 1, ceil), {1, 2, 6, 6});
  CheckCase(c, &counts);
  c = run(MakeNode("AveragePool", 1, ceil), {1, 2, 6, 6});
  CheckCase(c, &counts);
  ceil["count_include_pad"] = A::Int(1);
  c = run(MakeNode("AveragePool", 1, ceil), {1, 2, 6, 6});
  c.expect = Expect::kReference;
  CheckCase(c, &counts);
  // Same, but the window stays inside the declared padding: expressible.
  ceil["pads"] = A::Ints({1, 1, 1, 1});
  c = run(MakeNode("AveragePool", 1, ceil), {1, 2, 5, 5});
  CheckCase(c, &counts);
  // Indices output.
  c = run(MakeNode("MaxPool", 1, {{"kernel_shape", A::Ints({2, 2})}}, 2), {1, 1, 4, 4});
  c.expect = Expect::kReference;
  CheckCase(c, &counts);
  EXPECT_EQ(counts.cases, 5);
  EXPECT_EQ(counts.on_reference, 2);
}

TEST(OneDnnConformanceTest, ThreadSettingAndConcurrentRuns) {
  Rng rng(11);
  Case conv = ConvCase(rng);
  conv.omitted.assign(conv.inputs.size(), false);
  conv.expect = Expect::kOneDnn;
  FamilyCounts counts;
  for (int threads : {1, 2}) {
    SetKernelThreads(threads);
    CheckCase(conv, &counts);
  }
  SetKernelThreads(0);
  CheckCase(conv, &counts);
  EXPECT_EQ(counts.on_onednn, 3);
  // Four threads run the same kernels at once (primitives shared through the
  // cache, scratchpads per call); values compared, run counters not.
  std::vector<FamilyCounts> per_thread(4);
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&, t] {
      Rng r(100 + t);
      for (int i = 0; i < 10; ++i) {
        Case c = i % 2 ? conv : GemmCase(r);
        c.omitted.assign(c.inputs.size(), false);
        CheckCase(c, &per_thread[t], /*check_where=*/false);
      }
    });
  }
  for (std::thread& w : workers) w.join();
  for (const FamilyCounts& f : per_thread) EXPECT_EQ(f.cases, 10);
}

TEST(OneDnnConformanceTest, RegistriesByName) {
  EXPECT_EQ(OneDnnKernels().OpTypes(), ReferenceKernels().OpTypes());
  EXPECT_EQ(&DefaultKernels(), &OneDnnKernels());
  Result<const KernelRegistry*> r = KernelsByName("onednn");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, &OneDnnKernels());
  r = KernelsByName("reference");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, &ReferenceKernels());
  r = KernelsByName("mkl");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("onednn, reference"), std::string::npos);
}

}  // namespace
}  // namespace distcnn
