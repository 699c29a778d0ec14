// The directory lock: flock(2) on <dir>/lock, whose text names the holder.

#include "automl/run/run_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "automl/error.hpp"
#include "automl/text.hpp"

namespace automl {

namespace {

std::string read_all(int fd) {
  std::string text;
  char buffer[256];
  ssize_t n = 0;
  lseek(fd, 0, SEEK_SET);
  while ((n = read(fd, buffer, sizeof buffer)) > 0 && text.size() < 4096) text.append(buffer, static_cast<std::size_t>(n));
  return text;
}

}  // namespace

DirectoryLock::DirectoryLock(const std::filesystem::path& dir) {
  const auto file = dir / "lock";
  fd_ = open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot open " + file.string() + ": " + std::strerror(errno));
  if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    std::string holder = printable(read_all(fd_));
    close(fd_);
    fd_ = -1;
    if (error != EWOULDBLOCK)
      throw Error("cannot lock " + file.string() + ": " + std::strerror(error));
    if (holder.empty()) holder = "another process";
    throw UsageError(dir.string() + " is in use by " + holder +
                     ": one process at a time writes a run or comparison directory. Wait for it to end, or stop "
                     "it (Ctrl-C, or kill that PID) and then resume.");
  }
  const std::string text = "automl PID " + std::to_string(getpid()) + " on host " + host_name() + " since " + utc_now();
  if (ftruncate(fd_, 0) != 0 || pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
    throw Error("cannot write " + file.string() + ": " + std::strerror(errno));
}

DirectoryLock::DirectoryLock(DirectoryLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) close(fd_);  // releases the lock; the file stays, naming the last holder
}

}  // namespace automl
