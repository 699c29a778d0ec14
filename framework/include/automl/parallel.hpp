#pragma once
// The one place that runs work in parallel (OpenMP). Exceptions thrown by the
// body are carried out of the parallel region and the first one is rethrown.

#include <cstddef>
#include <functional>

namespace automl {

/// Calls body(i) for i in [0, n) on up to `threads` threads, dynamically
/// scheduled one index at a time. Blocks until all calls have returned.
void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& body);

/// parallel_for whose body also gets the slot (0 to threads-1) of the
/// worker calling it: no two calls running at once have the same slot.
void parallel_for_slots(std::size_t n, int threads, const std::function<void(std::size_t, int)>& body);

/// Sets the intra-op threads of LibTorch (and OpenMP) for this process.
void set_torch_threads(int threads);

/// Cores available to this process.
int available_cores();

}  // namespace automl

namespace automl {
/// Keeps freed memory inside the process (glibc: no mmap below 512 MiB, no
/// trimming below 1 GiB). Training allocates and frees the same large
/// tensors every step; returning them to the system made every step pay a
/// page fault per 4 KiB, a quarter of a small controller's step time here.
/// Called once by the host at start; resident memory stays at its peak.
void tune_allocator();
/// Hands the freed memory that tune_allocator() keeps back to the system
/// (glibc's malloc_trim). For the switch between two phases of different
/// working sets (a supernet's training steps, then its scoring of large
/// validation batches): the next phase's tensors then fault in fresh pages
/// instead of landing beside the last phase's freed ones, so the peak is
/// the larger of the two rather than close to their sum.
void release_free_memory();
}  // namespace automl
