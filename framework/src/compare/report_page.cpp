// A report page rendered as Markdown and as self-contained HTML with inlined SVG figures.

#include "report_page.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "automl/run/html.hpp"
#include "automl/text.hpp"

namespace automl::detail {

namespace fs = std::filesystem;

namespace {

// `code` spans of the Markdown text as <code> in HTML.
std::string html_inline(const std::string& s) {
  std::string out;
  bool open = false;
  for (char c : html::escape(s)) {
    if (c == '`') out += (open = !open) ? "<code>" : "</code>";
    else out += c;
  }
  return out;
}

// A column of names or architectures (left-aligned) rather than numbers.
bool text_column(const Block& table, std::size_t column) {
  for (std::size_t r = 1; r < table.rows.size(); ++r)
    if (column < table.rows[r].size() && !table.rows[r][column].empty() && table.rows[r][column][0] == '`')
      return true;
  return column == 0;
}

// GitHub-flavoured Markdown ends a cell at '|', even inside a code span,
// unless it is escaped (NAS-Bench-201 architectures are full of them).
std::string table_cell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string read_svg(const fs::path& file) {
  return html::inline_svg(read_text(file).value_or(""));
}

}  // namespace

std::string markdown(const std::vector<Block>& blocks) {
  std::string out;
  for (const auto& b : blocks) {
    if (b.kind == Block::heading) out += b.text + "\n\n";
    if (b.kind == Block::paragraph) out += b.text + "\n\n";
    if (b.kind == Block::figure)
      out += fmt::format("![{}]({}.png)\n\n{} (also {}.svg)\n\n", b.text, b.file, b.text, b.file);
    if (b.kind == Block::table) {
      for (std::size_t r = 0; r < b.rows.size(); ++r) {
        out += "|";
        for (const auto& cell : b.rows[r]) out += " " + table_cell(cell) + " |";
        out += "\n";
        if (r == 0) {
          out += "|";
          for (std::size_t c = 0; c < b.rows[0].size(); ++c) out += text_column(b, c) ? "---|" : "---:|";
          out += "\n";
        }
      }
      out += "\n";
    }
  }
  return out;
}

std::string html(const std::vector<Block>& blocks, const fs::path& dir, const std::string& title) {
  std::string out = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + html::escape(title) +
                    "</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
                    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
                    "text-align:right}td:first-child,th:first-child{text-align:left}th{background:#f3f3f3}"
                    "code{background:#f3f3f3;padding:0 3px}figure{margin:1em 0}svg{max-width:100%;height:auto}"
                    "</style></head><body>\n";
  for (const auto& b : blocks) {
    if (b.kind == Block::heading) {
      const auto level = std::min<std::size_t>(b.text.find(' '), 3);
      out += fmt::format("<h{0}>{1}</h{0}>\n", level, html_inline(b.text.substr(level + 1)));
    }
    if (b.kind == Block::paragraph) out += "<p>" + html_inline(b.text) + "</p>\n";
    if (b.kind == Block::figure) {
      const std::string svg = read_svg(dir / (b.file + ".svg"));
      out += "<figure>" + (svg.empty() ? "<p>(figure missing)</p>" : svg) + "<figcaption>" + html_inline(b.text) +
             "</figcaption></figure>\n";
    }
    if (b.kind == Block::table) {
      out += "<table>\n";
      for (std::size_t r = 0; r < b.rows.size(); ++r) {
        out += "<tr>";
        for (std::size_t c = 0; c < b.rows[r].size(); ++c) {
          const std::string tag = r == 0 ? "th" : "td";
          out += "<" + tag + (text_column(b, c) ? " style=\"text-align:left\">" : ">") + html_inline(b.rows[r][c]) +
                 "</" + tag + ">";
        }
        out += "</tr>\n";
      }
      out += "</table>\n";
    }
  }
  return out + "</body></html>\n";
}


}  // namespace automl::detail
