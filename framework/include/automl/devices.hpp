#pragma once
// The LibTorch this automl was built with and the devices it sees. (The
// device slots of a run are run/components.hpp's device_slots().)

#include <string>
#include <vector>

namespace automl {

/// What `automl --version` reports of LibTorch.
struct TorchBuild {
  std::string version;                    ///< LibTorch's version, e.g. "1.13.1"
  std::string backend;                    ///< "cpu" or "cuda": what it was built for
  bool cuda_available = false;            ///< a CUDA build that sees a driver and a device
  std::vector<std::string> device_names;  ///< one per visible CUDA device
  long cudnn_version = 0;                 ///< e.g. 90100; 0 without cuDNN
};

TorchBuild torch_build();

/// The lines `automl --version` prints after its own: LibTorch, CUDA, devices, cuDNN.
std::string torch_build_text(const TorchBuild& build);

/// CUDA devices visible to LibTorch (0 with a CPU-only build).
int cuda_device_count();

/// cuDNN for this process: autotuned algorithms (benchmark mode), or with
/// `deterministic` its deterministic algorithms only. What stays
/// non-deterministic on a GPU either way: atomics in some backward kernels
/// (index_add, scatter, embedding's backward) and the order parallel trials
/// finish in.
void configure_cudnn(bool deterministic);

/// "cpu" stays; "cuda:N" as a Slurm task sees it: Slurm gives a task its GPUs
/// through CUDA_VISIBLE_DEVICES, numbered from 0 inside the task, so a trial
/// run there uses "cuda:0" whatever slot the host named.
std::string device_in_task(const std::string& device);

}  // namespace automl
