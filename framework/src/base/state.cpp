// The tagged binary format of strategy and evaluator state.

#include "automl/state.hpp"

#include <cstring>

#include "automl/error.hpp"
#include "automl/text.hpp"

namespace automl {

// Each value is a one-byte tag followed by its bytes; sizes precede strings
// and lists. The tags catch a reader that is out of step with its writer.
namespace {
constexpr char kInt = 'i', kDouble = 'd', kString = 's', kInts = 'I', kDoubles = 'D', kArchs = 'A';
}

void StateWriter::put_raw(char tag, const void* data, std::size_t size) {
  bytes_ += tag;
  bytes_.append(static_cast<const char*>(data), size);
}

void StateWriter::put_int(std::int64_t v) { put_raw(kInt, &v, sizeof v); }
void StateWriter::put_double(double v) { put_raw(kDouble, &v, sizeof v); }

void StateWriter::put_string(const std::string& v) {
  const std::uint64_t n = v.size();
  put_raw(kString, &n, sizeof n);
  bytes_ += v;
}

void StateWriter::put_ints(const std::vector<int>& v) {
  const std::uint64_t n = v.size();
  put_raw(kInts, &n, sizeof n);
  bytes_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(int));
}

void StateWriter::put_doubles(const std::vector<double>& v) {
  const std::uint64_t n = v.size();
  put_raw(kDoubles, &n, sizeof n);
  bytes_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
}

void StateWriter::put_archs(const std::vector<Architecture>& v) {
  const std::uint64_t n = v.size();
  put_raw(kArchs, &n, sizeof n);
  for (const auto& a : v) put_arch(a);
}

StateReader::StateReader(std::string bytes, std::string what)
    : bytes_(std::move(bytes)), what_(std::move(what)) {}

void StateReader::get_raw(char tag, void* data, std::size_t size) {
  if (pos_ + 1 + size > bytes_.size())
    throw DataError("saved state of " + what_ + " is truncated at byte " + std::to_string(pos_) +
                    "; the run directory is damaged or from another version");
  if (bytes_[pos_] != tag)
    throw DataError("saved state of " + what_ + " does not match this plugin's format at byte " +
                    std::to_string(pos_) + " (expected '" + tag + "', found '" + printable(bytes_.substr(pos_, 1)) +
                    "'); was the plugin changed since the run was saved?");
  std::memcpy(data, bytes_.data() + pos_ + 1, size);
  pos_ += 1 + size;
}

std::size_t StateReader::get_size(char tag) {
  std::uint64_t n = 0;
  get_raw(tag, &n, sizeof n);
  if (n > bytes_.size() - pos_ && tag != kArchs)
    throw DataError("saved state of " + what_ + " is truncated at byte " + std::to_string(pos_));
  return static_cast<std::size_t>(n);
}

std::int64_t StateReader::get_int() {
  std::int64_t v = 0;
  get_raw(kInt, &v, sizeof v);
  return v;
}

double StateReader::get_double() {
  double v = 0;
  get_raw(kDouble, &v, sizeof v);
  return v;
}

std::string StateReader::get_string() {
  const std::size_t n = get_size(kString);
  std::string v = bytes_.substr(pos_, n);
  pos_ += n;
  return v;
}

std::vector<int> StateReader::get_ints() {
  const std::size_t n = get_size(kInts);
  if (n * sizeof(int) > bytes_.size() - pos_)
    throw DataError("saved state of " + what_ + " is truncated at byte " + std::to_string(pos_));
  std::vector<int> v(n);
  if (n > 0) std::memcpy(v.data(), bytes_.data() + pos_, n * sizeof(int));
  pos_ += n * sizeof(int);
  return v;
}

std::vector<double> StateReader::get_doubles() {
  const std::size_t n = get_size(kDoubles);
  if (n * sizeof(double) > bytes_.size() - pos_)
    throw DataError("saved state of " + what_ + " is truncated at byte " + std::to_string(pos_));
  std::vector<double> v(n);
  if (n > 0) std::memcpy(v.data(), bytes_.data() + pos_, n * sizeof(double));
  pos_ += n * sizeof(double);
  return v;
}

std::vector<Architecture> StateReader::get_archs() {
  const std::size_t n = get_size(kArchs);
  std::vector<Architecture> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(get_arch());
  return v;
}

}  // namespace automl
