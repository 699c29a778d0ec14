// results.db: its schema, and each read and write as one SQLite statement or
// transaction. The trials' `batch` column holds their round (the column keeps
// its first name so that older databases open and resume unchanged).

#include "automl/run/results_store.hpp"

#include <cmath>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "automl/error.hpp"

namespace automl {

namespace fs = std::filesystem;

const char* status_name(TrialStatus status) {
  switch (status) {
    case TrialStatus::pending: return "pending";
    case TrialStatus::ok: return "ok";
    case TrialStatus::failed: return "failed";
  }
  return "?";
}

namespace {

constexpr int kSchemaVersion = 1;

const char* kSchema = R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE trials (
  id INTEGER PRIMARY KEY,
  batch INTEGER NOT NULL,
  arch TEXT NOT NULL,
  status TEXT NOT NULL,
  score REAL,
  metrics TEXT NOT NULL DEFAULT '{}',
  seed INTEGER NOT NULL,
  wall_s REAL NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  finished_at TEXT NOT NULL DEFAULT '',
  elapsed_s REAL NOT NULL DEFAULT 0,
  fidelity REAL NOT NULL DEFAULT 0);
CREATE INDEX trials_batch ON trials(batch);
CREATE TABLE diagnostics (
  batch INTEGER NOT NULL,
  key TEXT NOT NULL,
  value REAL,
  PRIMARY KEY (batch, key));
CREATE TABLE checkpoint (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  batch INTEGER NOT NULL,
  told INTEGER NOT NULL,
  strategy BLOB NOT NULL,
  evaluator BLOB NOT NULL,
  evaluator_prepared INTEGER NOT NULL);
)sql";

// The [final] stage: the search's top candidates re-evaluated by a second
// evaluator. Created on open too, so that databases made before it work.
const char* kFinalSchema = R"sql(
CREATE TABLE IF NOT EXISTS final (
  id INTEGER PRIMARY KEY,
  arch TEXT NOT NULL,
  search_score REAL,
  status TEXT NOT NULL,
  score REAL,
  metrics TEXT NOT NULL DEFAULT '{}',
  seed INTEGER NOT NULL,
  wall_s REAL NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  finished_at TEXT NOT NULL DEFAULT '');
)sql";

// Learning curves of trials, one row per (trial, step, value name). Created
// on open too, so that databases made before curves work.
const char* kCurvesSchema = R"sql(
CREATE TABLE IF NOT EXISTS curves (
  trial INTEGER NOT NULL,
  step REAL NOT NULL,
  name TEXT NOT NULL,
  value REAL,
  PRIMARY KEY (trial, step, name));
)sql";

// Trials launched out of the host's process, one row per attempt. Created
// on open too, so that databases made before launchers work.
const char* kJobsSchema = R"sql(
CREATE TABLE IF NOT EXISTS jobs (
  trial INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  launcher TEXT NOT NULL,
  job TEXT NOT NULL,
  host TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  exit_code TEXT NOT NULL DEFAULT '',
  log TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (trial, attempt));
)sql";

TrialStatus parse_status(const std::string& s);

// A row of (id, batch, arch, status, score, metrics, seed, wall_s, error, finished_at).
TrialRecord read_trial(SQLite::Statement& q) {
  TrialRecord t;
  t.id = q.getColumn(0).getInt64();
  t.round = q.getColumn(1).getInt64();
  t.arch_text = q.getColumn(2).getString();
  t.status = parse_status(q.getColumn(3).getString());
  t.score = q.getColumn(4).isNull() ? std::nan("") : q.getColumn(4).getDouble();
  const auto metrics = nlohmann::json::parse(q.getColumn(5).getString());
  for (const auto& [k, v] : metrics.items()) t.metrics[k] = v.is_null() ? std::nan("") : v.get<double>();
  t.seed = static_cast<std::uint64_t>(q.getColumn(6).getInt64());
  t.wall_s = q.getColumn(7).getDouble();
  t.error = q.getColumn(8).getString();
  t.finished_at = q.getColumn(9).getString();
  if (q.getColumnCount() > 10) t.elapsed_s = q.getColumn(10).getDouble();
  if (q.getColumnCount() > 11) t.fidelity = q.getColumn(11).getDouble();
  return t;
}

TrialStatus parse_status(const std::string& s) {
  if (s == "ok") return TrialStatus::ok;
  if (s == "failed") return TrialStatus::failed;
  return TrialStatus::pending;
}

std::string blob_of(const SQLite::Column& c) {
  return std::string(static_cast<const char*>(c.getBlob()), static_cast<std::size_t>(c.getBytes()));
}

void configure(SQLite::Database& db) {
  // WAL keeps every committed trial across a kill -9 of the process.
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("PRAGMA synchronous=NORMAL");
  db.setBusyTimeout(10000);
}

void check_version(SQLite::Database& db, const fs::path& file) {
  const int version = db.execAndGet("SELECT value FROM meta WHERE key = 'schema_version'").getInt();
  if (version != kSchemaVersion)
    throw DataError(file.string() + " has results schema version " + std::to_string(version) +
                    "; this automl reads version " + std::to_string(kSchemaVersion));
}

}  // namespace

ResultsStore::ResultsStore(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}
ResultsStore::~ResultsStore() = default;

std::unique_ptr<ResultsStore> ResultsStore::create(const fs::path& file) {
  if (fs::exists(file)) throw Error("results database " + file.string() + " already exists");
  auto db = std::make_unique<SQLite::Database>(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  configure(*db);
  SQLite::Transaction tx(*db);
  db->exec(kSchema);
  db->exec(kFinalSchema);
  db->exec(kCurvesSchema);
  db->exec(kJobsSchema);
  db->exec("INSERT INTO meta VALUES ('schema_version', '" + std::to_string(kSchemaVersion) + "')");
  tx.commit();
  return std::unique_ptr<ResultsStore>(new ResultsStore(std::move(db)));
}

std::unique_ptr<ResultsStore> ResultsStore::open(const fs::path& file) {
  if (!fs::exists(file))
    throw DataError("no results database at " + file.string() + ": is this a run directory made by `automl run`?");
  try {
    auto db = std::make_unique<SQLite::Database>(file.string(), SQLite::OPEN_READWRITE);
    configure(*db);
    check_version(*db, file);
    db->exec(kFinalSchema);
    db->exec(kCurvesSchema);
    db->exec(kJobsSchema);
    // Databases made before trials had elapsed_s get the column (as 0).
    if (db->execAndGet("SELECT count(*) FROM pragma_table_info('trials') WHERE name = 'elapsed_s'").getInt() == 0)
      db->exec("ALTER TABLE trials ADD COLUMN elapsed_s REAL NOT NULL DEFAULT 0");
    // ... and before trials had a fidelity, the column (0: none).
    if (db->execAndGet("SELECT count(*) FROM pragma_table_info('trials') WHERE name = 'fidelity'").getInt() == 0)
      db->exec("ALTER TABLE trials ADD COLUMN fidelity REAL NOT NULL DEFAULT 0");
    return std::unique_ptr<ResultsStore>(new ResultsStore(std::move(db)));
  } catch (const SQLite::Exception& e) {
    throw DataError(file.string() + " is not a readable automl results database: " + e.what());
  }
}

std::unique_ptr<ResultsStore> ResultsStore::open_read_only(const fs::path& file) {
  if (!fs::exists(file))
    throw DataError("no results database at " + file.string() + ": is this a run directory made by `automl run`?");
  try {
    auto db = std::make_unique<SQLite::Database>(file.string(), SQLite::OPEN_READONLY);
    db->setBusyTimeout(10000);
    check_version(*db, file);
    return std::unique_ptr<ResultsStore>(new ResultsStore(std::move(db)));
  } catch (const SQLite::Exception& e) {
    throw DataError(file.string() + " is not a readable automl results database: " + e.what());
  }
}

void ResultsStore::set_meta(const std::string& key, const std::string& value) {
  std::lock_guard<std::mutex> lock(mutex_);
  SQLite::Statement q(*db_, "INSERT OR REPLACE INTO meta VALUES (?, ?)");
  q.bind(1, key);
  q.bind(2, value);
  q.exec();
}

std::optional<std::string> ResultsStore::meta(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  SQLite::Statement q(*db_, "SELECT value FROM meta WHERE key = ?");
  q.bind(1, key);
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getString();
}

void ResultsStore::begin_round(std::int64_t round, const std::vector<TrialRecord>& trials,
                               const std::string& strategy_state) {
  std::lock_guard<std::mutex> lock(mutex_);
  SQLite::Transaction tx(*db_);
  SQLite::Statement insert(
      *db_, "INSERT INTO trials (id, batch, arch, status, seed, fidelity) VALUES (?, ?, ?, 'pending', ?, ?)");
  for (const auto& t : trials) {
    insert.bind(1, static_cast<std::int64_t>(t.id));
    insert.bind(2, round);
    insert.bind(3, t.arch_text);
    insert.bind(4, static_cast<std::int64_t>(t.seed));
    insert.bind(5, t.fidelity);
    insert.exec();
    insert.reset();
  }
  SQLite::Statement ck(*db_, "INSERT OR REPLACE INTO checkpoint VALUES (1, ?, 0, ?, "
                             "COALESCE((SELECT evaluator FROM checkpoint WHERE id = 1), x''), 0)");
  ck.bind(1, round);
  ck.bind(2, strategy_state.data(), static_cast<int>(strategy_state.size()));
  ck.exec();
  tx.commit();
}

void ResultsStore::prepared(std::int64_t round, const std::string& evaluator_state, bool done) {
  std::lock_guard<std::mutex> lock(mutex_);
  SQLite::Statement q(*db_, "UPDATE checkpoint SET evaluator = ?, evaluator_prepared = ? WHERE id = 1 AND batch = ?");
  q.bind(1, evaluator_state.data(), static_cast<int>(evaluator_state.size()));
  q.bind(2, done ? 1 : 0);
  q.bind(3, round);
  q.exec();
}

void ResultsStore::finish_trial(const TrialRecord& t) {
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& [k, v] : t.metrics) metrics[k] = v;
  std::lock_guard<std::mutex> lock(mutex_);
  SQLite::Transaction tx(*db_);
  SQLite::Statement q(*db_, "UPDATE trials SET status = ?, score = ?, metrics = ?, wall_s = ?, error = ?, "
                            "finished_at = ?, elapsed_s = ?, fidelity = ? WHERE id = ?");
  q.bind(1, status_name(t.status));
  if (t.status == TrialStatus::ok) q.bind(2, t.score);
  else q.bind(2);
  q.bind(3, metrics.dump());
  q.bind(4, t.wall_s);
  q.bind(5, t.error);
  q.bind(6, t.finished_at);
  q.bind(7, t.elapsed_s);
  q.bind(8, t.fidelity);
  q.bind(9, static_cast<std::int64_t>(t.id));
  q.exec();
  SQLite::Statement clear(*db_, "DELETE FROM curves WHERE trial = ?");
  clear.bind(1, static_cast<std::int64_t>(t.id));
  clear.exec();
  SQLite::Statement point(*db_, "INSERT OR REPLACE INTO curves (trial, step, name, value) VALUES (?, ?, ?, ?)");
  for (const auto& p : t.curve) {
    for (const auto& [name, value] : p.values) {
      point.bind(1, static_cast<std::int64_t>(t.id));
      point.bind(2, p.step);
      point.bind(3, name);
      if (std::isfinite(value)) point.bind(4, value);
      else point.bind(4);
      point.exec();
      point.reset();
    }
  }
  tx.commit();
}

void ResultsStore::end_round(std::int64_t round, const std::string& strategy_state,
                             const std::string& evaluator_state, const std::map<std::string, double>& diagnostics) {
  std::lock_guard<std::mutex> lock(mutex_);
  SQLite::Transaction tx(*db_);
  SQLite::Statement q(*db_, "UPDATE checkpoint SET told = 1, strategy = ?, evaluator = ? WHERE id = 1 AND batch = ?");
  q.bind(1, strategy_state.data(), static_cast<int>(strategy_state.size()));
  q.bind(2, evaluator_state.data(), static_cast<int>(evaluator_state.size()));
  q.bind(3, round);
  q.exec();
  SQLite::Statement d(*db_, "INSERT OR REPLACE INTO diagnostics VALUES (?, ?, ?)");
  for (const auto& [key, value] : diagnostics) {
    d.bind(1, round);
    d.bind(2, key);
    if (std::isfinite(value)) d.bind(3, value);
    else d.bind(3);
    d.exec();
    d.reset();
  }
  tx.commit();
}

std::map<std::int64_t, std::map<std::string, double>> ResultsStore::diagnostics() const {
  std::lock_guard<std::mutex> lock(mutex_);
  SQLite::Statement q(*db_, "SELECT batch, key, value FROM diagnostics ORDER BY batch, key");
  std::map<std::int64_t, std::map<std::string, double>> out;
  while (q.executeStep())
    out[q.getColumn(0).getInt64()][q.getColumn(1).getString()] =
        q.getColumn(2).isNull() ? std::nan("") : q.getColumn(2).getDouble();
  return out;
}

std::optional<Checkpoint> ResultsStore::checkpoint() const {
  std::lock_guard<std::mutex> lock(mutex_);
  SQLite::Statement q(*db_, "SELECT batch, told, strategy, evaluator, evaluator_prepared FROM checkpoint WHERE id = 1");
  if (!q.executeStep()) return std::nullopt;
  Checkpoint c;
  c.round = q.getColumn(0).getInt64();
  c.told = q.getColumn(1).getInt() != 0;
  c.strategy = blob_of(q.getColumn(2));
  c.evaluator = blob_of(q.getColumn(3));
  c.evaluator_prepared = q.getColumn(4).getInt() != 0;
  return c;
}

void ResultsStore::add_final(const TrialRecord& t, double search_score) {
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& [k, v] : t.metrics) metrics[k] = v;
  std::lock_guard<std::mutex> lock(mutex_);
  SQLite::Statement q(*db_, "INSERT OR REPLACE INTO final (id, arch, search_score, status, score, metrics, seed, "
                            "wall_s, error, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, static_cast<std::int64_t>(t.id));
  q.bind(2, t.arch_text);
  q.bind(3, search_score);
  q.bind(4, status_name(t.status));
  if (t.status == TrialStatus::ok) q.bind(5, t.score);
  else q.bind(5);
  q.bind(6, metrics.dump());
  q.bind(7, static_cast<std::int64_t>(t.seed));
  q.bind(8, t.wall_s);
  q.bind(9, t.error);
  q.bind(10, t.finished_at);
  q.exec();
}

void ResultsStore::put_job(const JobRecord& j) {
  std::lock_guard<std::mutex> lock(mutex_);
  SQLite::Statement q(*db_, "INSERT OR REPLACE INTO jobs (trial, attempt, launcher, job, host, state, exit_code, log) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, static_cast<std::int64_t>(j.trial));
  q.bind(2, j.attempt);
  q.bind(3, j.launcher);
  q.bind(4, j.job);
  q.bind(5, j.host);
  q.bind(6, j.state);
  q.bind(7, j.exit_code);
  q.bind(8, j.log);
  q.exec();
}

std::vector<JobRecord> ResultsStore::jobs() const {
  std::lock_guard<std::mutex> lock(mutex_);
  // A database made before launchers, opened read-only, has no table.
  if (db_->execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 'jobs'").getInt() == 0) return {};
  SQLite::Statement q(*db_, "SELECT trial, attempt, launcher, job, host, state, exit_code, log FROM jobs "
                            "ORDER BY trial, attempt");
  std::vector<JobRecord> out;
  while (q.executeStep()) {
    JobRecord j;
    j.trial = q.getColumn(0).getInt64();
    j.attempt = q.getColumn(1).getInt();
    j.launcher = q.getColumn(2).getString();
    j.job = q.getColumn(3).getString();
    j.host = q.getColumn(4).getString();
    j.state = q.getColumn(5).getString();
    j.exit_code = q.getColumn(6).getString();
    j.log = q.getColumn(7).getString();
    out.push_back(std::move(j));
  }
  return out;
}

std::vector<FinalRecord> ResultsStore::finals() const {
  std::lock_guard<std::mutex> lock(mutex_);
  SQLite::Statement q(*db_, "SELECT id, -1, arch, status, score, metrics, seed, wall_s, error, finished_at, "
                            "search_score FROM final ORDER BY id < 0, abs(id)");
  std::vector<FinalRecord> out;
  while (q.executeStep()) {
    FinalRecord f;
    f.trial = read_trial(q);
    f.search_score = q.getColumn(10).isNull() ? std::nan("") : q.getColumn(10).getDouble();
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<TrialRecord> ResultsStore::trials(std::optional<std::int64_t> round) const {
  std::lock_guard<std::mutex> lock(mutex_);
  // A database made before trials had a fidelity, opened read-only, has no column.
  const bool fidelity =
      db_->execAndGet("SELECT count(*) FROM pragma_table_info('trials') WHERE name = 'fidelity'").getInt() > 0;
  SQLite::Statement q(*db_, std::string("SELECT id, batch, arch, status, score, metrics, seed, wall_s, error, "
                                        "finished_at, elapsed_s") +
                                (fidelity ? ", fidelity" : "") + " FROM trials" +
                                (round ? " WHERE batch = ?" : "") + " ORDER BY id");
  if (round) q.bind(1, *round);
  std::vector<TrialRecord> out;
  while (q.executeStep()) out.push_back(read_trial(q));
  return out;
}

std::map<std::int64_t, std::vector<CurvePoint>> ResultsStore::curves() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::map<std::int64_t, std::vector<CurvePoint>> out;
  // A database made before curves, opened read-only, has no table.
  if (db_->execAndGet("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'curves'").getInt() == 0)
    return out;
  SQLite::Statement q(*db_, "SELECT trial, step, name, value FROM curves ORDER BY trial, step, name");
  while (q.executeStep()) {
    auto& points = out[q.getColumn(0).getInt64()];
    const double step = q.getColumn(1).getDouble();
    if (points.empty() || points.back().step != step) points.push_back({step, {}});
    points.back().values[q.getColumn(2).getString()] =
        q.getColumn(3).isNull() ? std::nan("") : q.getColumn(3).getDouble();
  }
  return out;
}

}  // namespace automl
