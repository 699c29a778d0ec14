#pragma once
// Saving and restoring a component's full state (weights, optimizer, pools,
// random generators) so that `automl resume` continues a run exactly. A plain
// binary archive: values are read back in the order they were written.
// Reading past the end or a value of another kind throws DataError.

#include <cstdint>
#include <string>
#include <vector>

#include "automl/architecture.hpp"

namespace automl {

class StateWriter final {
 public:
  void put_int(std::int64_t v);
  void put_double(double v);
  void put_string(const std::string& v);
  void put_ints(const std::vector<int>& v);
  void put_doubles(const std::vector<double>& v);
  void put_arch(const Architecture& a) { put_ints(a.genes); }
  void put_archs(const std::vector<Architecture>& v);

  const std::string& bytes() const { return bytes_; }

 private:
  void put_raw(char tag, const void* data, std::size_t size);
  std::string bytes_;
};

class StateReader final {
 public:
  /// `what` names the state in error messages ("strategy 'random'").
  StateReader(std::string bytes, std::string what);

  std::int64_t get_int();
  double get_double();
  std::string get_string();
  std::vector<int> get_ints();
  std::vector<double> get_doubles();
  Architecture get_arch() { return Architecture{get_ints()}; }
  std::vector<Architecture> get_archs();
  bool at_end() const { return pos_ == bytes_.size(); }

 private:
  void get_raw(char tag, void* data, std::size_t size);
  std::size_t get_size(char tag);
  std::string bytes_;
  std::string what_;
  std::size_t pos_ = 0;
};

}  // namespace automl
