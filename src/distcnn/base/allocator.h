// Allocator tuning for processes that run CNN layers and move tensors.
#pragma once

#include <malloc.h>

namespace distcnn {

// Tensors of a few hundred KB are allocated and freed every layer and every
// message. glibc serves blocks above its mmap threshold (128 KiB at first)
// with fresh mappings, a page fault per 4 KiB on every use, and trims the heap
// top; keeping such blocks on the heap makes steady-state inference and
// transport fault-free (the 5-layer CNN's L1 runs 3x faster). One arena for all
// threads: a node's threads take turns running layers, and with an arena per
// thread each would fault in its own copy of the working set (4 KiB faults
// cost about 12 us each on the test VM). Call at start-up, before any thread
// starts.
inline void KeepTensorBlocksOnTheHeap() {
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_ARENA_MAX, 1);
}

}  // namespace distcnn
