#pragma once
// One writer per run (or comparison) directory: an exclusive lock on its
// `lock` file, held while the object lives and released by the kernel when
// the process ends, kill -9 included. The file names its holder (PID, host,
// since when) for the message a second writer gets.

#include <filesystem>

namespace automl {

class DirectoryLock final {
 public:
  /// Locks `dir` (which must exist). Throws UsageError naming the holder's
  /// PID and host when another process holds it.
  explicit DirectoryLock(const std::filesystem::path& dir);
  ~DirectoryLock();
  DirectoryLock(DirectoryLock&& other) noexcept;
  DirectoryLock& operator=(DirectoryLock&&) = delete;
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace automl
