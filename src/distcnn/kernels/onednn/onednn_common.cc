#include "distcnn/kernels/onednn/onednn_common.h"

#include <omp.h>

#include <exception>
#include <new>

#include "distcnn/kernels/onednn/onednn_kernels.h"

namespace distcnn {

namespace onednn {
namespace {

std::atomic<int> g_threads{0};
std::atomic<bool> g_caching{true};
std::atomic<int64_t> g_onednn_runs{0};
std::atomic<int64_t> g_reference_runs{0};

// Debian's libdnnl 2.6 is built with DNNL_CPU_RUNTIME = OMP (GNU libgomp:
// `ldd libdnnl.so.2` lists libgomp.so.1; dnnl_config.h defines
// DNNL_CPU_THREADING_RUNTIME DNNL_RUNTIME_OMP). oneDNN therefore runs on as
// many threads as omp_get_max_threads() returns in the calling thread, and
// omp_set_num_threads only changes that value for the calling thread. So the
// requested count is stored here and applied to whichever thread runs a
// kernel, before the kernel creates or executes a primitive.
// A thread count <= 0 restores OpenMP's default (OMP_NUM_THREADS, else one
// per core), read before this code first changes any thread's setting.
void ApplyThreads() {
  static const int kDefaultThreads = omp_get_max_threads();
  const int requested = g_threads.load(std::memory_order_relaxed);
  const int threads = requested > 0 ? requested : kDefaultThreads;
  if (omp_get_max_threads() != threads) omp_set_num_threads(threads);
}

}  // namespace

const dnnl::engine& Engine() {
  static const dnnl::engine* const kEngine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *kEngine;
}

int CurrentThreads() { return omp_get_max_threads(); }

bool PrimitiveCachingEnabled() { return g_caching.load(std::memory_order_relaxed); }

dnnl::memory::dims Dims(const Shape& shape) {
  if (shape.empty()) return {1};
  return dnnl::memory::dims(shape.begin(), shape.end());
}

dnnl::memory::desc PlainDesc(const dnnl::memory::dims& dims) {
  const dnnl::memory::dims d = dims.empty() ? dnnl::memory::dims{1} : dims;
  dnnl::memory::dims strides(d.size(), 1);
  for (size_t i = d.size() - 1; i-- > 0;) strides[i] = strides[i + 1] * d[i + 1];
  return dnnl::memory::desc(d, dnnl::memory::data_type::f32, strides);
}

dnnl::memory Wrap(const dnnl::memory::desc& desc, const Tensor& t) {
  return dnnl::memory(desc, Engine(), const_cast<float*>(t.data.data()));
}

dnnl::memory Wrap(const dnnl::memory::desc& desc, Tensor& t) {
  return dnnl::memory(desc, Engine(), t.data.data());
}

dnnl::primitive_attr DefaultAttr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

dnnl::stream NewStream() { return dnnl::stream(Engine()); }

void Submit(dnnl::stream& stream, const dnnl::primitive& prim, const dnnl::primitive_desc_base& pd,
            std::unordered_map<int, dnnl::memory> args) {
  const dnnl::memory::desc scratch = pd.scratchpad_desc();
  if (scratch.get_size() > 0) args[DNNL_ARG_SCRATCHPAD] = dnnl::memory(scratch, Engine());
  prim.execute(stream, args);
}

dnnl::memory Reorder::Run(dnnl::stream& stream, const dnnl::memory& from) const {
  dnnl::memory to(pd.dst_desc(), Engine());
  Run(stream, from, to);
  return to;
}

void Reorder::Run(dnnl::stream& stream, const dnnl::memory& from, const dnnl::memory& to) const {
  Submit(stream, prim, pd, {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
}

std::optional<Reorder> MakeReorder(const dnnl::memory::desc& from, const dnnl::memory::desc& to) {
  if (from == to) return std::nullopt;
  dnnl::reorder::primitive_desc pd(Engine(), from, Engine(), to, DefaultAttr());
  return Reorder{pd, dnnl::reorder(pd)};
}

Status OneDnnKernel::Run(const Node& node, In inputs, Out outputs) const {
  if (!outputs.empty() && outputs[0].data.empty()) return Status::Ok();  // nothing to compute
  ApplyThreads();
  Result<Computed> computed = Computed::kNotExpressible;
  try {
    computed = Compute(node, inputs, outputs);
  } catch (const dnnl::error& e) {
    return reference::NodeError(node, std::string("oneDNN: ") + e.what());
  } catch (const std::bad_alloc&) {
    return reference::NodeError(node, "out of memory");
  }
  if (!computed.ok()) return computed.status();
  if (*computed == Computed::kDone) {
    g_onednn_runs.fetch_add(1, std::memory_order_relaxed);
    return Status::Ok();
  }
  g_reference_runs.fetch_add(1, std::memory_order_relaxed);
  return fallback_(node, inputs, outputs);
}

}  // namespace onednn

void SetOneDnnThreads(int threads) {
  onednn::g_threads.store(threads > 0 ? threads : 0, std::memory_order_relaxed);
}

void SetOneDnnPrimitiveCaching(bool enabled) {
  onednn::g_caching.store(enabled, std::memory_order_relaxed);
}

OneDnnRunCounts GetOneDnnRunCounts() {
  return {onednn::g_onednn_runs.load(std::memory_order_relaxed),
          onednn::g_reference_runs.load(std::memory_order_relaxed)};
}

}  // namespace distcnn
