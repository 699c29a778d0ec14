#pragma once
// Pictures of architectures: a search space describes its cells as small
// graphs (SearchSpace::graphs), the core writes them as Graphviz DOT in one
// style (as DARTS draws cells: input states, intermediate nodes, one output,
// the operations on the edges) and renders them with Graphviz's `dot`.

#include <filesystem>
#include <string>
#include <vector>

namespace automl {

/// One cell of an architecture as a directed graph.
struct CellGraph {
  enum class Role { input, node, output };
  struct Node {
    std::string id;     ///< unique within the cell
    std::string label;  ///< what the picture shows
    Role role = Role::node;
  };
  /// An edge from one node to another; `label` is the operation applied on
  /// it ("" for a plain connection, e.g. into the output's concatenation).
  struct Edge {
    std::string from, to, label;
  };
  std::string title;  ///< e.g. "normal cell"; "" for a space of one cell
  std::vector<Node> nodes;
  std::vector<Edge> edges;
};

/// The cells as one DOT graph, each cell a cluster; `title` on top. Throws
/// Error when an edge names a node its cell does not have.
std::string to_dot(const std::vector<CellGraph>& cells, const std::string& title);

/// Writes `dot` to `file`: as it is for a .dot file, rendered by Graphviz's
/// `dot` for .svg and .png. Throws UsageError for another extension and
/// Error when `dot` is missing or fails (saying how to install it).
void draw_dot(const std::string& dot, const std::filesystem::path& file);

/// True when Graphviz's `dot` is on the PATH.
bool have_graphviz();

}  // namespace automl
