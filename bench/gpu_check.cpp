// The device check of a GPU machine (bench/gpu_check.sh runs it there): the
// LibTorch build and its devices; CPU-vs-device agreement of one small
// network (same weights, same batch: logits within 1e-3, TF32 off); NAONet-B
// at N=6/F=36, batch 128, training step time fp32 vs bf16; the NAO-WS
// supernet at N=3/C=20, batch 64: step and per-candidate scoring time (500
// images), fp32 and bf16; the image loader's CPU path against its device
// path (same pixels? images/s); peak device memory of each part.
//   build/bin/bench_gpu_check [DEVICE] [--quick]
// DEVICE: "cuda" (the default when one is visible) or "cpu"; --quick uses
// tiny sizes (a smoke run of this program on a CPU machine).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>

#include <torch/cuda.h>
#include <torch/torch.h>
#if defined(AUTOML_WITH_CUDA)
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include "automl/devices.hpp"
#include "automl/nn/network.hpp"
#include "automl/nn/precision.hpp"
#include "automl/parallel.hpp"
#include "nasnet_space.hpp"
#include "random_images.hpp"

namespace {

using automl::nn::Precision;

torch::Device device{torch::kCPU};

void device_sync() {
  if (device.is_cuda()) torch::cuda::synchronize();
}

// Seconds per call of `body`, after `warmup` calls, over `n` calls.
double seconds_per(int warmup, int n, const std::function<void(int)>& body) {
  for (int i = 0; i < warmup; ++i) body(i);
  device_sync();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) body(warmup + i);
  device_sync();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / n;
}

void reset_peak() {
#if defined(AUTOML_WITH_CUDA)
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(std::max<int>(0, device.index())));
#endif
}

std::string peak_text() {
#if defined(AUTOML_WITH_CUDA)
  if (device.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(std::max<int>(0, device.index())));
    return std::to_string(stats.allocated_bytes[0].peak >> 20) + " MiB peak device memory";
  }
#endif
  return "peak device memory: not measured on " + device.str();
}

struct Sizes {
  int layers, channels, batch, steps;
  int ws_layers, ws_channels, ws_batch, ws_steps, score_images;
};

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::string name = automl::cuda_device_count() > 0 ? "cuda" : "cpu";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    else name = argv[i];
  }
  device = torch::Device(name);
  if (device.is_cuda() && device.index() < 0) device = torch::Device(torch::kCUDA, 0);
  const Sizes z = quick ? Sizes{1, 8, 16, 2, 1, 8, 8, 2, 50} : Sizes{6, 36, 128, 20, 3, 20, 64, 20, 500};
  automl::tune_allocator();
  automl::set_torch_threads(1);
  if (device.is_cuda()) automl::configure_cudnn(false);  // autotuned, as a run
  std::printf("%s", automl::torch_build_text(automl::torch_build()).c_str());
  std::printf("device %s%s\n", device.str().c_str(), quick ? " (quick sizes)" : "");

  const auto space = bench::nasnet_space();
  const auto cifar = bench::cifar_info();
  const auto naonet_b = space->parse("naonet_b");
  int status = 0;

  // 1. Agreement: the same weights and batch on the CPU and on the device.
  {
    torch::manual_seed(0);
    const auto net = space->networks()->build(naonet_b, {1, 8, false, 0.0, 1.0}, cifar);
    net->eval();
    torch::NoGradGuard no_grad;
    const auto x = torch::randn({16, 3, 32, 32});
    const auto on_cpu = net->forward(x).logits;
    auto& context = at::globalContext();
    const bool tf32_cudnn = context.allowTF32CuDNN(), tf32_cublas = context.allowTF32CuBLAS();
    context.setAllowTF32CuDNN(false);
    context.setAllowTF32CuBLAS(false);
    net->to(device);
    const auto on_device = net->forward(x.to(device)).logits.to(torch::kCPU);
    context.setAllowTF32CuDNN(tf32_cudnn);
    context.setAllowTF32CuBLAS(tf32_cublas);
    const double diff = (on_cpu - on_device).abs().max().item<double>();
    const bool ok = diff <= 1e-3;
    std::printf("agreement (N=1/F=8, 16 images, TF32 off): max |logit difference| %.3g, bound 1e-3: %s\n", diff,
                ok ? "PASS" : "FAIL");
    if (!ok) status = 1;
  }

  // 2. NAONet-B training steps, fp32 and bf16.
  for (const Precision precision : {Precision::fp32, Precision::bf16}) {
    torch::manual_seed(0);
    const auto net = space->networks()->build(naonet_b, {z.layers, z.channels, true, 0.4, 0.8}, cifar);
    net->to(device);
    net->train();
    torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(0.025).momentum(0.9).weight_decay(3e-4));
    automl::nn::LossScaler scaler(false);
    const auto x = torch::randn({z.batch, 3, 32, 32}).to(device);
    const auto y = torch::randint(0, 10, {z.batch}).to(device);
    reset_peak();
    const double s = seconds_per(3, z.steps, [&](int i) {
      net->set_progress(i, 1000);
      sgd.zero_grad();
      torch::Tensor loss;
      {
        const automl::nn::Autocast autocast(precision, device);
        const auto out = net->forward(x);
        loss = torch::cross_entropy_loss(out.logits, y) + 0.4 * torch::cross_entropy_loss(out.aux_logits, y);
      }
      automl::nn::backward_and_step(loss, sgd, 5.0, scaler);
    });
    std::printf("NAONet-B N=%d/F=%d batch %d, %s: %.4f s per training step, %.0f images/s, %s\n", z.layers,
                z.channels, z.batch, automl::nn::precision_name(precision), s, z.batch / s, peak_text().c_str());
  }

  // 3. The NAO-WS supernet: training steps and scoring, fp32 and bf16.
  for (const Precision precision : {Precision::fp32, Precision::bf16}) {
    torch::manual_seed(0);
    const auto net = space->networks()->build_supernet({z.ws_layers, z.ws_channels, false, 0.0, 0.9}, cifar);
    net->to(device);
    torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(0.025).momentum(0.9).weight_decay(3e-4));
    automl::nn::LossScaler scaler(false);
    const auto x = torch::randn({z.ws_batch, 3, 32, 32}).to(device);
    const auto y = torch::randint(0, 10, {z.ws_batch}).to(device);
    automl::Random rng(1);
    net->train();
    reset_peak();
    const double step = seconds_per(3, z.ws_steps, [&](int i) {
      net->select(space->sample(rng));
      net->set_progress(i, 1000);
      sgd.zero_grad();
      torch::Tensor loss;
      {
        const automl::nn::Autocast autocast(precision, device);
        loss = torch::cross_entropy_loss(net->forward(x).logits, y);
      }
      automl::nn::backward_and_step(loss, sgd, 5.0, scaler);
    });
    const std::string step_peak = peak_text();
    const auto valid = torch::randn({z.score_images, 3, 32, 32}).to(device);
    torch::NoGradGuard no_grad;
    net->set_scoring(true);
    const double score = seconds_per(2, quick ? 2 : 10, [&](int) {
      net->select(space->sample(rng));
      const automl::nn::Autocast autocast(precision, device);
      for (std::int64_t b = 0; b < z.score_images; b += 100)
        net->forward(valid.narrow(0, b, std::min<std::int64_t>(100, z.score_images - b))).logits.argmax(1);
    });
    net->set_scoring(false);
    std::printf("NAO-WS supernet N=%d/C=%d batch %d, %s: %.4f s per training step (%s); %.4f s to score one "
                "candidate on %d images\n",
                z.ws_layers, z.ws_channels, z.ws_batch, automl::nn::precision_name(precision), step,
                step_peak.c_str(), score, z.score_images);
  }

  // 4. The image loader, CPU path (per-pixel loops, float batch copied) and
  // device path (uint8 batch pinned and copied non-blocking, augmented on the
  // device; on a CPU the same tensor ops there): images/s of training batches
  // on the device, and whether the two give the same pixels.
  {
    const auto data = automl::data::ImageDataset(bench::random_cifar(quick ? 1000 : 50000), bench::random_cifar(100),
                                                 10, {quick ? 100 : 5000, 0}, {{}, {}, 4, true, 16}, 0, "random");
    automl::LoaderOptions cpu_path;
    cpu_path.batch_size = 128;
    cpu_path.augment = true;
    automl::LoaderOptions device_path = cpu_path;
    device_path.device = device.str();
    device_path.tensor_transform = true;
    {
      auto cpu_stream = data.stream(automl::Split::train, cpu_path, 7);
      auto device_stream = data.stream(automl::Split::train, device_path, 7);
      automl::Batch a, b;
      double diff = 0;
      bool same_labels = true;
      for (int i = 0; i < 20 && cpu_stream->next(a) && device_stream->next(b); ++i) {
        diff = std::max(diff, (a.inputs - b.inputs.to(torch::kCPU)).abs().max().item<double>());
        same_labels = same_labels && a.targets.equal(b.targets.to(torch::kCPU));
      }
      const bool ok = diff <= 1e-6 && same_labels;
      std::printf("loader agreement (crop + flip + cutout, up to 20 batches): max |pixel difference| %.3g (%s), "
                  "labels %s: %s\n",
                  diff, diff == 0 ? "bit-identical" : "rounding", same_labels ? "equal" : "DIFFER", ok ? "PASS" : "FAIL");
      if (!ok) status = 1;
    }
    const int passes = quick ? 1 : 2;
    const auto copy = [&](const automl::Batch& b) { (void)b.inputs.to(device), (void)b.targets.to(device); };
    const double cpu = bench::images_per_second(data, cpu_path, passes, copy, device_sync);
    bench::images_per_second(data, device_path, 1, nullptr, device_sync);  // warm-up: the caching host allocator fills
    const double on_device = bench::images_per_second(data, device_path, passes, nullptr, device_sync);
    std::printf("loader, batch 128, crop + flip + cutout 16, one thread: CPU path and copy %.0f images/s, "
                "device path %.0f images/s on %s\n",
                cpu, on_device, device.str().c_str());
  }
  return status;
}
