// Internal to kernels/onednn: the one CPU engine, the base class of every
// oneDNN kernel (exception boundary, thread setting, reference fallback,
// run counters) and a small shape-keyed cache of primitives. The only
// translation units that include <dnnl.hpp> are in this directory.
// Thread safety: everything here may be used from several threads at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "distcnn/kernels/kernel.h"
#include "distcnn/kernels/reference/ops.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace distcnn::onednn {

using reference::In;
using reference::Out;

// The process-wide CPU engine (created on first use; engines are thread-safe).
const dnnl::engine& Engine();

// The number of threads oneDNN uses in the calling thread (after
// OneDnnKernel::Run applied SetOneDnnThreads' setting): part of every cache
// key, since oneDNN fixes a primitive's work split when creating it.
int CurrentThreads();

// A dense row-major float32 descriptor of `dims` (rank 0 becomes {1}).
dnnl::memory::desc PlainDesc(const dnnl::memory::dims& dims);
dnnl::memory::dims Dims(const Shape& shape);

// A memory object over a tensor's values (no copy). oneDNN only reads
// inputs, so the const_cast is safe.
dnnl::memory Wrap(const dnnl::memory::desc& desc, const Tensor& t);
dnnl::memory Wrap(const dnnl::memory::desc& desc, Tensor& t);

// Attributes every primitive is created with: a user-provided scratchpad, so
// that one primitive can run on several threads at once (each call allocates
// its own scratchpad; the library-managed one is only thread-safe in builds
// with DNNL_ENABLE_CONCURRENT_EXEC, which Debian's is not documented to be).
dnnl::primitive_attr DefaultAttr();

// A stream on Engine() (streams are not thread-safe: one per call).
dnnl::stream NewStream();

// Submits `prim` to `stream` with `args` plus a freshly allocated scratchpad
// of `pd`'s size. The caller waits on the stream.
void Submit(dnnl::stream& stream, const dnnl::primitive& prim, const dnnl::primitive_desc_base& pd,
            std::unordered_map<int, dnnl::memory> args);

// A reorder between two layouts of one tensor.
struct Reorder {
  dnnl::reorder::primitive_desc pd;
  dnnl::reorder prim;
  // Submits the reorder of `from` into a new memory of the target layout.
  dnnl::memory Run(dnnl::stream& stream, const dnnl::memory& from) const;
  // Submits the reorder of `from` into `to`.
  void Run(dnnl::stream& stream, const dnnl::memory& from, const dnnl::memory& to) const;
};
// nullopt when the layouts are equal (no reorder needed).
std::optional<Reorder> MakeReorder(const dnnl::memory::desc& from, const dnnl::memory::desc& to);

// Builds cache keys from numbers: a byte string of fixed-width values.
class Key {
 public:
  Key& Add(int64_t v) {
    s_.append(reinterpret_cast<const char*>(&v), sizeof v);
    return *this;
  }
  Key& Add(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return Add(static_cast<int64_t>(bits));
  }
  Key& Add(const dnnl::memory::dims& dims) {
    Add(static_cast<int64_t>(dims.size()));
    for (int64_t d : dims) Add(d);
    return *this;
  }
  std::string str() const { return s_; }

 private:
  std::string s_;
};

// SetOneDnnPrimitiveCaching's setting (default on).
bool PrimitiveCachingEnabled();

// Primitives (and their reorders) keyed by everything that determines them:
// shapes, attributes and the thread count they were created for. An empty
// entry records "oneDNN cannot express this", so the reference kernel runs
// without another attempt.
//
// Why a cache rather than per-call creation: oneDNN's own primitive cache
// already keeps the JIT-compiled kernels, so creating a primitive anew on
// every call only repeats the descriptor search and the reorders' creation,
// measured (inference_bench, 1 thread, docs/performance.md) at 0.05 ms per
// frame on LeNet-5 (0.069 -> 0.119 ms) and 1.7 ms on AlexNet (21.9 -> 23.6
// ms), within noise on ResNet-18 and MobileNetV2. Small, but free to avoid:
// the executor runs the same shapes on every frame. The mutex is held only for
// the lookup and the insertion, never while creating or running a primitive.
// Bounded: cleared when it reaches kMaxEntries (random-shape tests), which
// costs a re-creation, never a wrong result.
template <typename Entry>
class PrimitiveCache {
 public:
  static constexpr size_t kMaxEntries = 256;

  // The entry for `key`, created by `make()` (returning
  // std::optional<Entry>) when missing. Concurrent misses of one key may both
  // create; the first insertion wins.
  template <typename Make>
  std::shared_ptr<const std::optional<Entry>> Get(const std::string& key, Make make) const {
    const bool caching = PrimitiveCachingEnabled();
    if (caching) {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = entries_.find(key);
      if (it != entries_.end()) return it->second;
    }
    auto made = std::make_shared<const std::optional<Entry>>(make());
    if (!caching) return made;
    std::lock_guard<std::mutex> lock(mutex_);
    if (entries_.size() >= kMaxEntries) entries_.clear();
    return entries_.emplace(key, std::move(made)).first->second;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<const std::optional<Entry>>> entries_;
};

// Creates a primitive descriptor, mapping oneDNN's refusal (invalid or
// unimplemented descriptor) to nullopt.
template <typename Pd, typename Make>
std::optional<Pd> TryCreate(Make make) {
  try {
    Pd pd = make();
    if (!pd) return std::nullopt;
    return pd;
  } catch (const dnnl::error&) {
    return std::nullopt;
  }
}

// Whether Compute handled the node or left it to the reference kernel.
enum class Computed { kDone, kNotExpressible };

// Base of the oneDNN kernels. Run() applies the thread setting, calls
// Compute(), converts oneDNN exceptions into errors that name the node, and
// runs `fallback` (the reference kernel) when Compute reports that oneDNN
// cannot express the node.
class OneDnnKernel : public Kernel {
 public:
  using Fallback = Status (*)(const Node&, In, Out);
  explicit OneDnnKernel(Fallback fallback) : fallback_(fallback) {}

  Status Run(const Node& node, In inputs, Out outputs) const final;

 protected:
  virtual Result<Computed> Compute(const Node& node, In inputs, Out outputs) const = 0;

 private:
  Fallback fallback_;
};

}  // namespace distcnn::onednn
