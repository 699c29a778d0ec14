#pragma once
// Small text helpers shared by the host's messages.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace automl {

/// Edit distance between two strings (insertions, deletions, substitutions).
std::size_t edit_distance(const std::string& a, const std::string& b);
/// The candidate closest to `word`, or "" when none is close enough to be a
/// plausible typo.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);
/// " (did you mean 'x'?)" or "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);
/// "a, b, c" with each item quoted as 'x'.
std::string quoted_list(const std::vector<std::string>& items);
/// Splits on a separator character; keeps empty parts.
std::vector<std::string> split(const std::string& text, char separator);
/// `text` as it may appear in a message: control characters, NUL and other
/// non-printing bytes escaped (\n, \t, \x00), and cut after `max_chars`
/// with a note of the full length, so that a message never dumps binary or
/// megabytes of input.
std::string printable(const std::string& text, std::size_t max_chars = 200);
/// The text up to its first newline (library errors, LibTorch's with a
/// backtrace after it).
std::string first_line(const std::string& text);
/// The text as one single-quoted POSIX shell word.
std::string shell_quote(const std::string& text);
/// Current UTC time as 2026-11-27T22:31:05Z.
std::string utc_now();
/// This machine's host name (gethostname), "unknown" when it has none.
std::string host_name();
/// The whole content of `file` (bytes as they are), or nullopt when it
/// cannot be opened.
std::optional<std::string> read_text(const std::filesystem::path& file);
/// Writes `text` to `file` (its folder created if missing) through
/// `file`.partial beside it, flushed to disk before the rename, so that a
/// reader, or a crash at any moment, finds `file` whole or absent. Throws
/// automl::Error naming the file when it cannot be written.
void write_text_atomically(const std::filesystem::path& file, const std::string& text);

}  // namespace automl
