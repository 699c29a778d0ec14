// parallel_for over OpenMP, carrying the first exception out of the parallel region.

#include "automl/parallel.hpp"

#include <exception>
#include <mutex>

#include <malloc.h>
#include <omp.h>

namespace automl {

void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& body) {
  parallel_for_slots(n, threads, [&](std::size_t i, int) { body(i); });
}

void parallel_for_slots(std::size_t n, int threads, const std::function<void(std::size_t, int)>& body) {
  if (n == 0) return;
  if (threads <= 1 || n == 1) {
    for (std::size_t i = 0; i < n; ++i) body(i, 0);
    return;
  }
  std::exception_ptr first_error;
  std::mutex error_mutex;
  const auto count = static_cast<long long>(n);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (long long i = 0; i < count; ++i) {
    // An exception must not escape an OpenMP region: keep the first, skip the rest.
    try {
      {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (first_error) continue;
      }
      body(static_cast<std::size_t>(i), omp_get_thread_num());
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!first_error) first_error = std::current_exception();
    }
  }
  if (first_error) std::rethrow_exception(first_error);
}

int available_cores() { return omp_get_num_procs(); }

void tune_allocator() {
  mallopt(M_MMAP_THRESHOLD, 512 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

void release_free_memory() { malloc_trim(0); }

}  // namespace automl
