// The commands of experiments and runs: run, check, data, resume, inspect,
// train, and trial and cancel (runs whose trials go through a launcher).

#include <fmt/format.h>

#include "automl/error.hpp"
#include "automl/parallel.hpp"
#include "automl/run/launcher.hpp"
#include "automl/run/report.hpp"
#include "automl/run/run_job.hpp"
#include "automl/text.hpp"
#include "cli_support.hpp"
#include "launch_commands.hpp"
#include "printing.hpp"

namespace automl::cli {

namespace fs = std::filesystem;

namespace {

// Watches the run's Slurm job (run_job.hpp) to its end, then summarizes the run.
int finish_run_job(const Experiment& exp, const fs::path& dir, std::ostream& out) {
  const int code = watch_run_job(exp, dir, run_control().stop, out);
  if (code == 130) return code;  // the job goes on
  show_run(dir, 5, out);
  return code;
}

}  // namespace

int cmd_run(const Args& a) {
  return experiment_command(a, "run", "experiment", "experiment file (TOML)", from_file,
                            [&](const std::string&, const Experiment& exp, const Registry& registry) {
                              check_launcher_here(exp, a.err);
                              Experiment here = exp;  // components built as the trials build them
                              here.launcher = LauncherOptions{};
                              Components components = build_components(here, registry);
                              if (exp.launcher.type == "slurm" && components.evaluator->trials_share_state())
                                return finish_run_job(exp, create_run(exp, registry), a.out);
                              return print_summary(start_run(exp, registry, std::move(components), run_control()),
                                                   a.out);
                            });
}

int cmd_check(const Args& a) {
  return experiment_command(a, "check", "experiment", "experiment file (TOML)", from_file,
                            [&](const std::string& file, const Experiment& exp, const Registry& registry) {
                              check_launcher_here(exp, a.err);
                              const Components c = build_components(exp, registry);
                              a.out << file << ": ok\n";
                              if (exp.launcher.type == "process")
                                a.out << "# trials run as processes of their own (automl trial), at most "
                                      << exp.options.parallel_trials << " at once\n";
                              else if (exp.launcher.type == "slurm" && c.evaluator->trials_share_state())
                                a.out << "# evaluator '" << exp.evaluator.type
                                      << "' trains one supernet in one process: the whole run is one Slurm job "
                                         "(`automl run-job RUN_DIR`); comparisons of such searches fan out by run\n";
                              else if (exp.launcher.type == "slurm")
                                a.out << "# trials run as Slurm jobs: one job array of `automl trial` tasks per round\n";
                              else if (c.evaluator->trials_share_state())
                                a.out << "# evaluator '" << exp.evaluator.type
                                      << "' trains one supernet in this process: the search runs as one process "
                                         "(under Slurm, one job); comparisons of such searches fan out by run\n";
                              if (const auto f = c.evaluator->fidelities()) {  // multi-fidelity strategies use them
                                std::string levels;
                                for (double l : f->levels) levels += (levels.empty() ? "" : ", ") + fmt::format("{}", l);
                                a.out << fmt::format("# evaluator '{}' offers fidelities {} to {} {}{}\n",
                                                     exp.evaluator.type, f->min, f->max, f->unit,
                                                     levels.empty() ? "" : " (levels " + levels + ")");
                              }
                              a.out << resolved_toml(exp, registry);
                              return 0;
                            });
}

int cmd_data(const Args& a) {
  const Loader dataset_only = [](const std::string& file, const std::vector<std::string>& overrides) {
    return load_experiment(file, overrides, Needs::dataset);
  };
  return experiment_command(a, "data", "experiment", "experiment file (TOML) with a [dataset]", dataset_only,
                            [&](const std::string&, const Experiment& exp, const Registry& registry) {
                              const auto dataset = build_dataset(exp, registry);
                              print_dataset(exp.dataset->type, dataset->info(), a.out);
                              return 0;
                            });
}

int cmd_resume(const Args& a) {
  return experiment_command(a, "resume", "run_dir", "run directory", load_run_experiment,
                            [&](const std::string& dir, const Experiment& exp, const Registry& registry) {
                              check_launcher_here(exp, a.err);
                              if (is_run_job(dir)) return finish_run_job(exp, fs::absolute(dir), a.out);
                              return print_summary(
                                  resume_run(dir, exp, build_components(exp, registry), run_control()), a.out);
                            });
}

int cmd_run_job(const Args& a) {
  auto o = base_options();
  o.add_options()("run_dir", po::value<std::string>(), "run directory");
  po::positional_options_description p;
  p.add("run_dir", 1);
  const auto vm = parse(a, o, p);
  if (wants_help(vm, "run-job", o, a.out)) return 0;
  const fs::path dir = fs::absolute(required_positional(vm, "run_dir", "run-job")).lexically_normal();
  Experiment exp = load_run_experiment(dir, {});
  exp.launcher = LauncherOptions{};  // this process is the job: the trials run in it
  RunControl control = run_control();
  control.stop = &stop_on_signals();  // scancel, a Slurm time limit: the run stops cleanly
  int code = 1;
  try {
    Registry registry;
    PluginHost host(registry);
    load_plugins(host, &exp);
    code = print_summary(resume_run(dir, exp, build_components(exp, registry), control), a.out);
  } catch (const Error& e) {
    write_run_job_exit(dir, e.exit_code());
    throw;
  }
  write_run_job_exit(dir, code);
  return code;
}

namespace {

// inspect and train: an experiment plus --arch, the architecture in the
// space's text form (or a name the space knows, e.g. naonet_b).
struct ArchArgs {
  Experiment exp;
  std::string arch;
  po::variables_map vm;
};

ArchArgs arch_command(const Args& a, const std::string& name, po::options_description o) {
  add_set_option(o);
  o.add_options()("experiment", po::value<std::string>(), "experiment file (TOML)")(
      "arch", po::value<std::string>(), "architecture: the search space's text form or a known name");
  po::positional_options_description p;
  p.add("experiment", 1);
  ArchArgs out;
  out.vm = parse(a, o, p);
  if (wants_help(out.vm, name, o, a.out)) return out;
  out.exp = load_experiment(required_positional(out.vm, "experiment", name), sets(out.vm));
  out.arch = required_positional(out.vm, "arch", name);
  return out;
}

}  // namespace

int cmd_inspect(const Args& a) {
  auto o = base_options();
  o.add_options()("tokens", "also print the token sequence")(
      "draw", po::value<std::string>(), "draw the architecture's cells to FILE (.svg, .png or .dot)");
  const ArchArgs args = arch_command(a, "inspect", o);
  if (args.arch.empty()) return 0;
  Registry registry;
  PluginHost host(registry);
  load_plugins(host, &args.exp);
  const Components c = build_components(args.exp, registry);
  const Architecture arch = c.space->parse(args.arch);
  a.out << "architecture  " << c.space->to_text(arch) << "\n";
  if (args.vm.count("draw")) {
    const fs::path file = args.vm["draw"].as<std::string>();
    draw_architecture(*c.space, args.exp.search_space.type, arch, c.space->to_text(arch), file);
    a.out << "drawn         " << file.string() << "\n";
  }
  if (args.vm.count("tokens")) {
    if (c.space->tokens() == nullptr) throw UsageError("this search space has no token encoding (--tokens)");
    std::string tokens;
    for (int t : c.space->tokens()->encode(arch)) tokens += (tokens.empty() ? "" : " ") + std::to_string(t);
    a.out << "tokens        " << tokens << "\n";
  }
  const std::string text = c.evaluator->inspect(arch);
  a.out << (text.empty() ? std::string("(the evaluator '" + args.exp.evaluator.type + "' builds no network)\n") : text);
  return 0;
}

int cmd_train(const Args& a) {
  auto o = base_options();
  o.add_options()("out", po::value<std::string>(),
                  "training directory (default: OUTPUT_DIR/NAME-train); an unfinished training there resumes");
  const ArchArgs args = arch_command(a, "train", o);
  if (args.arch.empty()) return 0;
  Registry registry;
  PluginHost host(registry);
  load_plugins(host, &args.exp);
  set_torch_threads(args.exp.options.threads);
  const Components c = build_components(args.exp, registry);
  if (!c.evaluator->can_train())
    throw UsageError("the evaluator '" + args.exp.evaluator.type +
                     "' cannot train a network; use type = \"full_training\" (images) or \"lm_training\" "
                     "(language models)");
  const Architecture arch = c.space->parse(args.arch);
  TrainJob job;
  job.dir = args.vm.count("out") ? fs::path(args.vm["out"].as<std::string>())
                                 : fs::path(args.exp.options.output_dir) / (args.exp.options.name + "-train");
  job.seed = derive_seed(static_cast<std::uint64_t>(args.exp.options.seed), "train");
  job.threads = args.exp.options.threads;
  const RunControl control = run_control();
  job.stop = [stop = control.stop] { return stop->load(); };
  job.progress = [&a, tty = control.progress_line](const std::string& line) {
    if (tty) a.err << "\r\033[K" << line << std::flush;
    else if (line.find(" ETA ") != std::string::npos) a.err << line << "\n";
    if (tty && line.find(" ETA ") != std::string::npos) a.err << "\n";
  };
  const TrialResult r = c.evaluator->train(arch, job);
  a.out << fmt::format("{}: score {:.4f}", job.dir.string(), r.score);
  for (const auto& [k, v] : r.metrics) a.out << fmt::format("  {} {:.6g}", k, v);
  a.out << "\n";
  return control.stop->load() ? 130 : 0;
}

int cmd_trial(const Args& a) {
  auto o = base_options();
  o.add_options()("run_dir", po::value<std::string>(), "run directory")("trial", po::value<std::int64_t>(), "trial id");
  po::positional_options_description p;
  p.add("run_dir", 1).add("trial", 1);
  const auto vm = parse(a, o, p);
  if (wants_help(vm, "trial", o, a.out)) return 0;
  const fs::path run_dir = fs::absolute(required_positional(vm, "run_dir", "trial")).lexically_normal();
  if (!vm.count("trial")) throw UsageError("trial needs a trial id: automl trial RUN_DIR ID");
  return run_trial_task(run_dir, vm["trial"].as<std::int64_t>(), stop_on_signals(),
                        [](PluginHost& host, const Experiment* exp) { load_plugins(host, exp); }, a.out);
}

int cmd_cancel(const Args& a) {
  auto o = base_options();
  o.add_options()("run_dir", po::value<std::string>(), "run directory");
  po::positional_options_description p;
  p.add("run_dir", 1);
  const auto vm = parse(a, o, p);
  if (wants_help(vm, "cancel", o, a.out)) return 0;
  return cancel_run(fs::absolute(required_positional(vm, "run_dir", "cancel")).lexically_normal(), a.out);
}

}  // namespace automl::cli
