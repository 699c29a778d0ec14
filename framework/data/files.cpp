// Reading data files whole (plain or gzip) and from archives, with errors that name the file.

#include "automl/data/files.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include <algorithm>
#include <memory>

#include "automl/error.hpp"

namespace automl::data {

namespace fs = std::filesystem;

std::string read_bytes(const fs::path& file) {
  // gzread passes plain files through unchanged, so one path reads both.
  gzFile in = gzopen(file.c_str(), "rb");
  if (in == nullptr)
    throw DataError("cannot open " + file.string() + (fs::exists(file) ? ": permission denied" : ": no such file"));
  std::unique_ptr<gzFile_s, int (*)(gzFile)> guard(in, gzclose);
  gzbuffer(in, 1 << 20);
  std::string bytes;
  char chunk[1 << 16];
  for (;;) {
    const int n = gzread(in, chunk, sizeof chunk);
    if (n < 0) {
      int code = 0;
      throw DataError(file.string() + ": corrupt compressed data near byte " + std::to_string(bytes.size()) + " (" +
                      gzerror(in, &code) + "); fetch the file again");
    }
    if (n == 0) break;
    bytes.append(chunk, static_cast<std::size_t>(n));
  }
  // A gzip stream cut short reads as a clean end; zlib reports it here.
  int code = 0;
  const char* message = gzerror(in, &code);
  if (code != Z_OK && code != Z_STREAM_END)
    throw DataError(file.string() + ": " + message + " after " + std::to_string(bytes.size()) +
                    " bytes (the compressed file is truncated); fetch it again");
  return bytes;
}

std::map<std::string, std::string> read_archive(const fs::path& path,
                                                const std::function<bool(const std::string&)>& want) {
  std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 20) != ARCHIVE_OK)
    throw DataError("cannot read archive " + path.string() + ": " + archive_error_string(a.get()));
  std::map<std::string, std::string> members;
  archive_entry* entry = nullptr;
  int status = ARCHIVE_OK;
  while ((status = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK) {
    const std::string name = archive_entry_pathname(entry);
    if (archive_entry_filetype(entry) != AE_IFREG || !want(name)) continue;
    std::string data;
    char chunk[1 << 16];
    la_ssize_t n = 0;
    while ((n = archive_read_data(a.get(), chunk, sizeof chunk)) > 0) data.append(chunk, static_cast<std::size_t>(n));
    if (n < 0)
      throw DataError(path.string() + ": member " + name + " is corrupt or truncated after " +
                      std::to_string(data.size()) + " bytes: " + archive_error_string(a.get()));
    members[name] = std::move(data);
  }
  if (status != ARCHIVE_EOF)
    throw DataError(path.string() + " is corrupt or truncated: " + archive_error_string(a.get()));
  return members;
}

namespace {
std::uint32_t big_endian(const std::string& bytes, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
}  // namespace

IdxArray parse_idx(const std::string& bytes, const std::string& what, int expected_dims) {
  if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0)
    throw DataError(what + ": wrong IDX magic number at byte 0 (expected 00 00 08 0" +
                    std::to_string(expected_dims) + "); not an IDX file");
  if (static_cast<unsigned char>(bytes[2]) != 0x08)
    throw DataError(what + ": IDX element type at byte 2 is " + std::to_string(static_cast<int>(bytes[2])) +
                    ", expected 8 (unsigned bytes)");
  if (bytes[3] != expected_dims)
    throw DataError(what + ": IDX array has " + std::to_string(static_cast<int>(bytes[3])) +
                    " dimensions (byte 3), expected " + std::to_string(expected_dims));
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(expected_dims);
  if (bytes.size() < header) throw DataError(what + ": truncated inside the IDX header");
  IdxArray array;
  std::size_t payload = 1;
  bool too_big = false;  // a product that no file can hold (and that would wrap around)
  std::string shape;
  for (int d = 0; d < expected_dims; ++d) {
    array.dims.push_back(big_endian(bytes, 4 + 4 * static_cast<std::size_t>(d)));
    const auto dim = static_cast<std::size_t>(array.dims.back());
    shape += (d ? " x " : "") + std::to_string(dim);
    if (dim != 0 && payload > (std::size_t{1} << 48) / dim) too_big = true;
    else payload *= dim;
  }
  if (too_big) throw DataError(what + ": its IDX header promises an array of " + shape + " bytes; the header is corrupt");
  if (bytes.size() != header + payload)
    throw DataError(what + ": " + std::to_string(bytes.size()) + " bytes, but its header promises " +
                    std::to_string(header + payload) + " (" + (bytes.size() < header + payload ? "truncated" : "trailing data") +
                    " from byte " + std::to_string(std::min(bytes.size(), header + payload)) + ")");
  array.data = bytes.substr(header);
  return array;
}

void parse_cifar(const std::string& bytes, const std::string& what, int label_bytes, int label_index,
                 std::int64_t classes, std::size_t records, ImageSet& set) {
  constexpr std::size_t kPixels = 3 * 32 * 32;
  const std::size_t record = static_cast<std::size_t>(label_bytes) + kPixels;
  if (bytes.empty() || bytes.size() % record != 0)
    throw DataError(what + ": " + std::to_string(bytes.size()) + " bytes is not a whole number of " +
                    std::to_string(record) + "-byte records (truncated from byte " +
                    std::to_string(bytes.size() - bytes.size() % record) + ", or not the CIFAR binary version)");
  set.channels = 3, set.height = 32, set.width = 32;
  const std::size_t n = bytes.size() / record;
  if (records > 0 && n != records)
    throw DataError(what + ": " + std::to_string(n) + " records, but the official file has " +
                    std::to_string(records) + " (" + (n < records ? "cut short" : "longer than the original") +
                    "); download it again, or set official_sizes = false for a subset you made yourself");
  set.pixels.reserve(set.pixels.size() + n * kPixels);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t at = i * record;
    const auto label = static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(label_index)]);
    if (label >= classes)
      throw DataError(what + ": label " + std::to_string(label) + " at byte " +
                      std::to_string(at + static_cast<std::size_t>(label_index)) + " (record " + std::to_string(i) +
                      ") is not below " + std::to_string(classes) + "; the file is corrupt");
    set.labels.push_back(label);
    set.pixels.insert(set.pixels.end(), bytes.begin() + static_cast<std::ptrdiff_t>(at + label_bytes),
                      bytes.begin() + static_cast<std::ptrdiff_t>(at + record));
  }
}

fs::path find_file(const fs::path& folder, const std::string& name) {
  if (fs::is_regular_file(folder / name)) return folder / name;
  if (fs::is_regular_file(folder / (name + ".gz"))) return folder / (name + ".gz");
  return {};
}

namespace {

std::string basename_of(const std::string& member) {
  const auto slash = member.find_last_of('/');
  return slash == std::string::npos ? member : member.substr(slash + 1);
}

std::string expected_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

std::vector<NamedFile> read_named_files(const fs::path& root, const std::vector<std::string>& names,
                                        const std::string& hint) {
  if (root.empty())
    throw ConfigError("[dataset] root is not set: point it at the folder or archive holding " + expected_list(names) +
                      " (" + hint + ")");
  if (!fs::exists(root))
    throw DataError("dataset root " + root.string() + " does not exist; it should hold " + expected_list(names) +
                    " (" + hint + ")");
  std::vector<NamedFile> files;
  if (fs::is_directory(root)) {
    std::vector<std::string> missing;
    for (const auto& n : names) {
      const fs::path f = find_file(root, n);
      if (f.empty()) missing.push_back(n);
      else files.push_back({f.string(), read_bytes(f)});
    }
    if (!missing.empty())
      throw DataError("dataset folder " + root.string() + " lacks " + expected_list(missing) + "; expected " +
                      expected_list(names) + " (" + hint + ")");
    return files;
  }
  const auto members = read_archive(root, [&](const std::string& member) {
    return member.find("__MACOSX") == std::string::npos &&
           std::find(names.begin(), names.end(), basename_of(member)) != names.end();
  });
  std::vector<std::string> missing;
  for (const auto& n : names) {
    const auto it = std::find_if(members.begin(), members.end(), [&](const auto& m) { return basename_of(m.first) == n; });
    if (it == members.end()) missing.push_back(n);
    else files.push_back({root.string() + ":" + it->first, it->second});
  }
  if (!missing.empty())
    throw DataError("archive " + root.string() + " lacks " + expected_list(missing) + "; expected " +
                    expected_list(names) + " (" + hint + ")");
  return files;
}

ImageSet idx_image_set(const NamedFile& images, const NamedFile& labels, std::int64_t classes) {
  const IdxArray pixels = parse_idx(images.bytes, images.where, 3);
  const IdxArray tags = parse_idx(labels.bytes, labels.where, 1);
  if (pixels.dims[0] != tags.dims[0])
    throw DataError(images.where + " holds " + std::to_string(pixels.dims[0]) + " images but " + labels.where +
                    " holds " + std::to_string(tags.dims[0]) + " labels; the files do not belong together");
  for (int d : {1, 2})
    if (pixels.dims[static_cast<std::size_t>(d)] < 1 || pixels.dims[static_cast<std::size_t>(d)] > 65536)
      throw DataError(images.where + ": images of " + std::to_string(pixels.dims[1]) + " x " +
                      std::to_string(pixels.dims[2]) + " pixels (IDX header); expected 1 to 65536 rows and columns");
  ImageSet set;
  set.channels = 1, set.height = pixels.dims[1], set.width = pixels.dims[2];
  set.pixels.assign(pixels.data.begin(), pixels.data.end());
  for (std::size_t i = 0; i < tags.data.size(); ++i) {
    const auto label = static_cast<unsigned char>(tags.data[i]);
    if (label >= classes)
      throw DataError(labels.where + ": label " + std::to_string(label) + " at byte " + std::to_string(8 + i) +
                      " is not below " + std::to_string(classes) + "; the file is corrupt");
    set.labels.push_back(label);
  }
  return set;
}

std::pair<ImageSet, ImageSet> read_mnist_layout(const fs::path& root, std::int64_t classes, const std::string& hint) {
  if (!root.empty() && fs::exists(root) && !fs::is_directory(root))
    throw DataError(root.string() + " is a file; root must be the folder holding the four IDX files");
  const auto files = read_named_files(
      root, {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
      hint);
  return {idx_image_set(files[0], files[1], classes), idx_image_set(files[2], files[3], classes)};
}

}  // namespace automl::data
