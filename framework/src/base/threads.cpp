// Kept apart: the only core file that includes LibTorch headers (threads,
// and what the LibTorch build is and sees).
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>
#if defined(AUTOML_WITH_CUDA)
#include <ATen/cuda/CUDAContext.h>
#include <ATen/detail/CUDAHooksInterface.h>
#endif

#include <fmt/format.h>

#include "automl/devices.hpp"
#include "automl/parallel.hpp"

#ifndef AUTOML_TORCH_BACKEND
#define AUTOML_TORCH_BACKEND "cpu"
#endif

namespace automl {

void set_torch_threads(int threads) { at::set_num_threads(threads); }

int cuda_device_count() { return static_cast<int>(torch::cuda::device_count()); }

TorchBuild torch_build() {
  TorchBuild b;
  b.version = TORCH_VERSION;
  b.backend = AUTOML_TORCH_BACKEND;
  b.cuda_available = torch::cuda::is_available();
#if defined(AUTOML_WITH_CUDA)
  if (b.cuda_available) {
    for (int i = 0; i < cuda_device_count(); ++i) {
      const auto* p = at::cuda::getDeviceProperties(static_cast<c10::DeviceIndex>(i));
      b.device_names.push_back(fmt::format("{} ({:.0f} GiB, compute capability {}.{})", p->name,
                                           static_cast<double>(p->totalGlobalMem) / (1 << 30), p->major, p->minor));
    }
    if (torch::cuda::cudnn_is_available()) b.cudnn_version = at::detail::getCUDAHooks().versionCuDNN();
  }
#endif
  return b;
}

std::string torch_build_text(const TorchBuild& b) {
  std::string out = fmt::format("LibTorch {} ({} build)\n", b.version, b.backend);
  if (b.backend == "cpu") return out + "CUDA: not in this build (build against a CUDA LibTorch: README, Running on GPUs)\n";
  out += fmt::format("CUDA: {}, {} device(s)\n", b.cuda_available ? "available" : "not available (no driver or no GPU)",
                     b.device_names.size());
  for (std::size_t i = 0; i < b.device_names.size(); ++i) out += fmt::format("  cuda:{}  {}\n", i, b.device_names[i]);
  // cuDNN 8 numbers its versions major*1000 + minor*100 + patch, cuDNN 9 major*10000 + minor*100 + patch.
  const long v = b.cudnn_version;
  if (v > 0)
    out += fmt::format("cuDNN: {}.{}.{}\n", v >= 10000 ? v / 10000 : v / 1000, v >= 10000 ? v / 100 % 100 : v / 100 % 10,
                       v % 100);
  else
    out += "cuDNN: not available\n";
  return out;
}

void configure_cudnn(bool deterministic) {
  at::globalContext().setBenchmarkCuDNN(!deterministic);
  at::globalContext().setDeterministicCuDNN(deterministic);
}

std::string device_in_task(const std::string& device) {
  return device.rfind("cuda", 0) == 0 ? "cuda:0" : device;
}

}  // namespace automl
