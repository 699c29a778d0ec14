// Tabular evaluator: looks candidates up in a benchmark table (NAS-Bench-201
// by default) instead of training them. The search column is the score the
// strategy sees; the report column is what papers report for the chosen cell.

#include <cmath>

#include "automl/plugin.hpp"
#include "automl/text.hpp"
#include "table.hpp"

namespace {

class Tabular final : public automl::Evaluator {
 public:
  struct Options {
    std::string table;
    std::string key_column = "arch";
    std::string search_column = "c10valid_val_200";
    std::string report_column = "c10_test_200";
    std::vector<std::string> extra_columns = {"params_M"};
    std::int64_t expected_rows = 15625;
  };
  static const automl::Schema<Options>& schema() {
    static const auto s =
        automl::Schema<Options>(
            "Looks candidates up in a benchmark table (CSV) instead of training them: NAS-Bench-201's "
            "15,625 cells by default. Each lookup is one query of the trial budget. Score = the search "
            "column; metrics = the search, report and extra columns.")
            .field("table", &Options::table, "CSV file, relative to the experiment file").required()
            .field("key_column", &Options::key_column, "Column holding the architecture's text form")
            .field("search_column", &Options::search_column,
                   "Column used as the score, e.g. c10valid_val_200 or the 12-epoch c10valid_val_12")
            .field("report_column", &Options::report_column, "Column reported beside the score, e.g. c10_test_200")
            .field("extra_columns", &Options::extra_columns, "More columns copied into each trial's metrics")
            .field("expected_rows", &Options::expected_rows,
                   "Rows the table must have (catches truncated files); 0: any")
            .range(0, 1000000000)
            .example("table = \"../shared/data/nasbench201/nb201.csv\"");
    return s;
  }

  Tabular(const Options& o, const automl::Context& ctx) : options_(o), table_(load(o, ctx)) {
    if (o.expected_rows > 0 && static_cast<std::int64_t>(table_.rows()) != o.expected_rows)
      throw automl::ConfigError::for_key(
          "table", ctx.resolve(o.table).string() + " has " + std::to_string(table_.rows()) + " rows, expected " +
                       std::to_string(o.expected_rows) +
                       ": the file is truncated or another table (set expected_rows = 0 to accept it)");
    check_space(ctx);
  }

  bool concurrent() const override { return true; }  // lookups only read the table

  automl::TrialResult evaluate(const automl::Architecture& arch, const automl::TrialContext&) override {
    const std::string key = space_->to_text(arch);
    const long row = table_.find(key);
    if (row < 0) throw automl::Error("architecture " + key + " is not in the table");
    automl::TrialResult result;
    result.score = table_.value(row, 0);
    result.metrics[options_.search_column] = result.score;
    result.metrics[options_.report_column] = table_.value(row, 1);
    for (std::size_t i = 0; i < options_.extra_columns.size(); ++i)
      result.metrics[options_.extra_columns[i]] = table_.value(row, i + 2);
    return result;
  }

 private:
  static tabular::Table load(const Options& o, const automl::Context& ctx) {
    std::vector<tabular::Column> columns = {{o.search_column, "search_column"}, {o.report_column, "report_column"}};
    for (const auto& c : o.extra_columns) columns.push_back({c, "extra_columns"});
    return tabular::Table(ctx.resolve(o.table), {o.key_column, "key_column"}, columns);
  }

  // Every row's architecture must be one of the space's, in its text form:
  // a row that is not could never be looked up, so the table is corrupt or
  // belongs to another space.
  void check_rows(const automl::Context& ctx) const {
    for (long row = 0; row < static_cast<long>(table_.rows()); ++row) {
      std::string problem;
      try {
        const std::string text = space_->to_text(space_->parse(table_.key(row)));
        if (text != table_.key(row)) problem = "its text form is '" + text + "'";
      } catch (const automl::Error& e) {
        problem = e.what();
      }
      if (!problem.empty())
        throw automl::DataError(ctx.resolve(options_.table).string() + ":" + std::to_string(table_.line(row)) +
                                ": architecture '" + automl::printable(table_.key(row)) + "' is not an architecture " +
                                "of the search space (" + problem + "); the table is corrupt or for another space");
    }
  }

  void check_space(const automl::Context& ctx) {
    space_ = ctx.space;
    check_rows(ctx);
    automl::Random rng(ctx.seed);
    const std::string probe = space_->to_text(space_->sample(rng));
    if (table_.find(probe) < 0)
      throw automl::ConfigError("[evaluator] tabular: the search space produced '" + probe +
                                "', which the table does not hold; the table must match [search_space] "
                                "(NAS-Bench-201's nb201.csv matches type = \"nasbench201\")");
  }

  Options options_;
  tabular::Table table_;
  const automl::SearchSpace* space_ = nullptr;
};

void register_components(automl::Registrar& r) { r.add<Tabular>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
