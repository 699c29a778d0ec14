// Pictures of architectures: each space's cell graphs, their DOT text, and
// rendering through Graphviz (checked by the files' signatures).

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "automl/graph.hpp"
#include "test_support.hpp"

// Not anonymous: the suite's test cases derive from its Fixture.
namespace graphs {

using automl::CellGraph;

std::unique_ptr<automl::SearchSpace> make_space(const automl::Registry& registry, const std::string& type) {
  return registry.make<automl::SearchSpace>(type, automl::Section("search_space", type, {}, {}), automl::Context{},
                                            {});
}

bool has_edge(const CellGraph& g, const std::string& from, const std::string& to, const std::string& label) {
  return std::any_of(g.edges.begin(), g.edges.end(),
                     [&](const CellGraph::Edge& e) { return e.from == from && e.to == to && e.label == label; });
}

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

struct Fixture {
  automl::test::Plugins plugins;
};

}  // namespace graphs

BOOST_FIXTURE_TEST_SUITE(graphs, Fixture)

BOOST_AUTO_TEST_CASE(nasbench201_draws_its_four_node_dag_without_none_edges) {
  const auto space = make_space(plugins.registry, "nasbench201");
  const auto best = space->graphs(space->parse(
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"));
  BOOST_REQUIRE(best.size() == 1u);
  BOOST_TEST(best[0].nodes.size() == 4u);
  BOOST_TEST(best[0].edges.size() == 6u);
  BOOST_TEST(has_edge(best[0], "0", "1", "nor_conv_3x3"));
  BOOST_TEST(has_edge(best[0], "0", "3", "skip_connect"));
  BOOST_TEST(has_edge(best[0], "2", "3", "nor_conv_1x1"));
  BOOST_TEST((best[0].nodes[3].role == CellGraph::Role::output));
  const auto sparse = space->graphs(space->parse("|none~0|+|none~0|avg_pool_3x3~1|+|none~0|none~1|skip_connect~2|"));
  BOOST_TEST(sparse[0].edges.size() == 2u);
  BOOST_TEST(has_edge(sparse[0], "1", "2", "avg_pool_3x3"));
}

BOOST_AUTO_TEST_CASE(nasnet_draws_both_cells_with_their_loose_ends_concatenated) {
  const auto space = make_space(plugins.registry, "nasnet_cnn");
  automl::Random rng(3);
  const auto arch = space->sample(rng);
  const auto cells = space->graphs(arch);
  BOOST_REQUIRE(cells.size() == 2u);
  BOOST_TEST(cells[0].title == "normal cell");
  BOOST_TEST(cells[1].title == "reduction cell");
  for (std::size_t c = 0; c < 2; ++c) {
    BOOST_TEST(cells[c].nodes.size() == 8u);  // two inputs, five nodes, the output
    std::vector<bool> read_by_a_node(7, false);
    std::size_t operations = 0;
    for (const auto& e : cells[c].edges) {
      if (e.to == "out") continue;
      ++operations;
      read_by_a_node[std::stoul(e.from)] = true;
    }
    BOOST_TEST(operations == 10u);  // two per node
    for (std::size_t id = 0; id < 7; ++id)
      BOOST_TEST(has_edge(cells[c], std::to_string(id), "out", "") == !read_by_a_node[id], "state " << id);
  }
  // Gene layout (x input, x op, y input, y op per node): node 0's x edge.
  const int x_input = arch.genes[0];
  BOOST_TEST(has_edge(cells[0], std::to_string(x_input), "2", space->decisions()[1].choices[arch.genes[1]]));
}

BOOST_AUTO_TEST_CASE(rnn_cell_draws_its_chain_of_activations) {
  const auto space = make_space(plugins.registry, "rnn_cell");
  const auto cells = space->graphs(space->parse("naonet_ptb"));
  BOOST_REQUIRE(cells.size() == 1u);
  BOOST_TEST(cells[0].nodes.size() == 15u);  // x, h, s0..s11, h_t
  BOOST_TEST(cells[0].edges.size() == 2u + 11u + 11u);
  BOOST_TEST(has_edge(cells[0], "0", "1", "relu"));  // NAONet PTB: s1 = relu(s0)
}

BOOST_AUTO_TEST_CASE(dot_text_quotes_and_checks_its_edges) {
  CellGraph g;
  g.title = "a \"cell\"";
  g.nodes = {{"0", "in", CellGraph::Role::input}, {"1", "out", CellGraph::Role::output}};
  g.edges = {{"0", "1", "sep_conv_3x3"}};
  const std::string dot = automl::to_dot({g}, "title");
  BOOST_TEST(dot.find("\"c0_0\" -> \"c0_1\" [label=\"sep_conv_3x3\"]") != std::string::npos, dot);
  BOOST_TEST(dot.find("label=\"a \\\"cell\\\"\"") != std::string::npos, dot);
  g.edges.push_back({"0", "7", ""});
  const auto msg = automl::test::error_of([&] { automl::to_dot({g}, "t"); });
  BOOST_TEST(msg.find("names a node the cell lacks") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(renders_svg_and_png_with_graphviz) {
  const auto space = make_space(plugins.registry, "nasbench201");
  const auto arch = space->parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|");
  const std::string dot = automl::to_dot(space->graphs(arch), space->to_text(arch));
  const auto dir = automl::test::scratch_dir("graphs");
  automl::draw_dot(dot, dir / "cell.dot");
  BOOST_TEST(read(dir / "cell.dot") == dot);
  const auto bad = automl::test::error_of([&] { automl::draw_dot(dot, dir / "cell.jpg"); });
  BOOST_TEST(bad.find("name a .svg, .png or .dot file") != std::string::npos, bad);
  if (!automl::have_graphviz()) {
    BOOST_TEST_MESSAGE("SKIPPED rendering: Graphviz's dot is not installed (apt install graphviz)");
    return;
  }
  automl::draw_dot(dot, dir / "sub" / "cell.svg");
  const std::string svg = read(dir / "sub" / "cell.svg");
  BOOST_TEST(svg.find("<svg") != std::string::npos);
  BOOST_TEST(svg.find("nor_conv_1x1") != std::string::npos);
  automl::draw_dot(dot, dir / "cell.png");
  BOOST_TEST(read(dir / "cell.png").rfind("\x89PNG\r\n\x1a\n", 0) == 0u);
  BOOST_TEST(!std::filesystem::exists(dir / "cell.png.dot"));  // no leftovers
  BOOST_TEST(!std::filesystem::exists(dir / "cell.png.log"));
}

BOOST_AUTO_TEST_SUITE_END()
