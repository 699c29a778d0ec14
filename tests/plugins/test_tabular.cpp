#include <boost/test/unit_test.hpp>

#include <cmath>

#include "automl/experiment/experiment.hpp"
#include "automl/run/run_loop.hpp"
#include "test_support.hpp"

namespace tabular {
namespace {

namespace fs = std::filesystem;

automl::Components build(const automl::Registry& registry, const std::string& evaluator_body) {
  const std::string text = "[experiment]\nbudget_trials=1\n[search_space]\ntype=\"nasbench201\"\n"
                           "[strategy]\ntype=\"random\"\n[evaluator]\ntype=\"tabular\"\n" + evaluator_body;
  return automl::build_components(automl::parse_experiment(text, "exp.toml", "/"), registry);
}

std::string table_line(std::size_t index) {
  std::ifstream in(automl::test::nb201_table());
  std::string line;
  for (std::size_t i = 0; i <= index + 1; ++i) std::getline(in, line);
  return line;
}

// The first `lines` lines of the real table, cut `cut` bytes short.
fs::path truncated_copy(const std::string& name, std::size_t lines, std::size_t cut) {
  std::ifstream in(automl::test::nb201_table());
  std::string text, line;
  for (std::size_t i = 0; i < lines && std::getline(in, line); ++i) text += line + "\n";
  const auto file = automl::test::scratch_dir(name) / "nb201.csv";
  automl::test::write_file(file, text.substr(0, text.size() - cut));
  return file;
}

std::string table_key(const fs::path& file) { return "table = \"" + file.string() + "\"\n"; }

}  // namespace
}  // namespace tabular

BOOST_AUTO_TEST_SUITE(tabular)

BOOST_AUTO_TEST_CASE(known_best_cell_reads_back_its_published_values) {
  if (!automl::test::have_nb201()) return;
  automl::test::Plugins p;
  auto c = build(p.registry, table_key(automl::test::nb201_table()));
  const std::string row = table_line(6111);  // best c10_test_200 per SOURCE.md
  const std::string arch = automl::split(row, ',')[1];
  const auto result = c.evaluator->evaluate(c.space->parse(arch), {});
  BOOST_TEST(result.metrics.at("c10_test_200") == 94.3733);
  BOOST_TEST(result.score == std::stod(automl::split(row, ',')[3]));
  BOOST_TEST(result.metrics.count("params_M") == 1u);
  auto twelve = build(p.registry, table_key(automl::test::nb201_table()) + "search_column = \"c10valid_val_12\"\n");
  BOOST_TEST(twelve.evaluator->evaluate(c.space->parse(arch), {}).score == std::stod(automl::split(row, ',')[8]));
}

BOOST_AUTO_TEST_CASE(fidelities_read_the_12_and_200_epoch_columns) {
  if (!automl::test::have_nb201()) return;
  automl::test::Plugins p;
  auto c = build(p.registry, table_key(automl::test::nb201_table()));
  const auto range = c.evaluator->fidelities();
  BOOST_REQUIRE(range.has_value());
  BOOST_TEST(range->min == 12.0);
  BOOST_TEST(range->max == 200.0);
  BOOST_TEST(range->levels == (std::vector<double>{12, 200}), boost::test_tools::per_element());
  const auto fields = automl::split(table_line(6111), ',');
  const auto arch = c.space->parse(fields[1]);
  const auto at = [&](automl::Components& with, double fidelity) {
    automl::TrialContext ctx;
    ctx.fidelity = fidelity;
    return with.evaluator->evaluate(arch, ctx);
  };
  for (const double asked : {12.0, 5.0}) {  // the smallest column that covers the budget
    const auto r = at(c, asked);
    BOOST_TEST(r.score == std::stod(fields[8]));  // c10valid_val_12
    BOOST_TEST(r.fidelity == 12.0);
    BOOST_TEST(r.metrics.count("c10valid_val_12") == 1u);
    BOOST_TEST(r.metrics.count("c10valid_val_200") == 0u);  // the full answer does not leak
    BOOST_TEST(r.metrics.at("c10_test_200") == 94.3733);     // the report column always
  }
  for (const double asked : {100.0, 200.0, 0.0}) {
    const auto r = at(c, asked);
    BOOST_TEST(r.score == std::stod(fields[3]));  // c10valid_val_200
    BOOST_TEST(r.fidelity == 200.0);
  }
  // Other search columns find their 12-epoch counterpart by NAS-Bench-201's names.
  auto test = build(p.registry, table_key(automl::test::nb201_table()) + "search_column = \"c10_test_200\"\n");
  BOOST_TEST(at(test, 12).score == std::stod(fields[9]));  // c10_test_12
  auto twelve = build(p.registry, table_key(automl::test::nb201_table()) + "search_column = \"c10valid_val_12\"\n");
  BOOST_TEST(!twelve.evaluator->fidelities().has_value());
  auto off = build(p.registry, table_key(automl::test::nb201_table()) + "fidelities = []\n");
  BOOST_TEST(!off.evaluator->fidelities().has_value());
  BOOST_TEST(at(off, 0).fidelity == 0.0);
  const auto wrong = automl::test::error_of([&] {
    build(p.registry, table_key(automl::test::nb201_table()) +
                          "fidelity_columns = [\"c10valid_val_12\", \"c10_test_200\"]\n");
  });
  BOOST_TEST(wrong.find("must be search_column") != std::string::npos, wrong);
  const auto order = automl::test::error_of(
      [&] { build(p.registry, table_key(automl::test::nb201_table()) + "fidelities = [200, 12]\n"); });
  BOOST_TEST(order.find("positive and increasing") != std::string::npos, order);
}

BOOST_AUTO_TEST_CASE(missing_file_and_column_are_explained) {
  automl::test::Plugins p;
  const auto missing = automl::test::error_of([&] { build(p.registry, "table = \"/no/such/nb201.csv\"\n"); });
  BOOST_TEST(missing.find("/no/such/nb201.csv does not exist") != std::string::npos, missing);
  BOOST_TEST(missing.find("SOURCE.md") != std::string::npos, missing);
  const auto required = automl::test::error_of([&] { build(p.registry, ""); });
  BOOST_TEST(required.find("missing required key [evaluator] table") != std::string::npos, required);
  if (!automl::test::have_nb201()) return;
  const auto column = automl::test::error_of(
      [&] { build(p.registry, table_key(automl::test::nb201_table()) + "search_column = \"c10_val\"\n"); });
  BOOST_TEST(column.find("column 'c10_val' is not in") != std::string::npos, column);
  BOOST_TEST(column.find("c10valid_val_200") != std::string::npos, column);
}

BOOST_AUTO_TEST_CASE(truncated_tables_are_refused) {
  if (!automl::test::have_nb201()) return;
  automl::test::Plugins p;
  const auto short_file = truncated_copy("tabular_short", 101, 0);
  const auto rows = automl::test::error_of([&] { build(p.registry, table_key(short_file)); });
  BOOST_TEST(rows.find("has 100 rows, expected 15625") != std::string::npos, rows);
  const auto cut_file = truncated_copy("tabular_cut", 101, 200);
  const auto cut = automl::test::error_of([&] { build(p.registry, table_key(cut_file)); });
  BOOST_TEST(cut.find("nb201.csv:101: expected 16 fields") != std::string::npos, cut);
  BOOST_TEST(cut.find("truncated") != std::string::npos, cut);
}

BOOST_AUTO_TEST_CASE(corrupt_numbers_name_file_and_line) {
  if (!automl::test::have_nb201()) return;
  automl::test::Plugins p;
  const auto file = truncated_copy("tabular_corrupt", 4, 0);
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  auto fields = automl::split(lines[2], ',');
  fields[2] = "x";  // params_M of the second data row, file line 3
  std::string text;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string line = lines[i];
    if (i == 2) {
      line.clear();
      for (const auto& f : fields) line += (line.empty() ? "" : ",") + f;
    }
    text += line + "\n";
  }
  automl::test::write_file(file, text);
  const auto msg = automl::test::error_of([&] { build(p.registry, table_key(file) + "expected_rows = 0\n"); });
  BOOST_TEST(msg.find("nb201.csv:3: column") != std::string::npos, msg);
  BOOST_TEST(msg.find("not a number") != std::string::npos, msg);
}

// A copy of the table's first rows with field `field` of file line `line` replaced.
fs::path edited_copy(const std::string& name, std::size_t line, std::size_t field, const std::string& value) {
  const auto file = truncated_copy(name, 6, 0);
  std::ifstream in(file);
  std::string text;
  std::size_t n = 0;
  for (std::string row; std::getline(in, row);) {
    if (++n == line) {
      auto fields = automl::split(row, ',');
      fields[field] = value;
      row.clear();
      for (const auto& f : fields) row += (row.empty() ? "" : ",") + f;
    }
    text += row + "\n";
  }
  in.close();
  automl::test::write_file(file, text);
  return file;
}

BOOST_AUTO_TEST_CASE(every_row_is_checked_at_load) {
  if (!automl::test::have_nb201()) return;
  automl::test::Plugins p;
  // NaN parses as a number but is no accuracy: refused at load, not as 300 failed trials.
  const auto nan = automl::test::error_of(
      [&] { build(p.registry, table_key(edited_copy("tabular_nan", 4, 3, "nan")) + "expected_rows = 0\n"); });
  BOOST_TEST(nan.find("nb201.csv:4: column 'c10valid_val_200' holds 'nan', not a finite number") != std::string::npos,
             nan);
  const auto arch = automl::test::error_of([&] {
    build(p.registry, table_key(edited_copy("tabular_arch", 5, 1, "|nor_conv_3x3~0|+|bogus~1|")) + "expected_rows = 0\n");
  });
  BOOST_TEST(arch.find("nb201.csv:5: architecture '|nor_conv_3x3~0|+|bogus~1|' is not an architecture of the "
                       "search space") != std::string::npos,
             arch);
}

BOOST_AUTO_TEST_CASE(a_missing_column_points_at_its_key) {
  if (!automl::test::have_nb201()) return;
  automl::test::Plugins p;
  const std::string text = "[experiment]\nbudget_trials = 1\n[search_space]\ntype = \"nasbench201\"\n"
                           "[strategy]\ntype = \"random\"\n[evaluator]\ntype = \"tabular\"\n" +
                           table_key(automl::test::nb201_table()) + "report_column = \"c10_tset_200\"\n";
  const auto msg = automl::test::error_of(
      [&] { automl::build_components(automl::parse_experiment(text, "exp.toml", "/"), p.registry); });
  BOOST_TEST(msg.find("exp.toml:10:1: [evaluator] report_column: column 'c10_tset_200' is not in") !=
                 std::string::npos,
             msg);
}

BOOST_AUTO_TEST_SUITE_END()
