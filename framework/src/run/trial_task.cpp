// Task and result files of trials run out of the host's process, and the
// one evaluation routine both the host and `automl trial` use.

#include "automl/run/trial_task.hpp"

#include <chrono>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "automl/error.hpp"
#include "automl/run/launcher.hpp"
#include "automl/text.hpp"

namespace automl {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

json parse_file(const fs::path& file, const std::string& text, const char* what) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw DataError(file.string() + ": not a " + what + " (" + e.what() + "); it is written by automl, was it edited?");
  }
}

}  // namespace

fs::path launch_dir(const fs::path& run_dir) { return run_dir / "launch"; }

void write_launch_experiment(const fs::path& run_dir, const std::string& resolved, const std::string& base_dir) {
  const json j = {{"experiment", resolved}, {"base_dir", base_dir}};
  write_text_atomically(launch_dir(run_dir) / "experiment.json", j.dump(1) + "\n");
}

Experiment read_launch_experiment(const fs::path& run_dir) {
  const fs::path file = launch_dir(run_dir) / "experiment.json";
  const auto text = read_text(file);
  if (!text)
    throw DataError("no " + file.string() + ": the host writes it before it launches a trial; is " +
                    run_dir.string() + " a run directory whose trials run through a launcher, and does this machine "
                    "see the host's files?");
  const json j = parse_file(file, *text, "launch experiment");
  try {
    return parse_experiment(j.at("experiment").get<std::string>(), file.string() + " (resolved experiment)",
                            j.at("base_dir").get<std::string>());
  } catch (const json::exception& e) {
    throw DataError(file.string() + ": not a launch experiment (" + e.what() + ")");
  }
}

fs::path task_file(const fs::path& run_dir, std::int64_t trial) {
  return launch_dir(run_dir) / fmt::format("trial-{}.task.json", trial);
}

fs::path result_file(const fs::path& run_dir, std::int64_t trial) {
  return launch_dir(run_dir) / fmt::format("trial-{}.result.json", trial);
}

void write_trial_task(const fs::path& run_dir, const TrialTask& t) {
  const json j = {{"trial", t.trial},
                  {"round", t.round},
                  {"arch", t.arch_text},
                  {"seed", t.seed},
                  {"threads", t.threads},
                  {"fidelity", t.fidelity},
                  {"previous_fidelity", t.previous_fidelity},
                  {"previous_dir", t.previous_dir.string()},
                  {"dir", t.dir.string()}};
  write_text_atomically(task_file(run_dir, t.trial), j.dump(1) + "\n");
}

TrialTask read_trial_task(const fs::path& run_dir, std::int64_t trial) {
  const fs::path file = task_file(run_dir, trial);
  const auto text = read_text(file);
  if (!text)
    throw DataError("no task for trial " + std::to_string(trial) + " at " + file.string() +
                    ": the host writes it before it launches the trial; is RUN_DIR the run's directory, and does "
                    "this machine see the same files as the host?");
  const json j = parse_file(file, *text, "trial task");
  try {
    TrialTask t;
    t.trial = j.at("trial").get<std::int64_t>();
    t.round = j.at("round").get<std::int64_t>();
    t.arch_text = j.at("arch").get<std::string>();
    t.seed = j.at("seed").get<std::uint64_t>();
    t.threads = j.at("threads").get<int>();
    t.fidelity = j.at("fidelity").get<double>();
    t.previous_fidelity = j.at("previous_fidelity").get<double>();
    t.previous_dir = j.at("previous_dir").get<std::string>();
    t.dir = j.at("dir").get<std::string>();
    if (t.trial != trial) throw DataError(file.string() + " is the task of trial " + std::to_string(t.trial));
    return t;
  } catch (const json::exception& e) {
    throw DataError(file.string() + ": not a trial task (" + e.what() + ")");
  }
}

void write_trial_result(const fs::path& run_dir, const TrialRecord& t) {
  json curve = json::array();
  for (const auto& p : t.curve) curve.push_back({{"step", p.step}, {"values", p.values}});
  json j = {{"trial", t.id},
            {"status", status_name(t.status)},
            {"metrics", t.metrics},
            {"curve", curve},
            {"error", t.error},
            {"wall_s", t.wall_s},
            {"finished_at", t.finished_at},
            {"fidelity", t.fidelity}};
  j["score"] = std::isfinite(t.score) ? json(t.score) : json(nullptr);
  write_text_atomically(result_file(run_dir, t.id), j.dump(1) + "\n");
}

std::optional<TrialRecord> read_trial_result(const fs::path& run_dir, std::int64_t trial) {
  const fs::path file = result_file(run_dir, trial);
  const auto text = read_text(file);
  if (!text) return std::nullopt;
  const json j = parse_file(file, *text, "trial result");
  try {
    TrialRecord t;
    t.id = j.at("trial").get<std::int64_t>();
    if (t.id != trial) throw DataError(file.string() + " is the result of trial " + std::to_string(t.id));
    const auto status = j.at("status").get<std::string>();
    if (status != "ok" && status != "failed")
      throw DataError(file.string() + ": status \"" + printable(status) + "\", expected \"ok\" or \"failed\"");
    t.status = status == "ok" ? TrialStatus::ok : TrialStatus::failed;
    t.score = j.at("score").is_null() ? std::numeric_limits<double>::quiet_NaN() : j.at("score").get<double>();
    t.metrics = j.at("metrics").get<std::map<std::string, double>>();
    for (const auto& p : j.at("curve"))
      t.curve.push_back({p.at("step").get<double>(), p.at("values").get<std::map<std::string, double>>()});
    t.error = j.at("error").get<std::string>();
    t.wall_s = j.at("wall_s").get<double>();
    t.finished_at = j.at("finished_at").get<std::string>();
    t.fidelity = j.at("fidelity").get<double>();
    return t;
  } catch (const json::exception& e) {
    throw DataError(file.string() + ": not a trial result (" + e.what() + ")");
  }
}

void evaluate_trial(Evaluator& evaluator, TrialRecord& t, const TrialContext& ctx) {
  const auto start = std::chrono::steady_clock::now();
  try {
    TrialResult result = evaluator.evaluate(t.arch, ctx);
    if (evaluator.fidelities()) t.fidelity = result.fidelity > 0 ? result.fidelity : ctx.fidelity;
    t.metrics = std::move(result.metrics);
    t.curve = std::move(result.curve);
    t.score = result.score;
    t.status = std::isfinite(result.score) ? TrialStatus::ok : TrialStatus::failed;
    if (t.status == TrialStatus::failed)
      t.error = fmt::format("evaluator returned a non-finite score ({})", result.score);
  } catch (const TrialStopped&) {
    t.status = TrialStatus::pending;
    return;
  } catch (const std::exception& e) {
    t.status = TrialStatus::failed;
    t.error = e.what();
  }
  t.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  t.finished_at = utc_now();
}

}  // namespace automl
