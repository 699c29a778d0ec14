#pragma once
// Reading dataset files: whole files (gzip-transparent), members of zip or
// tar(.gz) archives, IDX arrays and CIFAR binary records. Every failure is a
// DataError naming the file and, where it applies, the byte offset.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "automl/data/image_set.hpp"

namespace automl::data {

/// The bytes of a file, decompressed when it is gzipped.
std::string read_bytes(const std::filesystem::path& file);

/// Archive members (zip, tar, tar.gz) whose path `want` accepts, keyed by
/// path inside the archive. Directory entries are skipped.
std::map<std::string, std::string> read_archive(const std::filesystem::path& archive,
                                                const std::function<bool(const std::string&)>& want);

/// A file read for a dataset: where it came from (for messages) and its bytes.
struct NamedFile {
  std::string where;
  std::string bytes;
};

/// An IDX array (MNIST format): checks the magic number and dimensions.
/// `what` names the file in messages.
struct IdxArray {
  std::vector<std::int64_t> dims;
  std::string data;  ///< uint8 payload
};
IdxArray parse_idx(const std::string& bytes, const std::string& what, int expected_dims);

/// Appends CIFAR records (`label_bytes` label bytes, label taken from byte
/// `label_index`, then 3072 pixel bytes) to `set`, checking the size, that
/// labels are below `classes` and, when `records` > 0, that the file holds
/// exactly that many records (the official file's count).
void parse_cifar(const std::string& bytes, const std::string& what, int label_bytes, int label_index,
                 std::int64_t classes, std::size_t records, ImageSet& set);

/// Images and labels from an IDX image file ([N, rows, cols]) and its IDX
/// label file ([N]), checking that the counts agree and labels are below
/// `classes`.
ImageSet idx_image_set(const NamedFile& images, const NamedFile& labels, std::int64_t classes);

/// The file in `folder` whose name is `name` or `name`.gz, or "" when neither.
std::filesystem::path find_file(const std::filesystem::path& folder, const std::string& name);

/// The files `names` from `root`: a folder (each may be gzipped) or an
/// archive (.tar.gz, .tgz, .tar, .zip) holding them at any depth; macOS
/// `__MACOSX/` entries are skipped. Missing ones are a DataError that lists
/// every expected name, where they were looked for, and `hint` (where the
/// official files come from).
std::vector<NamedFile> read_named_files(const std::filesystem::path& root, const std::vector<std::string>& names,
                                        const std::string& hint);

/// The MNIST file layout in `root` (a folder; each file may be gzipped):
/// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
/// t10k-labels-idx1-ubyte. Checks that counts agree and labels are below
/// `classes`. Returns (training file, test file).
std::pair<ImageSet, ImageSet> read_mnist_layout(const std::filesystem::path& root, std::int64_t classes,
                                                const std::string& hint);

}  // namespace automl::data
