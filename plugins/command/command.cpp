// Command evaluator: runs the user's own training code, one process per
// trial. The trial is handed over in trial.json and AUTOML_* variables; the
// code answers with result.json. Each process gets a group of its own,
// killed as a whole on a timeout, a stop or when it ends.

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "automl/plugin.hpp"
#include "automl/text.hpp"
#include "child.hpp"
#include "trial_files.hpp"

namespace {

namespace fs = std::filesystem;

std::string number(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", x);
  return text;
}

class Command final : public automl::Evaluator {
 public:
  struct Options {
    std::vector<std::string> command;
    bool shell = false;
    std::string workdir;
    std::vector<std::string> env;
    double time_limit_s = 0;
    std::string score = "score";
    bool maximize = true;
    int stderr_lines = 10;
    double min_fidelity = 0;
    double max_fidelity = 0;
    std::string fidelity_unit = "epochs";
  };
  static const automl::Schema<Options>& schema() {
    static const auto s =
        automl::Schema<Options>(
            "Runs your own training code per trial (a Python script, a shell script, any program): it reads "
            "the architecture from trial.json (or AUTOML_* variables) in its trial directory and writes "
            "result.json with its metrics. The score is one of them.")
            .field("command", &Options::command,
                   "The program and its arguments (no shell), e.g. [\"python3\", \"train.py\"]; "
                   "with shell = true, one string for /bin/sh -c")
            .required()
            .field("shell", &Options::shell, "Run `command` (one string) with /bin/sh -c")
            .field("workdir", &Options::workdir,
                   "Working directory, relative to the experiment file; \"\": the experiment file's directory")
            .field("env", &Options::env, "Environment additions, \"KEY=VALUE\" each")
            .field("time_limit_s", &Options::time_limit_s,
                   "Seconds a trial may run before its process group is killed (the trial fails); 0: no limit")
            .range(0, 1e9)
            .field("score", &Options::score, "The metric of result.json that is the score")
            .field("maximize", &Options::maximize, "True when a higher score metric is better (false: loss, perplexity)")
            .field("stderr_lines", &Options::stderr_lines, "Lines of the command's stderr quoted when a trial fails")
            .range(0, 200)
            .field("min_fidelity", &Options::min_fidelity,
                   "With max_fidelity: the lowest budget the script accepts (trial.json \"fidelity\", "
                   "AUTOML_FIDELITY), for multi-fidelity strategies")
            .range(0, 1e12)
            .field("max_fidelity", &Options::max_fidelity,
                   "The full budget (what a trial that asks for none gets); 0: the script has no fidelities")
            .range(0, 1e12)
            .field("fidelity_unit", &Options::fidelity_unit, "What one unit of fidelity is (epochs, steps, ...)")
            .rule("max_fidelity",
                  [](const Options& o) -> std::string {
                    return o.max_fidelity > 0 && !(o.min_fidelity > 0 && o.min_fidelity <= o.max_fidelity)
                               ? "needs 0 < min_fidelity <= max_fidelity"
                               : "";
                  })
            .rule("command",
                  [](const Options& o) -> std::string {
                    if (o.command.empty() || o.command.front().empty()) return "name the program to run";
                    if (o.shell && o.command.size() != 1)
                      return "with shell = true, command is one string for /bin/sh -c";
                    return "";
                  })
            .rule("env",
                  [](const Options& o) -> std::string {
                    for (const auto& e : o.env) {
                      const auto eq = e.find('=');
                      if (eq == std::string::npos || eq == 0)
                        return "\"" + automl::printable(e) + "\" is not KEY=VALUE";
                    }
                    return "";
                  })
            .rule("score",
                  [](const Options& o) -> std::string { return o.score.empty() ? "name the metric" : ""; })
            .example(
                "# e.g. command = [\"python3\", \"train.py\", \"--epochs\", \"2\"]; this one answers at once:\n"
                "command = [\"sh\", \"-c\", \"echo '{\\\"metrics\\\": {\\\"valid_acc\\\": 50}}' > "
                "\\\"$AUTOML_RESULT_FILE\\\"\"]\n"
                "score = \"valid_acc\"");
    return s;
  }

  Command(const Options& o, const automl::Context& ctx) : options_(o), ctx_(ctx) {
    if (ctx.space == nullptr) throw automl::Error("the command evaluator needs a search space");
    workdir_ = ctx.resolve(o.workdir.empty() ? "." : o.workdir);
    if (!fs::is_directory(workdir_))
      throw automl::ConfigError::for_key("workdir", workdir_.string() + " is not a directory");
  }

  bool concurrent() const override { return true; }  // one process per trial

  std::optional<automl::FidelityRange> fidelities() const override {
    if (options_.max_fidelity <= 0) return std::nullopt;
    return automl::FidelityRange{options_.min_fidelity, options_.max_fidelity, options_.fidelity_unit, {}};
  }

  automl::TrialResult evaluate(const automl::Architecture& arch, const automl::TrialContext& given) override {
    automl::TrialContext trial = given;
    if (trial.dir.empty()) trial.dir = scratch_dir(trial);
    const fs::path dir = trial.dir;
    fs::create_directories(dir);
    const fs::path trial_file = dir / "trial.json", result_file = dir / "result.json", pid_file = dir / "pid";
    const std::string marker = "AUTOML_TRIAL_DIR=" + fs::absolute(dir).string();
    // A run killed in the middle of this trial: its process may live on, and
    // its result is not trusted (the trial is evaluated anew).
    command::kill_leftover(pid_file, marker);
    std::error_code ec;
    fs::remove(result_file, ec);
    std::ofstream(trial_file, std::ios::binary) << command::trial_json(arch, trial, ctx_, result_file);

    command::ChildSpec spec;
    spec.argv = options_.shell ? std::vector<std::string>{"/bin/sh", "-c", options_.command.front()}
                               : options_.command;
    spec.workdir = workdir_;
    spec.env = command::trial_environment(arch, trial, ctx_, trial_file, result_file);
    spec.env.insert(spec.env.end(), options_.env.begin(), options_.env.end());
    spec.stdout_file = dir / "stdout.log";
    spec.stderr_file = dir / "stderr.log";
    spec.pid_file = pid_file;
    spec.time_limit_s = options_.time_limit_s;
    const auto outcome = command::run_child(spec, trial.stop);

    using End = command::ChildOutcome::End;
    if (outcome.end == End::stopped) throw automl::TrialStopped();
    if (outcome.end == End::timed_out)
      fail(spec, "ran past time_limit_s = " + number(options_.time_limit_s) +
                     " s; its process group was killed");
    if (outcome.end == End::signaled)
      fail(spec, "was killed by signal " + std::to_string(outcome.code) + " (" + strsignal(outcome.code) + ")");
    if (outcome.code != 0) fail(spec, "exited with code " + std::to_string(outcome.code));

    automl::TrialResult result;
    try {
      result = command::read_result(result_file);
    } catch (const automl::Error& e) {
      fail(spec, "succeeded, but " + std::string(e.what()));
    }
    const auto it = result.metrics.find(options_.score);
    if (it == result.metrics.end()) {
      std::string have;
      for (const auto& [k, v] : result.metrics) have += (have.empty() ? "" : ", ") + k;
      fail(spec, "succeeded, but " + result_file.string() + " has no metric \"" + options_.score +
                     "\" (score = \"" + options_.score + "\"); it has " + (have.empty() ? "none" : have));
    }
    if (!std::isfinite(it->second))
      fail(spec, "succeeded, but its score metric \"" + options_.score + "\" is " +
                     number(it->second) + " in " + result_file.string());
    result.score = options_.maximize ? it->second : -it->second;
    return result;
  }

 private:
  // Trials evaluated outside a run (automl inspect, tests) get a directory
  // under the system's temporary one.
  static fs::path scratch_dir(const automl::TrialContext& trial) {
    return fs::temp_directory_path() / ("automl-command-" + std::to_string(getpid())) / std::to_string(trial.trial);
  }

  [[noreturn]] void fail(const command::ChildSpec& spec, const std::string& what) const {
    std::string message = "the command " + what;
    const std::string tail = command::tail_of(spec.stderr_file, options_.stderr_lines);
    message += tail.empty() ? "; its stderr (" + spec.stderr_file.string() + ") is empty"
                            : "; the last lines of its stderr (" + spec.stderr_file.string() + "):\n" + tail;
    throw automl::Error(message);
  }

  Options options_;
  automl::Context ctx_;
  fs::path workdir_;
};

void register_components(automl::Registrar& r) { r.add<Command>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
