#pragma once
// A benchmark table read from CSV: one row per architecture, keyed by the
// architecture's text form, with numeric columns.

#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

namespace tabular {

class Table final {
 public:
  /// Reads `file`; `key_column` holds the architecture text, `columns` the
  /// numeric columns to keep. Throws automl::DataError (missing file,
  /// truncated or malformed row: file and line) or ConfigError (unknown
  /// column, with the available ones).
  Table(const std::filesystem::path& file, const std::string& key_column, const std::vector<std::string>& columns);

  /// Row index of an architecture text, or -1.
  long find(const std::string& key) const;
  /// Value of kept column `c` (index into `columns`) in `row`.
  double value(long row, std::size_t c) const { return values_[static_cast<std::size_t>(row) * width_ + c]; }
  std::size_t rows() const { return keys_.size(); }
  const std::string& key(long row) const { return keys_[static_cast<std::size_t>(row)]; }

 private:
  std::size_t width_;
  std::vector<std::string> keys_;
  std::vector<double> values_;
  std::unordered_map<std::string, long> index_;
};

}  // namespace tabular
