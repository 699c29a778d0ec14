#include "trial_files.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "automl/dataset.hpp"
#include "automl/error.hpp"
#include "automl/search_space.hpp"
#include "automl/text.hpp"

namespace command {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json to_json(const automl::Value& v) {
  return std::visit([](const auto& x) { return json(x); }, v);
}

const char* role_name(automl::CellGraph::Role role) {
  switch (role) {
    case automl::CellGraph::Role::input: return "input";
    case automl::CellGraph::Role::output: return "output";
    default: return "node";
  }
}

json cells_json(const std::vector<automl::CellGraph>& cells) {
  json out = json::array();
  for (const auto& cell : cells) {
    json nodes = json::array(), edges = json::array();
    for (const auto& n : cell.nodes) nodes.push_back({{"id", n.id}, {"label", n.label}, {"role", role_name(n.role)}});
    for (const auto& e : cell.edges) edges.push_back({{"from", e.from}, {"to", e.to}, {"op", e.label}});
    out.push_back({{"title", cell.title}, {"nodes", nodes}, {"edges", edges}});
  }
  return out;
}

json dataset_json(const automl::Context& ctx) {
  if (ctx.dataset == nullptr) return nullptr;
  const automl::DatasetInfo info = ctx.dataset->info();
  json splits = json::object();
  for (const auto& s : info.splits) splits[s.name] = s.size;
  json options = json::object();
  for (const auto& [key, value] : ctx.dataset_options) options[key] = to_json(value);
  return {{"type", ctx.dataset_type}, {"options", options}, {"task", info.task}, {"shape", info.shape},
          {"classes", info.classes}, {"class_names", info.class_names}, {"splits", splits}, {"mean", info.mean},
          {"std", info.std}, {"source", info.source}};
}

}  // namespace

std::string trial_json(const automl::Architecture& arch, const automl::TrialContext& trial, const automl::Context& ctx,
                       const fs::path& result_file) {
  const automl::SearchSpace& space = *ctx.space;
  json genes = json::array();
  const auto& decisions = space.decisions();
  for (std::size_t i = 0; i < decisions.size(); ++i) {
    const auto& d = decisions[i];
    const int g = arch.genes.at(i);
    genes.push_back({{"decision", d.name}, {"value", g}, {"choice", d.choices.at(static_cast<std::size_t>(g))},
                     {"choices", d.choices}});
  }
  json doc = {{"format", kFormat},
              {"trial", trial.trial},
              {"seed", trial.seed},
              {"threads", trial.threads},
              {"device", ctx.device},
              {"trial_dir", fs::absolute(trial.dir).string()},
              {"result_file", fs::absolute(result_file).string()},
              {"experiment_dir", fs::absolute(ctx.base_dir).string()},
              {"architecture", space.to_text(arch)},
              {"genes", genes},
              {"tokens", nullptr},
              {"cells", cells_json(space.graphs(arch))},
              {"dataset", dataset_json(ctx)}};
  if (const auto* tokens = space.tokens()) doc["tokens"] = tokens->encode(arch);
  return doc.dump(2) + "\n";
}

std::vector<std::string> trial_environment(const automl::Architecture& arch, const automl::TrialContext& trial,
                                           const automl::Context& ctx, const fs::path& trial_file,
                                           const fs::path& result_file) {
  const std::string threads = std::to_string(trial.threads);
  return {"AUTOML_TRIAL=" + std::to_string(trial.trial),
          "AUTOML_SEED=" + std::to_string(trial.seed),
          "AUTOML_THREADS=" + threads,
          "AUTOML_DEVICE=" + ctx.device,
          "AUTOML_ARCH=" + ctx.space->to_text(arch),
          "AUTOML_TRIAL_DIR=" + fs::absolute(trial.dir).string(),
          "AUTOML_TRIAL_FILE=" + fs::absolute(trial_file).string(),
          "AUTOML_RESULT_FILE=" + fs::absolute(result_file).string(),
          "OMP_NUM_THREADS=" + threads,
          "MKL_NUM_THREADS=" + threads};
}

std::map<std::string, double> read_result(const fs::path& result_file) {
  std::ifstream in(result_file, std::ios::binary);
  if (!in) throw automl::Error(result_file.string() + " was not written: the command must write its metrics there");
  std::stringstream text;
  text << in.rdbuf();
  json doc;
  try {
    doc = json::parse(text.str());
  } catch (const json::parse_error& e) {
    const bool nan = text.str().find("NaN") != std::string::npos || text.str().find("Infinity") != std::string::npos;
    throw automl::Error(result_file.string() + " is not valid JSON (" + e.what() + ")" +
                        (nan ? "; JSON has no NaN or Infinity (Python's json.dump writes them): write null instead"
                             : ""));
  }
  if (!doc.is_object() || !doc.contains("metrics") || !doc["metrics"].is_object())
    throw automl::Error(result_file.string() + " must hold an object with a \"metrics\" object, e.g. "
                        "{\"metrics\": {\"valid_acc\": 91.3}}");
  std::map<std::string, double> metrics;
  for (const auto& [key, value] : doc["metrics"].items()) {
    if (value.is_number()) metrics[key] = value.get<double>();
    else if (value.is_null()) metrics[key] = std::nan("");
    else
      throw automl::Error(result_file.string() + ": metric \"" + automl::printable(key) + "\" is " +
                          std::string(value.type_name()) + ", expected a number (or null for none)");
  }
  return metrics;
}

}  // namespace command
