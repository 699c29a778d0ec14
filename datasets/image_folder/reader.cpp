// The image-folder reader: finding the splits and classes, decoding JPEG
// (TurboJPEG) and PNG (libpng's simplified API), one size per split.

#include "reader.hpp"

#include <png.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>

#include "automl/data/files.hpp"
#include "automl/error.hpp"
#include "automl/text.hpp"

namespace image_folder {

namespace fs = std::filesystem;
using automl::DataError;

namespace {

// 64 megapixels: far above any dataset image, far below what would exhaust memory.
constexpr long long kMaxPixels = 1LL << 26;

bool is_jpeg(const std::string& b) {
  return b.size() >= 3 && static_cast<unsigned char>(b[0]) == 0xFF && static_cast<unsigned char>(b[1]) == 0xD8 &&
         static_cast<unsigned char>(b[2]) == 0xFF;
}

bool is_png(const std::string& b) { return b.size() >= 8 && b.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0; }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool image_name(const std::string& path) {
  const std::string ext = lower(fs::path(path).extension().string());
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

void check_size(long long height, long long width, const std::string& where) {
  if (height < 1 || width < 1 || height * width > kMaxPixels)
    throw DataError(where + ": an image of " + std::to_string(height) + " x " + std::to_string(width) +
                    " pixels; expected 1 to " + std::to_string(kMaxPixels) + " pixels");
}

Image decode_jpeg(tjhandle tj, const std::string& bytes, int channels, const std::string& where) {
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto size = static_cast<unsigned long>(bytes.size());
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(tj, data, size, &width, &height, &subsampling, &colorspace) != 0)
    throw DataError(where + ": not a readable JPEG (" + automl::printable(tjGetErrorStr2(tj)) +
                    "); the file is corrupt");
  check_size(height, width, where);
  Image image{height, width, channels, {}};
  image.pixels.resize(static_cast<std::size_t>(height) * static_cast<std::size_t>(width) *
                      static_cast<std::size_t>(channels));
  // Flags 0: accurate integer DCT and smooth chroma upsampling, libjpeg's (and so PIL's) defaults.
  if (tjDecompress2(tj, data, size, image.pixels.data(), width, 0, height,
                    channels == 3 ? TJPF_RGB : TJPF_GRAY, TJFLAG_STOPONWARNING) != 0)
    throw DataError(where + ": the JPEG does not decode (" + automl::printable(tjGetErrorStr2(tj)) +
                    "); the file is corrupt or truncated");
  return image;
}

Image decode_png(const std::string& bytes, int channels, const std::string& where) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  auto fail = [&](const std::string& what) {
    const std::string message = automl::printable(png.message);
    png_image_free(&png);
    return DataError(where + ": " + what + " (" + message + "); the file is corrupt or truncated");
  };
  if (!png_image_begin_read_from_memory(&png, bytes.data(), bytes.size())) throw fail("not a readable PNG");
  try {
    check_size(png.height, png.width, where);
  } catch (...) {
    png_image_free(&png);
    throw;
  }
  png.format = channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  Image image{static_cast<int>(png.height), static_cast<int>(png.width), channels, {}};
  image.pixels.resize(PNG_IMAGE_SIZE(png));
  const png_color black{0, 0, 0};
  if (!png_image_finish_read(&png, &black, image.pixels.data(), 0, nullptr)) throw fail("the PNG does not decode");
  return image;
}

// One member of a split: its class and where it came from.
struct Member {
  std::string path;
  const std::string* bytes;
};

using Split = std::map<std::string, std::vector<Member>>;  // class -> members, sorted by path

void append(const Image& image, automl::data::ImageSet& set, std::int64_t label) {
  const std::size_t plane = static_cast<std::size_t>(image.height) * static_cast<std::size_t>(image.width);
  const std::size_t at = set.pixels.size();
  set.pixels.resize(at + plane * static_cast<std::size_t>(image.channels));
  for (int c = 0; c < image.channels; ++c)
    for (std::size_t p = 0; p < plane; ++p)
      set.pixels[at + static_cast<std::size_t>(c) * plane + p] =
          image.pixels[p * static_cast<std::size_t>(image.channels) + static_cast<std::size_t>(c)];
  set.labels.push_back(label);
}

automl::data::ImageSet decode_split(const Split& split, const std::vector<std::string>& classes,
                                    const std::string& source, const ReadOptions& o) {
  automl::data::ImageSet set;
  Decoder decoder;
  std::string first;
  for (std::size_t label = 0; label < classes.size(); ++label) {
    for (const Member& m : split.at(classes[label])) {
      const std::string where = source + ": " + automl::printable(m.path, 400);
      Image image = decoder.decode(*m.bytes, o.channels, where);
      if (!o.resize.empty()) {
        image = resize_bilinear(image, o.resize[0], o.resize[1]);
      } else if (first.empty()) {
        first = where;
        set.height = image.height, set.width = image.width;
      } else if (image.height != set.height || image.width != set.width) {
        throw DataError(where + " is " + std::to_string(image.height) + " x " + std::to_string(image.width) +
                        " pixels, but " + first + " is " + std::to_string(set.height) + " x " +
                        std::to_string(set.width) + "; set [dataset] resize = [height, width] to scale every "
                        "image to one size");
      }
      set.channels = image.channels, set.height = image.height, set.width = image.width;
      append(image, set, static_cast<std::int64_t>(label));
    }
  }
  return set;
}

std::vector<std::string> names_of(const Split& split) {
  std::vector<std::string> names;
  for (const auto& [name, members] : split) names.push_back(name);
  return names;
}

}  // namespace

Decoder::Decoder() : jpeg_(tjInitDecompress()) {
  if (jpeg_ == nullptr) throw DataError("cannot start the JPEG decoder: " + automl::printable(tjGetErrorStr2(nullptr)));
}

Decoder::~Decoder() { tjDestroy(jpeg_); }

Image Decoder::decode(const std::string& bytes, int channels, const std::string& where) {
  if (channels != 1 && channels != 3) throw DataError(where + ": images decode to 1 or 3 channels");
  if (is_jpeg(bytes)) return decode_jpeg(jpeg_, bytes, channels, where);
  if (is_png(bytes)) return decode_png(bytes, channels, where);
  throw DataError(where + ": neither a JPEG nor a PNG (its first bytes are no image signature)" +
                  (bytes.empty() ? std::string(": the file is empty") : std::string()));
}

Image decode_image(const std::string& bytes, int channels, const std::string& where) {
  Decoder decoder;
  return decoder.decode(bytes, channels, where);
}

Image resize_bilinear(const Image& in, int height, int width) {
  Image out{height, width, in.channels, {}};
  out.pixels.resize(static_cast<std::size_t>(height) * static_cast<std::size_t>(width) *
                    static_cast<std::size_t>(in.channels));
  const double sy = static_cast<double>(in.height) / height, sx = static_cast<double>(in.width) / width;
  for (int y = 0; y < height; ++y) {
    const double fy = std::max(0.0, (y + 0.5) * sy - 0.5);
    const int y0 = std::min(static_cast<int>(fy), in.height - 1), y1 = std::min(y0 + 1, in.height - 1);
    const double wy = fy - y0;
    for (int x = 0; x < width; ++x) {
      const double fx = std::max(0.0, (x + 0.5) * sx - 0.5);
      const int x0 = std::min(static_cast<int>(fx), in.width - 1), x1 = std::min(x0 + 1, in.width - 1);
      const double wx = fx - x0;
      for (int c = 0; c < in.channels; ++c) {
        auto at = [&](int yy, int xx) {
          return static_cast<double>(in.pixels[(static_cast<std::size_t>(yy) * static_cast<std::size_t>(in.width) +
                                                static_cast<std::size_t>(xx)) *
                                                   static_cast<std::size_t>(in.channels) +
                                               static_cast<std::size_t>(c)]);
        };
        const double v = (1 - wy) * ((1 - wx) * at(y0, x0) + wx * at(y0, x1)) +
                         wy * ((1 - wx) * at(y1, x0) + wx * at(y1, x1));
        out.pixels[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) *
                       static_cast<std::size_t>(in.channels) +
                   static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0, 255.0)));
      }
    }
  }
  return out;
}

Folder image_folder_from_members(const std::vector<std::pair<std::string, std::string>>& members,
                                 const std::string& source, const ReadOptions& o) {
  std::map<std::string, Split> splits;  // split name -> classes
  std::set<std::string> other_folders;  // split-level folder names seen, for the message
  for (const auto& [path, bytes] : members) {
    if (!image_name(path)) continue;
    const auto parts = automl::split(fs::path(path).generic_string(), '/');
    if (parts.size() < 2) continue;
    const std::string& parent = parts[parts.size() - 2];
    const std::string split = parts.size() >= 3 ? parts[parts.size() - 3] : "";
    const auto is_split = [&](const std::string& name) { return name == o.train_split || name == o.test_split; };
    if (is_split(parent) && !is_split(split))  // an image beside the class folders
      throw DataError(source + ": " + automl::printable(path, 400) + " is not inside a class folder; expected " +
                      automl::printable(parent) + "/<class>/<image>");
    if (parts.size() < 3) continue;
    const std::string& cls = parent;
    if (split != o.train_split && split != o.test_split) {
      other_folders.insert(split);
      continue;
    }
    splits[split][cls].push_back(Member{path, &bytes});
  }
  for (const std::string& name : {o.train_split, o.test_split})
    if (!splits.count(name)) {
      std::vector<std::string> seen(other_folders.begin(), other_folders.end());
      if (seen.size() > 12) seen.resize(12);
      throw DataError(source + ": no images (.jpg, .jpeg, .png) in " + name +
                      "/<class>/ folders; expected the layout ROOT/" + o.train_split + "/<class>/*.jpg and ROOT/" +
                      o.test_split + "/<class>/*.jpg (folders holding class folders found: " +
                      automl::printable(automl::quoted_list(seen), 400) + "; train_split and test_split name them)");
    }
  Split& train = splits[o.train_split];
  Split& test = splits[o.test_split];
  for (auto* s : {&train, &test})
    for (auto& [cls, list] : *s)
      std::sort(list.begin(), list.end(), [](const Member& a, const Member& b) { return a.path < b.path; });
  const auto train_classes = names_of(train), test_classes = names_of(test);
  for (const auto& c : train_classes)
    if (!test.count(c))
      throw DataError(source + ": the class folder '" + automl::printable(c) + "' of the " + o.train_split +
                      " split is missing from the " + o.test_split + " split; both need the same classes");
  for (const auto& c : test_classes)
    if (!train.count(c))
      throw DataError(source + ": the class folder '" + automl::printable(c) + "' of the " + o.test_split +
                      " split is missing from the " + o.train_split + " split; both need the same classes");
  if (train_classes.size() < 2)
    throw DataError(source + ": " + std::to_string(train_classes.size()) +
                    " class folder in the training split; classification needs two at least");
  Folder folder;
  folder.classes = train_classes;
  folder.source = source;
  folder.train = decode_split(train, folder.classes, source, o);
  folder.test = decode_split(test, folder.classes, source, o);
  if (folder.train.height != folder.test.height || folder.train.width != folder.test.width)
    throw DataError(source + ": the " + o.train_split + " images are " + std::to_string(folder.train.height) + " x " +
                    std::to_string(folder.train.width) + " pixels but the " + o.test_split + " images " +
                    std::to_string(folder.test.height) + " x " + std::to_string(folder.test.width) +
                    "; set [dataset] resize = [height, width] to scale every image to one size");
  return folder;
}

Folder read_image_folder(const fs::path& root, const ReadOptions& o) {
  if (!fs::exists(root))
    throw automl::ConfigError::for_key("root", "dataset root " + root.string() +
                                                   " does not exist: set [dataset] root to a folder or archive "
                                                   "(.tar, .tar.gz, .zip) in the layout ROOT/train/<class>/*.jpg");
  std::vector<std::pair<std::string, std::string>> members;
  std::string source = root.string();
  if (fs::is_directory(root)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (e.is_directory()) {
        // An empty class folder would vanish from the class list without a word.
        const auto parent = e.path().parent_path().filename().string();
        if ((parent == o.train_split || parent == o.test_split) &&
            std::none_of(fs::directory_iterator(e.path()), fs::directory_iterator(),
                         [](const fs::directory_entry& f) { return image_name(f.path().string()); }))
          throw DataError(e.path().string() + ": the class folder holds no images (.jpg, .jpeg, .png)");
      } else if (e.is_regular_file() && image_name(e.path().string())) {
        files.push_back(e.path());
      }
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      if (!in) throw DataError(f.string() + ": cannot be read");
      members.emplace_back(fs::relative(f, root).generic_string(),
                           std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
    }
  } else {
    auto archive = automl::data::read_archive(root, [](const std::string& p) { return image_name(p); });
    for (auto& [path, bytes] : archive) members.emplace_back(path, std::move(bytes));
  }
  return image_folder_from_members(members, source, o);
}

}  // namespace image_folder
