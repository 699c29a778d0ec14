#pragma once
// The image-folder layout (torchvision's ImageFolder): ROOT/<split>/<class>/
// *.jpg|*.jpeg|*.png, read from a folder or straight from a .tar, .tar.gz or
// .zip, decoded once (TurboJPEG, libpng) into uint8 image sets. No LibTorch:
// the reader is built and fuzzed without it.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "automl/data/image_set.hpp"

namespace image_folder {

/// One decoded image, rows x cols x channels interleaved (HWC).
struct Image {
  int height = 0, width = 0, channels = 0;
  std::vector<std::uint8_t> pixels;
};

/// Decodes JPEG and PNG images (told apart by their signatures) to
/// `channels` (1: grayscale, 3: RGB; PNG alpha composited on black). Holds
/// one TurboJPEG handle for all its images; one decoder per thread.
class Decoder {
 public:
  Decoder();
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;
  /// `where` names the file in errors (a DataError: not an image, corrupt, too large).
  Image decode(const std::string& bytes, int channels, const std::string& where);

 private:
  void* jpeg_;  // tjhandle
};

/// One image with a decoder of its own.
Image decode_image(const std::string& bytes, int channels, const std::string& where);

/// Bilinear resampling to height x width, pixel centres aligned (as OpenCV's
/// INTER_LINEAR and PyTorch's interpolate(align_corners=False)); no
/// antialiasing when shrinking.
Image resize_bilinear(const Image& in, int height, int width);

struct ReadOptions {
  std::string train_split = "train";
  std::string test_split = "test";
  int channels = 3;
  std::vector<int> resize;  ///< {} (every image of a split the same size) or {height, width}
};

struct Folder {
  std::vector<std::string> classes;  ///< sorted; a label is an index into it
  automl::data::ImageSet train, test;
  std::string source;                ///< what was read, for messages and `automl data`
};

/// Reads both splits from a folder or an archive. The splits are found at any
/// depth (the parent of each split's class folders); both must have the same
/// class folders, none of them empty. Files with other extensions are not
/// images and are passed over. Throws automl::DataError naming the file
/// (inside the archive) at fault.
Folder read_image_folder(const std::filesystem::path& root, const ReadOptions& options);

/// The same from archive-like members: (path inside the root, bytes).
Folder image_folder_from_members(const std::vector<std::pair<std::string, std::string>>& members,
                                 const std::string& source, const ReadOptions& options);

}  // namespace image_folder
