#pragma once
// A benchmark table read from CSV: one row per architecture, keyed by the
// architecture's text form, with numeric columns.

#include <filesystem>
#include <iosfwd>
#include <string>
#include <unordered_map>
#include <vector>

namespace tabular {

/// A column of the table and the evaluator key that named it (for messages).
struct Column {
  std::string name;
  std::string key;
};

/// The column names of the CSV file's header line ({} when the file has
/// none); throws ConfigError when the file cannot be opened.
std::vector<std::string> read_header(const std::filesystem::path& file);

class Table final {
 public:
  /// Reads `file`; `key_column` holds the architecture text, `columns` the
  /// numeric columns to keep, each a finite number in every row. Throws
  /// automl::DataError (truncated or malformed row, a value that is no finite
  /// number: file and line) or ConfigError for the key at fault (a missing
  /// file: `table`; an unknown column: its key, with the available ones).
  Table(const std::filesystem::path& file, const Column& key_column, const std::vector<Column>& columns);
  /// The same from a stream; `name` stands for the file in messages.
  Table(std::istream& in, const std::string& name, const Column& key_column, const std::vector<Column>& columns);

  /// Row index of an architecture text, or -1.
  long find(const std::string& key) const;
  /// Value of kept column `c` (index into `columns`) in `row`.
  double value(long row, std::size_t c) const { return values_[static_cast<std::size_t>(row) * width_ + c]; }
  std::size_t rows() const { return keys_.size(); }
  const std::string& key(long row) const { return keys_[static_cast<std::size_t>(row)]; }
  /// The file line `row` was read from (1-based; the header is line 1).
  std::size_t line(long row) const { return lines_[static_cast<std::size_t>(row)]; }

 private:
  std::size_t width_ = 0;
  std::vector<std::string> keys_;
  std::vector<std::size_t> lines_;
  std::vector<double> values_;
  std::unordered_map<std::string, long> index_;
};

}  // namespace tabular
