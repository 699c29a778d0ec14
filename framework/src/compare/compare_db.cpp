// compare.db: the comparison, its variants and every finished run with its trials.

#include "compare_db.hpp"

#include <cmath>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "automl/error.hpp"
#include "automl/run/fidelity.hpp"
#include "automl/run/results_store.hpp"
#include "automl/text.hpp"

namespace automl {

namespace fs = std::filesystem;

namespace {

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS variants (
  position INTEGER PRIMARY KEY,
  name TEXT UNIQUE NOT NULL,
  strategy TEXT NOT NULL,
  resolved TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  variant TEXT NOT NULL,
  seed INTEGER NOT NULL,
  run_dir TEXT NOT NULL,
  status TEXT NOT NULL,
  stop_reason TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  elapsed_s REAL NOT NULL DEFAULT 0,
  trials INTEGER NOT NULL DEFAULT 0,
  best_score REAL,
  best_metric REAL,
  PRIMARY KEY (variant, seed));
CREATE TABLE IF NOT EXISTS trials (
  variant TEXT NOT NULL,
  seed INTEGER NOT NULL,
  id INTEGER NOT NULL,
  status TEXT NOT NULL,
  score REAL,
  metric REAL,
  arch TEXT NOT NULL,
  elapsed_s REAL NOT NULL,
  round INTEGER NOT NULL DEFAULT 0,
  reference REAL,
  fidelity REAL NOT NULL DEFAULT 0,
  PRIMARY KEY (variant, seed, id));
CREATE TABLE IF NOT EXISTS jobs (
  run INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  launcher TEXT NOT NULL,
  job TEXT NOT NULL,
  state TEXT NOT NULL,
  exit_code TEXT NOT NULL DEFAULT '',
  log TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL,
  PRIMARY KEY (run, attempt));
)sql";

// Columns added to `trials` since the first version, for databases made before.
const char* kAddedTrialColumns[][2] = {{"round", "INTEGER NOT NULL DEFAULT 0"}, {"reference", "REAL"},
                                         {"fidelity", "REAL NOT NULL DEFAULT 0"}};

double nan() { return std::nan(""); }
double real_or_nan(const SQLite::Column& c) { return c.isNull() ? nan() : c.getDouble(); }
void bind_real(SQLite::Statement& q, int index, double value) {
  if (std::isfinite(value)) q.bind(index, value);
  else q.bind(index);
}

}  // namespace

std::string without_launcher(const std::string& text) {
  std::string out, line;
  bool skipping = false;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = text.find('\n', at);
    line = text.substr(at, end == std::string::npos ? std::string::npos : end - at + 1);
    at = end == std::string::npos ? text.size() : end + 1;
    const std::size_t first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line[first] == '[') {
      const std::size_t close = line.find(']', first);
      std::string name = line.substr(first + 1, close == std::string::npos ? 0 : close - first - 1);
      name.erase(0, name.find_first_not_of(" \t"));
      name.erase(name.find_last_not_of(" \t") + 1);
      skipping = name == "launcher";
    }
    if (!skipping) out += line;
  }
  return out;
}


CompareDb::CompareDb(const fs::path& file, bool create) {
  if (!create && !fs::exists(file))
    throw DataError("no comparison database at " + file.string() +
                    ": is this a directory made by `automl compare`?");
  try {
    db_ = std::make_unique<SQLite::Database>(file.string(), SQLite::OPEN_READWRITE |
                                                                 (create ? SQLite::OPEN_CREATE : 0));
    db_->exec("PRAGMA journal_mode=WAL");
    db_->exec("PRAGMA synchronous=NORMAL");
    db_->setBusyTimeout(10000);
    db_->exec(kSchema);
    for (const auto& [name, type] : kAddedTrialColumns) {
      SQLite::Statement has(*db_, "SELECT count(*) FROM pragma_table_info('trials') WHERE name = ?");
      has.bind(1, name);
      if (has.executeStep() && has.getColumn(0).getInt() == 0)
        db_->exec(std::string("ALTER TABLE trials ADD COLUMN ") + name + " " + type);
    }
  } catch (const SQLite::Exception& e) {
    throw DataError(file.string() + " is not a readable comparison database: " + e.what());
  }
}

CompareDb::~CompareDb() = default;

void CompareDb::start(const std::string& text, const std::map<std::string, std::string>& meta,
                      const std::vector<CompareVariant>& variants) {
  if (const auto before = this->meta("comparison")) {
    if (without_launcher(*before) != without_launcher(text))
      throw ConfigError("the comparison file has changed since its directory was started (" +
                        db_->getFilename() + " holds the first version, also in comparison.toml beside it). "
                        "Restore that version to continue, or give the new one another [comparison] name to "
                        "start a new comparison (only its [launcher] table may change)");
    if (*before != text) {
      SQLite::Statement m(*db_, "INSERT OR REPLACE INTO meta VALUES ('comparison', ?)");
      m.bind(1, text);
      m.exec();
    }
    return;
  }
  SQLite::Transaction tx(*db_);
  SQLite::Statement m(*db_, "INSERT OR REPLACE INTO meta VALUES (?, ?)");
  auto all = meta;
  all["comparison"] = text;
  all["created_at"] = utc_now();
  for (const auto& [k, v] : all) {
    m.bind(1, k);
    m.bind(2, v);
    m.exec();
    m.reset();
  }
  SQLite::Statement q(*db_, "INSERT INTO variants VALUES (?, ?, ?, ?)");
  for (std::size_t i = 0; i < variants.size(); ++i) {
    q.bind(1, static_cast<std::int64_t>(i));
    q.bind(2, variants[i].name);
    q.bind(3, variants[i].strategy);
    q.bind(4, variants[i].resolved);
    q.exec();
    q.reset();
  }
  tx.commit();
}

bool CompareDb::finished(const std::string& variant, std::int64_t seed) const {
  SQLite::Statement q(*db_, "SELECT count(*) FROM runs WHERE variant = ? AND seed = ? AND status = 'finished'");
  q.bind(1, variant);
  q.bind(2, seed);
  q.executeStep();
  return q.getColumn(0).getInt() > 0;
}

CompareRun CompareDb::import_run(const std::string& variant, std::int64_t seed, const fs::path& run_dir,
                                 const std::string& metric) {
  auto store = ResultsStore::open(run_dir / "results.db");
  CompareRun run;
  run.variant = variant;
  run.seed = seed;
  run.run_dir = run_dir.string();
  run.finished = true;
  run.stop_reason = store->meta("stop_reason").value_or("");
  run.elapsed_s = std::stod(store->meta("elapsed_s").value_or("0"));
  run.best_score = run.best_metric = nan();
  SQLite::Transaction tx(*db_);
  SQLite::Statement clear(*db_, "DELETE FROM trials WHERE variant = ? AND seed = ?");
  clear.bind(1, variant);
  clear.bind(2, seed);
  clear.exec();
  SQLite::Statement q(*db_, "INSERT INTO trials (variant, seed, id, status, score, metric, arch, elapsed_s, round, "
                            "reference, fidelity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  TrialRecord best;  // the best so far (better_trial: the highest fidelity first)
  for (const auto& t : store->trials()) {
    if (t.status == TrialStatus::pending) continue;
    ++run.trials;
    const bool ok = t.status == TrialStatus::ok;
    const auto m = t.metrics.find(metric);
    const double value = m == t.metrics.end() ? nan() : m->second;
    if (ok && (!std::isfinite(run.best_score) || better_trial(t, best))) {
      best = t;
      run.best_score = t.score;
      run.best_metric = value;
    }
    q.bind(1, variant);
    q.bind(2, seed);
    q.bind(3, t.id);
    q.bind(4, status_name(t.status));
    bind_real(q, 5, ok ? t.score : nan());
    bind_real(q, 6, value);
    q.bind(7, t.arch_text);
    q.bind(8, t.elapsed_s);
    q.bind(9, t.round);
    const auto reference = t.metrics.find(kReferenceMetric);
    bind_real(q, 10, reference == t.metrics.end() ? nan() : reference->second);
    q.bind(11, t.fidelity);
    q.exec();
    q.reset();
  }
  SQLite::Statement r(*db_, "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, 'finished', ?, '', ?, ?, ?, ?)");
  r.bind(1, variant);
  r.bind(2, seed);
  r.bind(3, run.run_dir);
  r.bind(4, run.stop_reason);
  r.bind(5, run.elapsed_s);
  r.bind(6, run.trials);
  bind_real(r, 7, run.best_score);
  bind_real(r, 8, run.best_metric);
  r.exec();
  tx.commit();
  return run;
}

void CompareDb::record_failure(const std::string& variant, std::int64_t seed, const fs::path& run_dir,
                               const std::string& error) {
  SQLite::Statement r(*db_, "INSERT OR REPLACE INTO runs (variant, seed, run_dir, status, error) "
                            "VALUES (?, ?, ?, 'failed', ?)");
  r.bind(1, variant);
  r.bind(2, seed);
  r.bind(3, run_dir.string());
  r.bind(4, error);
  r.exec();
}

void CompareDb::put_job(const JobRecord& j) {
  SQLite::Statement q(*db_, "INSERT OR REPLACE INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, j.trial);
  q.bind(2, j.attempt);
  q.bind(3, j.launcher);
  q.bind(4, j.job);
  q.bind(5, j.state);
  q.bind(6, j.exit_code);
  q.bind(7, j.log);
  q.bind(8, utc_now());
  q.exec();
}

std::vector<JobRecord> CompareDb::jobs() const {
  SQLite::Statement q(*db_, "SELECT run, attempt, launcher, job, state, exit_code, log FROM jobs ORDER BY run, attempt");
  std::vector<JobRecord> out;
  while (q.executeStep()) {
    JobRecord j;
    j.trial = q.getColumn(0).getInt64();
    j.attempt = q.getColumn(1).getInt();
    j.launcher = q.getColumn(2).getString();
    j.job = q.getColumn(3).getString();
    j.state = q.getColumn(4).getString();
    j.exit_code = q.getColumn(5).getString();
    j.log = q.getColumn(6).getString();
    out.push_back(std::move(j));
  }
  return out;
}

std::optional<std::string> CompareDb::meta(const std::string& key) const {
  SQLite::Statement q(*db_, "SELECT value FROM meta WHERE key = ?");
  q.bind(1, key);
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getString();
}

std::vector<CompareVariant> CompareDb::variants() const {
  SQLite::Statement q(*db_, "SELECT name, strategy, resolved FROM variants ORDER BY position");
  std::vector<CompareVariant> out;
  while (q.executeStep())
    out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString()});
  return out;
}

std::vector<CompareRun> CompareDb::runs() const {
  std::vector<CompareRun> out;
  SQLite::Statement q(*db_, "SELECT r.variant, r.seed, r.run_dir, r.status, r.stop_reason, r.error, r.elapsed_s, "
                            "r.trials, r.best_score, r.best_metric FROM runs r JOIN variants v ON v.name = r.variant "
                            "ORDER BY v.position, r.seed");
  while (q.executeStep()) {
    CompareRun r;
    r.variant = q.getColumn(0).getString();
    r.seed = q.getColumn(1).getInt64();
    r.run_dir = q.getColumn(2).getString();
    r.finished = q.getColumn(3).getString() == "finished";
    r.stop_reason = q.getColumn(4).getString();
    r.error = q.getColumn(5).getString();
    r.elapsed_s = q.getColumn(6).getDouble();
    r.trials = q.getColumn(7).getInt64();
    r.best_score = real_or_nan(q.getColumn(8));
    r.best_metric = real_or_nan(q.getColumn(9));
    out.push_back(std::move(r));
  }
  SQLite::Statement t(*db_, "SELECT status, score, metric, arch, elapsed_s, id, round, reference, fidelity FROM "
                            "trials WHERE variant = ? AND seed = ? ORDER BY id");
  for (auto& r : out) {
    t.bind(1, r.variant);
    t.bind(2, r.seed);
    while (t.executeStep()) {
      CompareTrial trial;
      trial.ok = t.getColumn(0).getString() == "ok";
      trial.score = real_or_nan(t.getColumn(1));
      trial.metric = real_or_nan(t.getColumn(2));
      trial.arch = t.getColumn(3).getString();
      trial.elapsed_s = t.getColumn(4).getDouble();
      trial.id = t.getColumn(5).getInt64();
      trial.round = t.getColumn(6).getInt64();
      trial.reference = real_or_nan(t.getColumn(7));
      trial.fidelity = t.getColumn(8).getDouble();
      r.trial_list.push_back(std::move(trial));
    }
    t.reset();
  }
  return out;
}

}  // namespace automl
