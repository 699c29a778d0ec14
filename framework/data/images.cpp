// The uint8 image store of the image datasets: splits, validation carving, statistics and batches.

#include "automl/data/images.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <tuple>
#include <utility>

#include <ATen/ATen.h>

#include "automl/error.hpp"

namespace automl {

const char* split_name(Split split) {
  switch (split) {
    case Split::train: return "train";
    case Split::valid: return "valid";
    case Split::test: return "test";
  }
  return "?";
}

}  // namespace automl

namespace automl::data {

void channel_stats(const ImageSet& set, std::vector<double>& mean, std::vector<double>& std) {
  const std::int64_t plane = set.height * set.width;
  mean.assign(set.channels, 0);
  std.assign(set.channels, 0);
  for (std::int64_t c = 0; c < set.channels; ++c) {
    std::uint64_t sum = 0, squares = 0;
    for (std::int64_t i = 0; i < set.size(); ++i) {
      const std::uint8_t* p = set.pixels.data() + i * set.image_bytes() + c * plane;
      for (std::int64_t k = 0; k < plane; ++k) sum += p[k], squares += std::uint64_t{p[k]} * p[k];
    }
    const double n = static_cast<double>(plane * set.size());
    const double m = static_cast<double>(sum) / n;
    mean[c] = m / 255.0;
    std[c] = std::sqrt(std::max(0.0, static_cast<double>(squares) / n - m * m)) / 255.0;
  }
}

namespace {

// Per-image draws, in a fixed order so that a seed fixes the batch.
struct Draw {
  int dy = 0, dx = 0;
  bool flip = false;
  int cy = -1, cx = -1;
};

Draw draw(const ImageSet& set, const ImageTransform& t, bool augment, Random& rng) {
  Draw d;
  if (!augment) return d;
  if (t.crop_padding > 0) {
    d.dy = rng.uniform_int(0, 2 * t.crop_padding) - t.crop_padding;
    d.dx = rng.uniform_int(0, 2 * t.crop_padding) - t.crop_padding;
  }
  if (t.flip) d.flip = rng.uniform01() < 0.5;
  if (t.cutout > 0) {
    d.cy = rng.uniform_int(0, static_cast<int>(set.height) - 1);
    d.cx = rng.uniform_int(0, static_cast<int>(set.width) - 1);
  }
  return d;
}

void transform_one(const std::uint8_t* image, const ImageSet& set, const ImageTransform& t, const Draw& d,
                   float* out) {
  const auto H = set.height, W = set.width;
  for (std::int64_t c = 0; c < set.channels; ++c) {
    const float scale = static_cast<float>(1.0 / (255.0 * t.std[c]));
    const float shift = static_cast<float>(-t.mean[c] / t.std[c]);
    // Lookup of every byte value: one multiply-add per pixel, no branches.
    float table[256];
    for (int v = 0; v < 256; ++v) table[v] = static_cast<float>(v) * scale + shift;
    const std::uint8_t* plane = image + c * H * W;
    float* o = out + c * H * W;
    for (std::int64_t y = 0; y < H; ++y) {
      const std::int64_t sy = y + d.dy;
      float* row = o + y * W;
      if (sy < 0 || sy >= H) {
        std::fill(row, row + W, shift);  // zero padding, normalized
        continue;
      }
      const std::uint8_t* src = plane + sy * W;
      for (std::int64_t x = 0; x < W; ++x) {
        const std::int64_t sx = (d.flip ? W - 1 - x : x) + d.dx;
        row[x] = (sx < 0 || sx >= W) ? shift : table[src[sx]];
      }
    }
    if (d.cy >= 0) {
      const std::int64_t half = t.cutout / 2;
      const std::int64_t y0 = std::max<std::int64_t>(0, d.cy - half), y1 = std::min<std::int64_t>(H, d.cy + half);
      const std::int64_t x0 = std::max<std::int64_t>(0, d.cx - half), x1 = std::min<std::int64_t>(W, d.cx + half);
      for (std::int64_t y = y0; y < y1; ++y) std::fill(o + y * W + x0, o + y * W + x1, 0.0f);
    }
  }
}

// The tensor-op transform on the device of `images` (uint8 [B, C, H, W]):
// `draws` is int64 [B, 5] on that device, one row (dy, dx, flip, cy, cx) per
// image. The same operations as transform_one, in the same float rounding:
// pixel * scale, then + shift (float [1, C, 1, 1] on the device, from
// normalization()); padding is a zero byte, which normalizes to shift
// exactly, as the CPU path writes it.
at::Tensor transform_on_device(const at::Tensor& images, const at::Tensor& draws, const ImageTransform& t,
                               bool augment, const at::Tensor& scale, const at::Tensor& shift) {
  const std::int64_t B = images.size(0), C = images.size(1), H = images.size(2), W = images.size(3);
  const auto index = at::TensorOptions().dtype(at::kLong).device(images.device());
  at::Tensor x = images;
  if (augment && (t.crop_padding > 0 || t.flip)) {
    const std::int64_t pad = t.crop_padding;
    if (pad > 0) x = at::constant_pad_nd(x, {pad, pad, pad, pad}, 0);
    const at::Tensor ys = at::arange(H, index).unsqueeze(0), xs = at::arange(W, index).unsqueeze(0);
    const at::Tensor flipped = draws.select(1, 2).unsqueeze(1).ne(0);
    const at::Tensor rows = ys + draws.select(1, 0).unsqueeze(1) + pad;                                // [B, H]
    const at::Tensor cols = at::where(flipped, (W - 1) - xs, xs) + draws.select(1, 1).unsqueeze(1) + pad;  // [B, W]
    x = x.gather(2, rows.view({B, 1, H, 1}).expand({B, C, H, x.size(3)}));
    x = x.gather(3, cols.view({B, 1, 1, W}).expand({B, C, H, W}));
  }
  at::Tensor out = x.to(at::kFloat).mul_(scale).add_(shift);
  if (augment && t.cutout > 0) {
    const std::int64_t half = t.cutout / 2;
    auto inside = [&](int column, std::int64_t size) {  // [B, size]: within half of the square's centre
      const at::Tensor centre = draws.select(1, column).unsqueeze(1), pos = at::arange(size, index).unsqueeze(0);
      return pos.ge(centre - half).logical_and(pos.lt(centre + half));
    };
    out.masked_fill_(inside(3, H).view({B, 1, H, 1}).logical_and(inside(4, W).view({B, 1, 1, W})), 0.0f);
  }
  return out.contiguous();
}

// The per-channel factors of transform_on_device, on `device`.
std::pair<at::Tensor, at::Tensor> normalization(const ImageTransform& t, std::int64_t C, const at::Device& device) {
  std::vector<float> scale(static_cast<std::size_t>(C)), shift(static_cast<std::size_t>(C));
  for (std::int64_t c = 0; c < C; ++c) {
    scale[c] = static_cast<float>(1.0 / (255.0 * t.std[c]));
    shift[c] = static_cast<float>(-t.mean[c] / t.std[c]);
  }
  auto per_channel = [&](const std::vector<float>& v) {
    return at::tensor(v, at::TensorOptions().dtype(at::kFloat)).to(device).view({1, C, 1, 1});
  };
  return {per_channel(scale), per_channel(shift)};
}

}  // namespace

void transform_batch(const ImageSet& set, const std::vector<std::int64_t>& indices, const ImageTransform& t,
                     bool augment, Random& rng, float* out) {
  const std::int64_t size = set.image_bytes();
  for (std::size_t b = 0; b < indices.size(); ++b) {
    const Draw d = draw(set, t, augment, rng);
    transform_one(set.pixels.data() + indices[b] * size, set, t, d, out + static_cast<std::int64_t>(b) * size);
  }
}

namespace {

at::Device loader_device(const std::string& name) {
  try {
    at::Device device(name);
    if (device.is_cuda() && !at::hasCUDA())
      throw Error("the image loader's device is " + name + ", but this LibTorch has no CUDA (or sees no GPU)");
    return device;
  } catch (const c10::Error&) {
    throw Error("the image loader's device \"" + name + "\" is not a device; expected cpu, cuda or cuda:N");
  }
}

class ImageStream final : public BatchStream {
 public:
  ImageStream(const ImageSet& set, std::vector<std::int64_t> order, const ImageTransform& t,
              const LoaderOptions& o, std::uint64_t seed)
      : set_(set), device_(loader_device(o.device)), on_device_(o.tensor_transform || !device_.is_cpu()),
        order_(std::move(order)), transform_(t), options_(o), rng_(seed) {
    if (o.batch_size < 1) throw Error("batch_size must be >= 1, got " + std::to_string(o.batch_size));
    if (o.shuffle)
      for (std::size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng_.index(i)]);
    if (on_device_) std::tie(scale_, shift_) = normalization(transform_, set_.channels, device_);
  }

  std::int64_t size() const override {
    const auto n = static_cast<std::int64_t>(order_.size());
    return options_.drop_last ? n / options_.batch_size : (n + options_.batch_size - 1) / options_.batch_size;
  }

  bool next(Batch& out) override {
    const auto n = static_cast<std::int64_t>(order_.size());
    const std::int64_t count = std::min(options_.batch_size, n - pos_);
    if (count <= 0 || (options_.drop_last && count < options_.batch_size)) return false;
    std::vector<std::int64_t> indices(order_.begin() + pos_, order_.begin() + pos_ + count);
    pos_ += count;
    if (on_device_) return next_on_device(indices, out);
    out.inputs = buffer(inputs_, {count, set_.channels, set_.height, set_.width}, at::kFloat);
    transform_batch(set_, indices, transform_, options_.augment, rng_, out.inputs.data_ptr<float>());
    out.targets = buffer(targets_, {count}, at::kLong);
    auto* labels = out.targets.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < count; ++i) labels[i] = set_.labels[indices[i]];
    return true;
  }

 private:
  // A batch tensor that no caller holds any more, reused: fresh large
  // allocations cost a page fault per 4 KiB, which dominated the loader.
  static at::Tensor buffer(std::array<at::Tensor, 2>& pool, at::IntArrayRef sizes, at::ScalarType type) {
    for (auto& t : pool)
      if (t.defined() && t.use_count() == 1 && t.sizes() == sizes) return t;
    for (auto& t : pool)
      if (!t.defined() || t.use_count() == 1) return t = at::empty(sizes, type);
    return at::empty(sizes, type);
  }

  // The uint8 images, their labels and the draws gathered on the host
  // (pinned for a CUDA device: a fresh tensor each batch from LibTorch's
  // caching host allocator, which keeps a block until its copy is done), sent
  // with non-blocking copies and transformed there.
  bool next_on_device(const std::vector<std::int64_t>& indices, Batch& out) {
    const auto count = static_cast<std::int64_t>(indices.size());
    const auto host = at::TensorOptions().pinned_memory(device_.is_cuda());
    at::Tensor images = at::empty({count, set_.channels, set_.height, set_.width}, host.dtype(at::kByte));
    at::Tensor draws = at::empty({count, 5}, host.dtype(at::kLong));
    at::Tensor labels = at::empty({count}, host.dtype(at::kLong));
    const std::int64_t size = set_.image_bytes();
    auto* d = draws.data_ptr<std::int64_t>();
    for (std::int64_t b = 0; b < count; ++b) {
      const std::int64_t i = indices[static_cast<std::size_t>(b)];
      std::copy_n(set_.pixels.data() + i * size, size, images.data_ptr<std::uint8_t>() + b * size);
      const Draw one = draw(set_, transform_, options_.augment, rng_);
      const std::int64_t row[5] = {one.dy, one.dx, one.flip ? 1 : 0, one.cy, one.cx};
      std::copy_n(row, 5, d + 5 * b);
      labels.data_ptr<std::int64_t>()[b] = set_.labels[static_cast<std::size_t>(i)];
    }
    auto send = [&](const at::Tensor& t) { return t.to(device_, t.scalar_type(), /*non_blocking=*/true); };
    out.inputs = transform_on_device(send(images), send(draws), transform_, options_.augment, scale_, shift_);
    out.targets = send(labels);
    return true;
  }

  const ImageSet& set_;
  at::Device device_;
  bool on_device_;
  at::Tensor scale_, shift_;  ///< the tensor path's normalization, on device_
  std::array<at::Tensor, 2> inputs_, targets_;
  std::vector<std::int64_t> order_;
  const ImageTransform& transform_;
  LoaderOptions options_;
  Random rng_;
  std::int64_t pos_ = 0;
};

std::int64_t valid_size(const SplitOptions& split, std::int64_t n) {
  const std::int64_t count =
      split.valid_fraction > 0 ? std::llround(split.valid_fraction * static_cast<double>(n)) : split.valid_count;
  if (count < 0 || count >= n)
    throw ConfigError("[dataset] the validation split (" + std::to_string(count) + " images) must be smaller than the " +
                      std::to_string(n) + " training images; lower valid_count or valid_fraction");
  return count;
}

}  // namespace

ImageDataset::ImageDataset(ImageSet train, ImageSet test, std::int64_t classes, const SplitOptions& split,
                           ImageTransform transform, std::uint64_t seed, std::string source)
    : train_(std::move(train)), test_(std::move(test)), classes_(classes), transform_(std::move(transform)),
      source_(std::move(source)) {
  channel_stats(train_, mean_, std_);
  if (transform_.mean.empty()) transform_.mean = mean_;
  if (transform_.std.empty()) {
    transform_.std = std_;
    for (double& sd : transform_.std)
      if (!(sd > 1e-6)) sd = 1;  // a constant channel is centred, not divided by zero
  }
  // A seeded permutation: its first valid_size images are the validation split.
  std::vector<std::int64_t> order(static_cast<std::size_t>(train_.size()));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(i);
  Random rng(seed);
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.index(i)]);
  const auto held_out = static_cast<std::size_t>(valid_size(split, train_.size()));
  valid_indices_.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(held_out));
  train_indices_.assign(order.begin() + static_cast<std::ptrdiff_t>(held_out), order.end());
  std::sort(valid_indices_.begin(), valid_indices_.end());
  std::sort(train_indices_.begin(), train_indices_.end());
}

DatasetInfo ImageDataset::info() const {
  DatasetInfo info;
  info.task = "image_classification";
  info.shape = {train_.channels, train_.height, train_.width};
  info.classes = classes_;
  auto per_class = [&](const ImageSet& set, const std::vector<std::int64_t>* indices) {
    std::vector<std::int64_t> counts(static_cast<std::size_t>(classes_));
    auto count = [&](std::int64_t label) {
      if (label >= 0 && label < classes_) ++counts[static_cast<std::size_t>(label)];
    };
    if (indices)
      for (auto i : *indices) count(set.labels[static_cast<std::size_t>(i)]);
    else
      for (auto label : set.labels) count(label);
    return counts;
  };
  info.splits = {{"train", split_size(Split::train), per_class(train_, &train_indices_)},
                 {"valid", split_size(Split::valid), per_class(train_, &valid_indices_)},
                 {"test", split_size(Split::test), per_class(test_, nullptr)}};
  info.class_names = class_names_;
  info.mean = mean_;
  info.std = std_;
  info.source = source_;
  return info;
}

std::int64_t ImageDataset::split_size(Split split) const {
  switch (split) {
    case Split::train: return static_cast<std::int64_t>(train_indices_.size());
    case Split::valid: return static_cast<std::int64_t>(valid_indices_.size());
    case Split::test: return test_.size();
  }
  return 0;
}

std::unique_ptr<BatchStream> ImageDataset::stream(Split split, const LoaderOptions& options,
                                                  std::uint64_t seed) const {
  if (split == Split::test) {
    std::vector<std::int64_t> all(static_cast<std::size_t>(test_.size()));
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::int64_t>(i);
    return std::make_unique<ImageStream>(test_, std::move(all), transform_, options, seed);
  }
  return std::make_unique<ImageStream>(train_, split == Split::train ? train_indices_ : valid_indices_, transform_,
                                       options, seed);
}

}  // namespace automl::data
