// DOT text of architecture cells, and rendering it with Graphviz's `dot`.

#include "automl/graph.hpp"

#include <cstdlib>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "automl/error.hpp"
#include "automl/text.hpp"

namespace automl {

namespace fs = std::filesystem;

namespace {

// A DOT string literal.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

const char* fill(CellGraph::Role role) {
  switch (role) {
    case CellGraph::Role::input: return "#c7e9c0";
    case CellGraph::Role::output: return "#fdd49e";
    case CellGraph::Role::node: break;
  }
  return "#c6dbef";
}

// Long titles (a NASNet cell pair's text) broken at spaces into lines of
// about `width` characters.
std::string wrapped(const std::string& text, std::size_t width) {
  std::string out, line;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    start = end + 1;
  }
  return out + line;
}

}  // namespace

std::string to_dot(const std::vector<CellGraph>& cells, const std::string& title) {
  std::string out = "digraph architecture {\n";
  out += "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=14, labelloc=t, label=" +
         quoted(wrapped(title, 90)) + "];\n";
  out += "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=13, penwidth=1.2];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=11, arrowsize=0.7, color=\"#555555\"];\n";
  // Graphviz stacks unconnected clusters bottom-up: the last written is on
  // top, so the cells are written last first.
  for (std::size_t k = cells.size(); k-- > 0;) {
    const std::size_t c = k;
    const CellGraph& cell = cells[c];
    const std::string prefix = "c" + std::to_string(c) + "_";
    std::set<std::string> ids;
    out += fmt::format("  subgraph cluster_{} {{\n    label={}; style=rounded; color=\"#bbbbbb\";\n", c,
                       quoted(cell.title));
    for (const auto& n : cell.nodes) {
      ids.insert(n.id);
      out += fmt::format("    {} [label={}, fillcolor=\"{}\"{}];\n", quoted(prefix + n.id), quoted(n.label),
                         fill(n.role), n.role == CellGraph::Role::node ? "" : ", shape=ellipse");
    }
    for (const auto& e : cell.edges) {
      if (!ids.count(e.from) || !ids.count(e.to))
        throw Error("a cell graph's edge " + e.from + " -> " + e.to + " names a node the cell lacks");
      out += fmt::format("    {} -> {}{};\n", quoted(prefix + e.from), quoted(prefix + e.to),
                         e.label.empty() ? std::string() : " [label=" + quoted(e.label) + "]");
    }
    out += "  }\n";
  }
  return out + "}\n";
}

bool have_graphviz() { return std::system("command -v dot > /dev/null 2>&1") == 0; }

void draw_dot(const std::string& dot, const fs::path& file) {
  const std::string ext = file.extension().string();
  if (ext != ".dot" && ext != ".svg" && ext != ".png")
    throw UsageError("cannot draw to '" + file.string() + "': name a .svg, .png or .dot file");
  if (file.has_parent_path()) fs::create_directories(file.parent_path());
  const fs::path source = ext == ".dot" ? file : fs::path(file.string() + ".dot");
  {
    std::ofstream out(source);
    out << dot;
    if (!out) throw Error("cannot write " + source.string());
  }
  if (ext == ".dot") return;
  if (!have_graphviz()) {
    fs::remove(source);
    throw Error("drawing " + file.string() + " needs Graphviz's `dot` (apt install graphviz); the .dot form "
                "needs nothing: name a .dot file");
  }
  const fs::path log = file.string() + ".log";
  const std::string command = "dot -T" + ext.substr(1) + " " + shell_quote(source.string()) + " -o " +
                              shell_quote(file.string()) + " 2> " + shell_quote(log.string());
  const int status = std::system(command.c_str());
  fs::remove(source);
  if (status != 0) {
    std::ifstream in(log);
    std::string first;
    std::getline(in, first);
    throw Error("Graphviz's dot failed to draw " + file.string() + (first.empty() ? "" : ": " + first));
  }
  fs::remove(log);
}

}  // namespace automl
