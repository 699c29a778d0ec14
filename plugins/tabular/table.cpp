// Reading a benchmark table from CSV: header, key column, numeric columns,
// every row checked with its line number.

#include "table.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "automl/error.hpp"
#include "automl/text.hpp"

namespace tabular {

namespace {

std::vector<std::string> split_csv_line(const std::string& line) {
  // The benchmark tables hold no quoted fields; a quote means another format.
  std::vector<std::string> fields(1);
  for (char c : line) {
    if (c == ',') fields.emplace_back();
    else if (c != '\r') fields.back() += c;
  }
  return fields;
}

std::size_t column_index(const std::vector<std::string>& header, const Column& column,
                         const std::filesystem::path& file) {
  const auto it = std::find(header.begin(), header.end(), column.name);
  if (it != header.end()) return static_cast<std::size_t>(it - header.begin());
  std::string available;
  for (const auto& h : header) available += (available.empty() ? "" : ", ") + h;
  throw automl::ConfigError::for_key(column.key, "[evaluator] " + column.key + ": column '" + automl::printable(column.name) +
                                                     "' is not in " + file.string() + "; its columns are: " +
                                                     automl::printable(available, 600));
}

double parse_number(const std::string& text, const std::filesystem::path& file, std::size_t line,
                    const std::string& column) {
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  const bool number = !text.empty() && end == text.c_str() + text.size() && errno != ERANGE;
  if (!number || !std::isfinite(v))
    throw automl::DataError(file.string() + ":" + std::to_string(line) + ": column '" + column + "' holds '" +
                            automl::printable(text) + "', " + (number ? "not a finite number" : "not a number") +
                            "; the file is corrupt: fetch it again");
  return v;
}

std::ifstream open_table(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in)
    throw automl::ConfigError::for_key("table", "benchmark table " + file.string() + " " +
                            (std::filesystem::exists(file) ? "cannot be read" : "does not exist") +
                            ". Set [evaluator] table to the NAS-Bench-201 CSV (nb201.csv; see "
                            "shared/data/nasbench201/SOURCE.md for its columns and provenance).");
  return in;
}

}  // namespace

std::vector<std::string> read_header(const std::filesystem::path& file) {
  std::ifstream in = open_table(file);
  std::string line;
  if (!std::getline(in, line)) return {};
  return split_csv_line(line);
}

Table::Table(const std::filesystem::path& file, const Column& key_column, const std::vector<Column>& columns) {
  std::ifstream in = open_table(file);
  *this = Table(in, file.string(), key_column, columns);
}

Table::Table(std::istream& in, const std::string& file, const Column& key_column, const std::vector<Column>& columns)
    : width_(columns.size()) {
  std::string line;
  if (!std::getline(in, line) || line.empty())
    throw automl::DataError(file + " is empty: expected a CSV header line");
  const auto header = split_csv_line(line);
  const std::size_t key = column_index(header, key_column, file);
  std::vector<std::size_t> wanted;
  for (const auto& c : columns) wanted.push_back(column_index(header, c, file));

  for (std::size_t n = 2; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    const auto fields = split_csv_line(line);
    if (fields.size() != header.size())
      throw automl::DataError(file + ":" + std::to_string(n) + ": expected " +
                              std::to_string(header.size()) + " fields, found " + std::to_string(fields.size()) +
                              (in.eof() ? " (the file is truncated: fetch it again)" : ""));
    if (!index_.emplace(fields[key], static_cast<long>(keys_.size())).second)
      throw automl::DataError(file + ":" + std::to_string(n) + ": architecture '" +
                              automl::printable(fields[key]) + "' appears twice");
    keys_.push_back(fields[key]);
    lines_.push_back(n);
    for (std::size_t c = 0; c < wanted.size(); ++c)
      values_.push_back(parse_number(fields[wanted[c]], file, n, columns[c].name));
  }
}

long Table::find(const std::string& key) const {
  const auto it = index_.find(key);
  return it == index_.end() ? -1 : it->second;
}

}  // namespace tabular
