#include "automl/host/compare.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "automl/host/results_store.hpp"
#include "automl/host/run_loop.hpp"
#include "automl/host/text.hpp"
#include "automl/log.hpp"
#include "automl/parallel.hpp"
#include "compare_db.hpp"
#include "toml_config.hpp"

namespace automl {

namespace fs = std::filesystem;

const Schema<CompareOptions>& CompareOptions::schema() {
  using O = CompareOptions;
  static const auto s =
      Schema<O>("A head-to-head comparison: variants of one base experiment, each run for the same seeds.")
          .field("name", &O::name, "Comparison name; its directory is <output_dir>/<name>. Default: the file's stem")
          .field("experiment", &O::experiment, "The base experiment file, relative to the comparison file")
          .required()
          .field("seeds", &O::seeds, "Runs per variant, seeds first_seed, first_seed + 1, ...").range(1, 10000)
          .field("first_seed", &O::first_seed, "The first experiment seed").at_least(0)
          .field("budget_trials", &O::budget_trials, "Every run's trial budget; 0: the base experiment's")
          .at_least(0)
          .field("budget_seconds", &O::budget_seconds, "Every run's time budget; 0: the base experiment's")
          .at_least(0)
          .field("jobs", &O::jobs, "Runs at once; 0: the cores here divided by the experiment's threads")
          .range(0, 1024)
          .field("baseline", &O::baseline, "The variant the others are tested against. Default: the first")
          .field("metric", &O::metric,
                 "A trial metric reported beside the search score: the metric of each run's best-scoring "
                 "candidate (e.g. a test accuracy). \"\": the score only")
          .field("output_dir", &O::output_dir, "Folder for comparison directories, relative to the current directory");
  return s;
}

fs::path Comparison::directory() const { return fs::absolute(options.output_dir) / options.name; }

Experiment Comparison::run_experiment(const Variant& variant, std::int64_t seed) const {
  Experiment exp = variant.experiment;
  auto entries = exp.experiment_section.entries();
  const Location from{file.string() + " [comparison]"};
  entries["seed"] = Entry{seed, from};
  if (options.budget_trials > 0) entries["budget_trials"] = Entry{options.budget_trials, from};
  if (options.budget_seconds > 0) entries["budget_seconds"] = Entry{options.budget_seconds, from};
  entries["name"] = Entry{"seed-" + std::to_string(seed), from};
  exp.experiment_section = Section("experiment", "", exp.experiment_section.where(), std::move(entries));
  exp.options = ExperimentOptions::schema().parse(exp.experiment_section);
  return exp;
}

namespace {

const std::vector<std::string> kExperimentSections = {"experiment", "dataset",   "search_space",
                                                      "strategy",   "evaluator", "final"};

// Moves `node` (keeping its source position) into `table` under `key`.
void move_into(toml::table& table, const std::string& key, toml::node& node) {
  node.visit([&](auto& typed) { table.insert_or_assign(key, std::move(typed)); });
}

Variant parse_variant(const std::string& name, toml::table& changes, const fs::path& comparison_dir,
                      const std::string& default_base, const Location& default_base_where) {
  static const std::regex valid_name("[A-Za-z0-9_.-]+");
  if (!std::regex_match(name, valid_name) || name == "." || name == "..")
    throw ConfigError(detail::location_of(changes), "variant name '" + name +
                                                        "' must be letters, digits, '_', '-' or '.': it names a "
                                                        "folder of the comparison directory");
  std::string base = default_base;
  Location base_where = default_base_where;
  if (const auto* b = changes.get("base")) {
    if (!b->is_string())
      throw ConfigError(detail::location_of(*b), "[variants." + name + "] base must be a string: an experiment file");
    base = *b->value<std::string>();
    base_where = detail::location_of(*b);
  }
  const fs::path base_file = fs::absolute(comparison_dir / base);
  if (!fs::exists(base_file))
    throw ConfigError(base_where, "the experiment file '" + base + "' does not exist (" + base_file.string() +
                                      "); paths are relative to the comparison file");
  toml::table root = detail::parse_toml(detail::read_config_file(base_file, "experiment file"), base_file.string());
  for (auto&& [key, node] : changes) {
    const std::string section(key.str());
    if (section == "base") continue;
    if (std::find(kExperimentSections.begin(), kExperimentSections.end(), section) == kExperimentSections.end())
      throw ConfigError(detail::location_of(node),
                        "[variants." + name + "] has '" + section + "'" + did_you_mean(section, kExperimentSections) +
                            "; a variant holds `base` and tables named after the experiment's: " +
                            quoted_list(kExperimentSections));
    auto* table = node.as_table();
    if (table == nullptr)
      throw ConfigError(detail::location_of(node), "[variants." + name + "] '" + section +
                                                       "' must be a table: write it as [variants." + name + "." +
                                                       section + "]");
    if (table->contains("type") || !root.contains(section)) {
      // A whole table: another plugin (or a table the base lacks).
      if (section == "experiment" && table->contains("type"))
        throw ConfigError(detail::location_of(*table->get("type")), "[experiment] takes no `type`");
      move_into(root, section, node);
      continue;
    }
    auto* target = root[section].as_table();
    if (target == nullptr)
      throw ConfigError(base_where, "'" + section + "' is not a table in " + base_file.string());
    for (auto&& [k, value] : *table) move_into(*target, std::string(k.str()), value);
  }
  Variant v;
  v.name = name;
  v.experiment = detail::experiment_from_table(root, base_file.string(), base_file.parent_path(), {});
  v.experiment.file = base_file;
  return v;
}

}  // namespace

Comparison load_comparison(const fs::path& file) {
  Comparison c;
  c.file = fs::absolute(file);
  c.text = detail::read_config_file(file, "comparison file");
  toml::table root = detail::parse_toml(c.text, file.string());
  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    if (k != "comparison" && k != "variants")
      throw ConfigError(detail::location_of(node), "unknown section [" + k + "]" +
                                                       did_you_mean(k, {"comparison", "variants"}) +
                                                       "; a comparison file has [comparison] and [variants.NAME]");
    if (!node.is_table())
      throw ConfigError(detail::location_of(node), "'" + k + "' must be a table: write it as [" + k + "]");
  }
  if (!root.contains("comparison"))
    throw ConfigError(Location{file.string(), 1, 1},
                      "missing [comparison] (it names the base experiment, the seeds and the budget)");
  const Section section = detail::to_section(*root["comparison"].as_table(), "comparison", "", {});
  c.options = CompareOptions::schema().parse(section);
  if (c.options.name.empty()) c.options.name = file.stem().string();
  auto* variants = root["variants"].as_table();
  if (variants == nullptr || variants->empty())
    throw ConfigError(Location{file.string(), 1, 1},
                      "no variants: add at least one [variants.NAME] table (an empty one runs the base experiment)");
  for (auto&& [key, node] : *variants) {
    auto* table = node.as_table();
    if (table == nullptr)
      throw ConfigError(detail::location_of(node), "variant '" + std::string(key.str()) +
                                                       "' must be a table: write it as [variants." +
                                                       std::string(key.str()) + "]");
    c.variants.push_back(parse_variant(std::string(key.str()), *table, c.file.parent_path(),
                                       c.options.experiment, section.where("experiment")));
  }
  // toml++ keeps keys sorted; the report lists variants in file order.
  std::sort(c.variants.begin(), c.variants.end(), [&](const Variant& a, const Variant& b) {
    const auto line = [&](const Variant& v) { return detail::location_of(*variants->get(v.name)).line; };
    return line(a) < line(b);
  });
  if (c.options.baseline.empty()) c.options.baseline = c.variants.front().name;
  std::vector<std::string> names;
  for (const auto& v : c.variants) names.push_back(v.name);
  if (std::find(names.begin(), names.end(), c.options.baseline) == names.end())
    throw ConfigError(section.where("baseline"), "baseline '" + c.options.baseline + "' is not a variant" +
                                                     did_you_mean(c.options.baseline, names) +
                                                     "; the variants are " + quoted_list(names));
  return c;
}

namespace {

struct Job {
  const Variant* variant = nullptr;
  std::int64_t seed = 0;
  fs::path dir;  // the run directory
  fs::path log() const { return dir.parent_path() / (dir.filename().string() + ".log"); }
};

int thread_count() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  return 0;
}

bool has_experiment(const fs::path& run_dir) {
  if (!fs::exists(run_dir / "results.db")) return false;
  try {
    return ResultsStore::open(run_dir / "results.db")->meta("experiment").has_value();
  } catch (const Error&) {
    return false;
  }
}

// In the child: start the run, or resume it from its own database.
int run_child(const Comparison& c, const Job& job, const Registry& registry, const CompareControl& control) {
  RunControl rc;
  rc.stop = control.stop;
  const Experiment exp = c.run_experiment(*job.variant, job.seed);
  RunSummary summary;
  if (has_experiment(job.dir)) {
    summary = resume_run(job.dir, exp, registry, rc);
  } else {
    fs::remove_all(job.dir);  // a start killed before its database held the experiment
    summary = start_run_in(exp, registry, job.dir, rc);
  }
  return summary.stop_reason == "interrupted" ? 130 : 0;
}

pid_t launch(const Comparison& c, const Job& job, const Registry& registry, const CompareControl& control) {
  fs::create_directories(job.dir.parent_path());
  std::cout.flush();
  std::cerr.flush();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw Error(std::string("cannot start a run: fork failed: ") + std::strerror(errno));
  if (pid > 0) return pid;
  // The child: dies with the comparison (kill -9 included), writes to its log.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(1);
  const int fd = open(job.log().c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
  }
  int code = 1;
  try {
    code = run_child(c, job, registry, control);
  } catch (const Error& e) {
    std::cerr << "automl: error: " << e.what() << "\n";
    code = e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "automl: error: " << e.what() << "\n";
  }
  std::cout.flush();
  std::cerr.flush();
  _exit(code);
}

// The last line of a run's log that reports an error, for the summary.
std::string last_error(const fs::path& log) {
  std::ifstream in(log);
  std::string line, found;
  while (std::getline(in, line))
    if (line.find("error") != std::string::npos) found = line;
  return found.empty() ? "see " + log.string() : found;
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return fmt::format("exit code {}", WEXITSTATUS(status));
}

}  // namespace

void check_comparison(const Comparison& c, const Registry& registry) {
  for (const auto& v : c.variants) check_experiment(c.run_experiment(v, c.options.first_seed), registry);
}

int run_comparison(const Comparison& c, const Registry& registry, const CompareControl& control, std::ostream& out) {
  // Check every variant before anything starts: a typo fails now, not later.
  set_torch_threads(1);
  check_comparison(c, registry);
  int threads = 1;
  std::vector<CompareVariant> variants;
  for (const auto& v : c.variants) {
    threads = std::max(threads, v.experiment.options.threads);
    variants.push_back({v.name, v.experiment.strategy.type,
                        resolved_toml(c.run_experiment(v, c.options.first_seed), registry)});
  }
  const fs::path dir = c.directory();
  fs::create_directories(dir);
  CompareDb db(dir / "compare.db");
  const auto& o = c.options;
  const ExperimentOptions budget = c.run_experiment(c.variants.front(), o.first_seed).options;
  db.start(c.text,
           {{"name", o.name},
            {"file", c.file.string()},
            {"experiment", o.experiment},
            {"seeds", std::to_string(o.seeds)},
            {"first_seed", std::to_string(o.first_seed)},
            {"budget_trials", std::to_string(budget.budget_trials)},
            {"budget_seconds", fmt::format("{}", budget.budget_seconds)},
            {"baseline", o.baseline},
            {"metric", o.metric}},
           variants);
  std::ofstream(dir / "comparison.toml", std::ios::binary) << c.text;

  std::vector<Job> queue;
  std::int64_t finished_before = 0;
  for (std::int64_t k = 0; k < c.options.seeds; ++k)
    for (const auto& v : c.variants) {
      const std::int64_t seed = c.options.first_seed + k;
      if (db.finished(v.name, seed)) {
        ++finished_before;
        continue;
      }
      queue.push_back(Job{&v, seed, dir / "runs" / v.name / ("seed-" + std::to_string(seed))});
    }
  const std::int64_t total = c.options.seeds * static_cast<std::int64_t>(c.variants.size());
  int jobs = control.jobs > 0 ? control.jobs : static_cast<int>(c.options.jobs);
  if (jobs <= 0) jobs = std::max(1, available_cores() / threads);
  out << fmt::format("comparison {}: {} variants x {} seeds = {} runs, {} at a time{}\n", dir.string(),
                     c.variants.size(), c.options.seeds, total, jobs,
                     finished_before > 0 ? fmt::format("; {} already finished", finished_before) : "");
  out.flush();
  if (thread_count() > 1)
    log_warning(fmt::format("the comparison process has {} threads before starting its runs; runs are forked "
                            "from it and expect one",
                            thread_count()));

  std::map<pid_t, Job> running;
  std::size_t next = 0;
  std::int64_t done = finished_before, failed = 0;
  bool interrupted = false, forwarded = false;
  const auto start = std::chrono::steady_clock::now();
  while (true) {
    const bool stop = control.stop && control.stop->load();
    if (stop && !forwarded) {
      for (const auto& [pid, job] : running) kill(pid, SIGINT);
      forwarded = interrupted = true;
    }
    while (!stop && static_cast<int>(running.size()) < jobs && next < queue.size()) {
      const Job& job = queue[next++];
      running.emplace(launch(c, job, registry, control), job);
    }
    if (running.empty()) break;
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid == 0 || (pid < 0 && errno == EINTR)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    if (pid < 0) throw Error(std::string("waiting for runs failed: ") + std::strerror(errno));
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const Job job = it->second;
    running.erase(it);
    const std::string label = fmt::format("{} seed {}", job.variant->name, job.seed);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      const auto run = db.import_run(job.variant->name, job.seed, job.dir, c.options.metric);
      ++done;
      out << fmt::format("[{:>{}}/{}] {}: best {:.4f}{} after {} trials, {:.1f} s\n", done,
                         std::to_string(total).size(), total, label, run.best_score,
                         c.options.metric.empty() || !std::isfinite(run.best_metric)
                             ? ""
                             : fmt::format(" ({} {:.4f})", c.options.metric, run.best_metric),
                         run.trials, run.elapsed_s);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 130) {
      interrupted = true;
      out << fmt::format("{}: interrupted; it resumes when the comparison is started again\n", label);
    } else {
      ++failed;
      const std::string why = describe_exit(status) + ": " + last_error(job.log());
      db.record_failure(job.variant->name, job.seed, job.dir, why);
      out << fmt::format("{} FAILED ({}); log: {}\n", label, why, job.log().string());
    }
    out.flush();
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out << fmt::format("{} of {} runs finished, {} failed, in {:.1f} s{}\n", done, total, failed, wall,
                     interrupted ? "; interrupted: run the same command again to continue" : "");
  if (done > 0) write_compare_report(dir, out);
  if (interrupted) return 130;
  return failed > 0 ? 1 : 0;
}

}  // namespace automl
