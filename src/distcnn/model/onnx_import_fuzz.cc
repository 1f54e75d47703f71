// Fuzz target for the ONNX importer: any bytes must give a graph or a clear
// error, never a crash, a hang or an exception. Built as a libFuzzer target
// with clang as fuzz_onnx_import (fuzz/, docs/fuzzing.md); otherwise this file's
// main() is a standalone driver that mutates seed models (the zoo's small
// models, exported) with a seeded RNG for a bounded number of iterations:
//   onnx_import_fuzz [ITERATIONS [SEED]]   (defaults 2000, 1)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "distcnn/base/rng.h"
#include "distcnn/model/onnx_io.h"
#include "distcnn/model/zoo.h"
#include "distcnn/profile/profiler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace distcnn;
  OnnxImportOptions options;
  options.dim_sizes["N"] = 1;
  Result<Graph> g = ImportOnnxBytes(std::string_view(reinterpret_cast<const char*>(data), size),
                                    "fuzz.onnx", options);
  if (!g.ok()) {
    if (g.status().message().rfind("fuzz.onnx: ", 0) != 0) {
      std::fprintf(stderr, "error without the file name: %s\n", g.status().message().c_str());
      std::abort();
    }
    return 0;
  }
  for (Granularity gr : {Granularity::kOp, Granularity::kLayer, Granularity::kBlock}) {
    (void)ProfileGraph(*g, gr);
  }
  return 0;
}

#ifndef DISTCNN_LIBFUZZER
int main(int argc, char** argv) {
  using namespace distcnn;
  const long iterations = argc > 1 ? std::atol(argv[1]) : 2000;
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1;
  std::printf("onnx_import_fuzz: %ld iterations, seed %llu\n", iterations,
              static_cast<unsigned long long>(seed));
  std::vector<std::string> seeds;
  for (const char* name : {"lenet5"}) {
    Result<Graph> g = BuildZooModel(name);
    Result<std::string> bytes = ExportOnnxBytes(*g);
    if (!bytes.ok()) {
      std::fprintf(stderr, "%s\n", bytes.status().message().c_str());
      return 1;
    }
    seeds.push_back(*bytes);
  }
  Rng rng(seed);
  long accepted = 0;
  for (long i = 0; i < iterations; ++i) {
    std::string s = seeds[rng.Below(seeds.size())];
    // Weights dominate the bytes; mutate mostly the structure (the end of the
    // file, where nodes and shapes follow the initializers in our exports) too.
    const int edits = 1 + static_cast<int>(rng.Below(4));
    for (int e = 0; e < edits && !s.empty(); ++e) {
      const size_t pos = rng.Bernoulli(0.5)
                             ? rng.Below(s.size())
                             : s.size() - 1 - rng.Below(std::min<size_t>(s.size(), 4096));
      switch (rng.Below(5)) {
        case 0:
          s[pos] = static_cast<char>(s[pos] ^ (1 << rng.Below(8)));
          break;
        case 1:
          s[pos] = static_cast<char>(rng.Below(256));
          break;
        case 2:
          s.resize(pos);
          break;
        case 3:
          s.insert(pos, 1 + rng.Below(8), static_cast<char>(rng.Below(256)));
          break;
        case 4:
          s.erase(pos, 1 + rng.Below(16));
          break;
      }
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    if (ImportOnnxBytes(s, "fuzz.onnx", OnnxImportOptions{{{"N", 1}}, false}).ok()) ++accepted;
  }
  std::printf("onnx_import_fuzz: done, %ld of %ld mutated inputs imported\n", accepted, iterations);
  return 0;
}
#endif
