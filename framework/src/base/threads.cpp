// Kept apart: the only core file that includes LibTorch headers.
#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include "automl/parallel.hpp"

namespace automl {

void set_torch_threads(int threads) { at::set_num_threads(threads); }

int cuda_device_count() { return static_cast<int>(torch::cuda::device_count()); }

}  // namespace automl
