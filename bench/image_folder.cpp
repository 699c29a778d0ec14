// image_folder on the CIFAR-10 JPEG copy (shared/data/cifar10): the time to
// read the .tar.gz, and to decode its 60,000 JPEGs into memory, one thread.
//   build/bin/bench_image_folder [ARCHIVE]

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "automl/data/files.hpp"
#include "reader.hpp"

namespace {

std::string cpu_name() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path archive =
      argc > 1 ? argv[1] : std::filesystem::path(AUTOML_SHARED_DIR) / "data/cifar10/cifar10-jpeg.tar.gz";
  if (!std::filesystem::exists(archive)) {
    std::printf("skipped: %s is absent (see shared/data/cifar10/SOURCE.md)\n", archive.c_str());
    return 0;
  }
  std::printf("CPU: %s, one thread\n", cpu_name().c_str());
  auto t = std::chrono::steady_clock::now();
  const auto members = automl::data::read_archive(archive, [](const std::string& p) { return p.size() > 4; });
  const double read_s = seconds_since(t);
  std::vector<std::pair<std::string, std::string>> files(members.begin(), members.end());
  t = std::chrono::steady_clock::now();
  const auto folder = image_folder::image_folder_from_members(files, archive.string(), {});
  const double decode_s = seconds_since(t);
  const auto images = folder.train.size() + folder.test.size();
  std::printf("read %zu archive members (%.1f MB of JPEG) in %.2f s\n", files.size(),
              [&] {
                double bytes = 0;
                for (const auto& f : files) bytes += static_cast<double>(f.second.size());
                return bytes / 1e6;
              }(),
              read_s);
  std::printf("decoded %lld images (%lld x %lld x %lld) in %.2f s: %.0f images/s\n", static_cast<long long>(images),
              static_cast<long long>(folder.train.channels), static_cast<long long>(folder.train.height),
              static_cast<long long>(folder.train.width), decode_s, static_cast<double>(images) / decode_s);
  std::printf("total %.2f s\n", read_s + decode_s);
  return 0;
}
