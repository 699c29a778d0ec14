// Tabular evaluator: looks candidates up in a benchmark table (NAS-Bench-201
// by default) instead of training them. The search column is the score the
// strategy sees; the report column is what papers report for the chosen cell.

#include <algorithm>
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
    std::vector<double> fidelities = {12, 200};
    std::vector<std::string> fidelity_columns;
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
            .field("fidelities", &Options::fidelities,
                   "Epochs of the table's fidelity columns, increasing; the last is the search column's (full "
                   "fidelity). A trial asked for f epochs reads the column of the smallest listed fidelity >= f "
                   "and costs that many. []: one fidelity only")
            .range(0.001, 1e9)
            .field("fidelity_columns", &Options::fidelity_columns,
                   "The column of each fidelity, the last = search_column; []: NAS-Bench-201's names, the search "
                   "column with its _200 replaced by _12 etc. (no fidelities when the table lacks them)")
            .rule("fidelities",
                  [](const Options& o) -> std::string {
                    for (std::size_t i = 0; i < o.fidelities.size(); ++i)
                      if (!(o.fidelities[i] > 0) || (i > 0 && !(o.fidelities[i] > o.fidelities[i - 1])))
                        return "must be positive and increasing, e.g. [12, 200]";
                    if (!o.fidelity_columns.empty() && o.fidelity_columns.size() != o.fidelities.size())
                      return "needs one entry per fidelity_columns entry (" +
                             std::to_string(o.fidelity_columns.size()) + ")";
                    if (!o.fidelity_columns.empty() && o.fidelity_columns.back() != o.search_column)
                      return "the last of fidelity_columns must be search_column (\"" + o.search_column +
                             "\"): the full fidelity is what the search column holds";
                    return "";
                  })
            .example("table = \"../shared/data/nasbench201/nb201.csv\"");
    return s;
  }

  Tabular(const Options& o, const automl::Context& ctx)
      : options_(with_fidelity_columns(o, ctx)), table_(load(options_, ctx)) {
    if (o.expected_rows > 0 && static_cast<std::int64_t>(table_.rows()) != o.expected_rows)
      throw automl::ConfigError::for_key(
          "table", ctx.resolve(o.table).string() + " has " + std::to_string(table_.rows()) + " rows, expected " +
                       std::to_string(o.expected_rows) +
                       ": the file is truncated or another table (set expected_rows = 0 to accept it)");
    check_space(ctx);
  }

  bool concurrent() const override { return true; }  // lookups only read the table

  std::optional<automl::FidelityRange> fidelities() const override {
    if (options_.fidelity_columns.size() < 2) return std::nullopt;
    return automl::FidelityRange{options_.fidelities.front(), options_.fidelities.back(), "epochs",
                                 options_.fidelities};
  }

  automl::TrialResult evaluate(const automl::Architecture& arch, const automl::TrialContext& trial) override {
    const std::string key = space_->to_text(arch);
    const long row = table_.find(key);
    if (row < 0) throw automl::Error("architecture " + key + " is not in the table");
    automl::TrialResult result;
    // The smallest listed fidelity that covers the one asked for; the full
    // one (the search column, table column 0) when none was asked.
    std::size_t level = options_.fidelity_columns.size();
    if (trial.fidelity > 0)
      for (level = 0; level + 1 < options_.fidelities.size() && options_.fidelities[level] < trial.fidelity;) ++level;
    const bool full = level + 1 >= options_.fidelity_columns.size();
    const std::size_t column = full ? 0 : extra_base() + level;
    result.score = table_.value(row, column);
    if (!options_.fidelity_columns.empty()) result.fidelity = options_.fidelities[std::min(level, options_.fidelities.size() - 1)];
    result.metrics[full ? options_.search_column : options_.fidelity_columns[level]] = result.score;
    result.metrics[options_.report_column] = table_.value(row, 1);
    for (std::size_t i = 0; i < options_.extra_columns.size(); ++i)
      result.metrics[options_.extra_columns[i]] = table_.value(row, i + 2);
    return result;
  }

 private:
  // Table columns: the search and report columns, the extra columns, then
  // the fidelity columns below the full one.
  std::size_t extra_base() const { return 2 + options_.extra_columns.size(); }

  static tabular::Table load(const Options& o, const automl::Context& ctx) {
    std::vector<tabular::Column> columns = {{o.search_column, "search_column"}, {o.report_column, "report_column"}};
    for (const auto& c : o.extra_columns) columns.push_back({c, "extra_columns"});
    for (std::size_t i = 0; i + 1 < o.fidelity_columns.size(); ++i)
      columns.push_back({o.fidelity_columns[i], "fidelity_columns"});
    return tabular::Table(ctx.resolve(o.table), {o.key_column, "key_column"}, columns);
  }

  // Without explicit fidelity_columns, NAS-Bench-201's naming: the search
  // column's "_200" suffix replaced by each fidelity's epochs, when the
  // table has all those columns; else one fidelity only.
  static Options with_fidelity_columns(Options o, const automl::Context& ctx) {
    if (!o.fidelity_columns.empty() || o.fidelities.size() < 2) return o;
    const std::string suffix = "_" + number(o.fidelities.back());
    if (o.search_column.size() <= suffix.size() ||
        o.search_column.compare(o.search_column.size() - suffix.size(), suffix.size(), suffix) != 0)
      return o;
    const auto header = tabular::read_header(ctx.resolve(o.table));
    std::vector<std::string> columns;
    for (double f : o.fidelities) {
      columns.push_back(o.search_column.substr(0, o.search_column.size() - suffix.size()) + "_" + number(f));
      if (std::find(header.begin(), header.end(), columns.back()) == header.end()) return o;
    }
    o.fidelity_columns = columns;
    return o;
  }

  static std::string number(double v) {
    return v == std::floor(v) ? std::to_string(static_cast<long long>(v)) : std::to_string(v);
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
