// The pieces of HTML pages: escaping, inlining SVG documents, and the charts
// (their axes, points and bars) as SVG.

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <regex>

#include "automl/run/html.hpp"

namespace page = automl::html;

namespace html {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

}  // namespace
}  // namespace html

BOOST_AUTO_TEST_SUITE(html)

BOOST_AUTO_TEST_CASE(escaping_and_inlining) {
  BOOST_TEST(page::escape("a<b & \"c\">") == "a&lt;b &amp; &quot;c&quot;&gt;");
  BOOST_TEST(page::escape("|none~0|+|") == "|none~0|+|");
  const std::string doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE svg>\n<svg width=\"2\"><g/></svg>\n";
  BOOST_TEST(page::inline_svg(doc) == "<svg width=\"2\"><g/></svg>");
  BOOST_TEST(page::inline_svg("not a picture").empty());
  const std::string page = page::page_start("run <1>", "<script>x</script>");
  BOOST_TEST(page.find("<title>run &lt;1&gt;</title>") != std::string::npos);
  BOOST_TEST(page.find("<script>x</script></head>") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(line_chart_axes_and_series) {
  page::LineChart chart{"Best <so far>", "trials", "score", {}};
  chart.series.push_back({"nao", {{1, 0.5}, {2, 0.7}, {3, 0.9}}, true});
  chart.series.push_back({"random", {{1, 0.4}, {3, NAN}, {4, 0.6}}, false});
  const std::string svg = page::line_chart(chart);
  BOOST_TEST(svg.rfind("<svg", 0) == 0);
  BOOST_TEST(svg.find("</svg>") == svg.size() - 6);
  BOOST_TEST(svg.find("Best &lt;so far&gt;") != std::string::npos);
  // Round y ticks 0.4 ... 0.9 in steps of 0.1, x ticks 1 ... 4.
  for (const char* tick : {">0.4<", ">0.5<", ">0.9<", ">1<", ">4<"}) BOOST_TEST(svg.find(tick) != std::string::npos, tick);
  // One path per series: a staircase (H/V) and straight segments (L) without the NaN.
  BOOST_TEST(count(svg, "<path") == 2);
  BOOST_TEST(count(svg, " H") == 2);
  BOOST_TEST(count(svg, " L") == 1);
  // A legend names both series.
  BOOST_TEST(svg.find(">nao</text>") != std::string::npos);
  BOOST_TEST(svg.find(">random</text>") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(empty_and_degenerate_charts) {
  const std::string empty = page::line_chart({"Nothing", "x", "y", {{"s", {}}}});
  BOOST_TEST(empty.find("no points yet") != std::string::npos);
  BOOST_TEST(empty.find("<path") == std::string::npos);
  // One point, and every y equal: a dot on a widened axis, no NaN in the picture.
  const std::string one = page::line_chart({"One", "x", "y", {{"s", {{5, 2.0}}}}});
  BOOST_TEST(one.find("<circle") != std::string::npos);
  BOOST_TEST(one.find("nan") == std::string::npos);
  BOOST_TEST(page::histogram({"None", "score", {NAN}}).find("no scores yet") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(histogram_counts_every_value_once) {
  page::Histogram h{"Scores", "score", {0.1, 0.1, 0.2, 0.5, 0.9, 1.0, NAN}, 4};
  const std::string svg = page::histogram(h);
  // Bars of 2 + 1 (0.1-0.325), 1 (0.55-0.775 holds none: 0.5 is in the second), ...
  const std::regex bar("</title></rect>");
  BOOST_TEST(static_cast<int>(std::distance(std::sregex_iterator(svg.begin(), svg.end(), bar), std::sregex_iterator())) == 3);
  int total = 0;
  const std::regex label(R"(: (\d+)</title>)");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), label); it != std::sregex_iterator(); ++it)
    total += std::stoi((*it)[1]);
  BOOST_TEST(total == 6);
}

BOOST_AUTO_TEST_SUITE_END()
