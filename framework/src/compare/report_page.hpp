#pragma once
// A report page (private to the core): headings, paragraphs, tables and
// figures, written once and rendered as Markdown and as self-contained HTML.
// `code` spans in the text become <code> in HTML.

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace automl::detail {

/// One piece of the page. A heading's text starts with its Markdown level
/// ("# ", "## ", "### ").
struct Block {
  enum Kind { heading, paragraph, table, figure };
  Block(Kind k, std::string t = "", std::vector<std::vector<std::string>> r = {}, std::string f = "")
      : kind(k), text(std::move(t)), rows(std::move(r)), file(std::move(f)) {}

  Kind kind;
  std::string text;                             // heading, paragraph; figure: caption
  std::vector<std::vector<std::string>> rows;   // table: header first
  std::string file;                             // figure: basename without extension
};

/// Markdown; figures as <file>.png images with a note of the .svg.
std::string markdown(const std::vector<Block>& blocks);
/// One HTML page; figures inline from <dir>/<file>.svg.
std::string html(const std::vector<Block>& blocks, const std::filesystem::path& dir, const std::string& title);

}  // namespace automl::detail
