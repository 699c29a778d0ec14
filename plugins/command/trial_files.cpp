#include "trial_files.hpp"

#include <cmath>
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

// A DARTS-style genotype of NASNet-like cells: per cell, each intermediate
// node's (operation, input index) pairs, inputs numbered as DARTS numbers
// them (0 = c_{k-2}, 1 = c_{k-1}, then the nodes in order), and the nodes the
// output concatenates; plus the same as DARTS's Genotype(...) text. null for
// cells of another shape (two inputs, labelled edges into the nodes, plain
// edges into the output, titled "normal cell" / "reduction cell").
json genotype_json(const std::vector<automl::CellGraph>& cells) {
  if (cells.empty()) return nullptr;
  json out = json::object();
  std::string text;
  for (const auto& cell : cells) {
    const std::string name = cell.title == "normal cell" ? "normal" : cell.title == "reduction cell" ? "reduce" : "";
    if (name.empty() || out.contains(name)) return nullptr;
    std::map<std::string, int> index;
    int inputs = 0;
    std::string output;
    for (const auto& n : cell.nodes) {
      if (n.role == automl::CellGraph::Role::output) output = n.id;
      else index[n.id] = static_cast<int>(index.size());
      if (n.role == automl::CellGraph::Role::input) ++inputs;
    }
    if (inputs != 2 || output.empty()) return nullptr;
    json pairs = json::array(), concat = json::array();
    std::string pairs_text, concat_text;
    for (const auto& n : cell.nodes) {
      if (n.role == automl::CellGraph::Role::input) continue;
      for (const auto& e : cell.edges) {
        if (e.to != n.id || !index.count(e.from)) continue;
        if (n.role == automl::CellGraph::Role::output) {
          if (!e.label.empty()) return nullptr;
          concat.push_back(index[e.from]);
          concat_text += (concat_text.empty() ? "" : ", ") + std::to_string(index[e.from]);
        } else {
          if (e.label.empty()) return nullptr;
          pairs.push_back({e.label, index[e.from]});
          pairs_text += (pairs_text.empty() ? "" : ", ") + ("('" + e.label + "', " + std::to_string(index[e.from]) + ")");
        }
      }
    }
    out[name] = pairs;
    out[name + "_concat"] = concat;
    text += (text.empty() ? "" : ", ") + name + "=[" + pairs_text + "], " + name + "_concat=[" + concat_text + "]";
  }
  out["text"] = "Genotype(" + text + ")";
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
  const auto cells = space.graphs(arch);
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
              {"cells", cells_json(cells)},
              {"genotype", genotype_json(cells)},
              {"dataset", dataset_json(ctx)},
              {"fidelity", nullptr},
              {"previous_trial_dir", nullptr},
              {"previous_fidelity", nullptr}};
  if (const auto* tokens = space.tokens()) doc["tokens"] = tokens->encode(arch);
  if (trial.fidelity > 0) doc["fidelity"] = trial.fidelity;
  if (!trial.previous_dir.empty()) {
    doc["previous_trial_dir"] = fs::absolute(trial.previous_dir).string();
    doc["previous_fidelity"] = trial.previous_fidelity;
  }
  return doc.dump(2) + "\n";
}

std::vector<std::string> trial_environment(const automl::Architecture& arch, const automl::TrialContext& trial,
                                           const automl::Context& ctx, const fs::path& trial_file,
                                           const fs::path& result_file) {
  const std::string threads = std::to_string(trial.threads);
  std::vector<std::string> fidelity;
  if (trial.fidelity > 0) {
    std::ostringstream value;
    value << trial.fidelity;
    fidelity.push_back("AUTOML_FIDELITY=" + value.str());
  }
  if (!trial.previous_dir.empty())
    fidelity.push_back("AUTOML_PREVIOUS_TRIAL_DIR=" + fs::absolute(trial.previous_dir).string());
  std::vector<std::string> env{"AUTOML_TRIAL=" + std::to_string(trial.trial),
          "AUTOML_SEED=" + std::to_string(trial.seed),
          "AUTOML_THREADS=" + threads,
          "AUTOML_DEVICE=" + ctx.device,
          "AUTOML_ARCH=" + ctx.space->to_text(arch),
          "AUTOML_TRIAL_DIR=" + fs::absolute(trial.dir).string(),
          "AUTOML_TRIAL_FILE=" + fs::absolute(trial_file).string(),
          "AUTOML_RESULT_FILE=" + fs::absolute(result_file).string(),
          "OMP_NUM_THREADS=" + threads,
          "MKL_NUM_THREADS=" + threads};
  env.insert(env.end(), fidelity.begin(), fidelity.end());
  return env;
}

namespace {

// A number of result.json, or null for none (NaN).
double number_or_null(const json& value, const fs::path& result_file, const std::string& what) {
  if (value.is_number()) return value.get<double>();
  if (value.is_null()) return std::nan("");
  throw automl::Error(result_file.string() + ": " + what + " is " + std::string(value.type_name()) +
                      ", expected a number (or null for none)");
}

std::vector<automl::CurvePoint> read_curve(const json& curve, const fs::path& result_file) {
  const std::string example = "e.g. \"curve\": [{\"step\": 1, \"valid_acc\": 61.2}, {\"step\": 2, \"valid_acc\": 70.4}]";
  if (!curve.is_array()) throw automl::Error(result_file.string() + ": \"curve\" must be a list of objects, " + example);
  std::vector<automl::CurvePoint> points;
  for (std::size_t i = 0; i < curve.size(); ++i) {
    const auto& entry = curve[i];
    const std::string where = "curve entry " + std::to_string(i);
    if (!entry.is_object() || !entry.contains("step") || !entry["step"].is_number())
      throw automl::Error(result_file.string() + ": " + where + " must be an object with a number \"step\", " + example);
    automl::CurvePoint p;
    p.step = entry["step"].get<double>();
    if (!std::isfinite(p.step) || (!points.empty() && p.step <= points.back().step))
      throw automl::Error(result_file.string() + ": " + where + " has step " + automl::printable(entry["step"].dump()) +
                          "; steps must increase along the curve");
    for (const auto& [key, value] : entry.items())
      if (key != "step") p.values[key] = number_or_null(value, result_file, where + "'s \"" + automl::printable(key) + "\"");
    points.push_back(std::move(p));
  }
  return points;
}

}  // namespace

automl::TrialResult read_result(const fs::path& result_file) {
  const auto text = automl::read_text(result_file);
  if (!text) throw automl::Error(result_file.string() + " was not written: the command must write its metrics there");
  json doc;
  try {
    doc = json::parse(*text);
  } catch (const json::parse_error& e) {
    const bool nan = text->find("NaN") != std::string::npos || text->find("Infinity") != std::string::npos;
    throw automl::Error(result_file.string() + " is not valid JSON (" + e.what() + ")" +
                        (nan ? "; JSON has no NaN or Infinity (Python's json.dump writes them): write null instead"
                             : ""));
  }
  if (!doc.is_object() || !doc.contains("metrics") || !doc["metrics"].is_object())
    throw automl::Error(result_file.string() + " must hold an object with a \"metrics\" object, e.g. "
                        "{\"metrics\": {\"valid_acc\": 91.3}}");
  automl::TrialResult result;
  for (const auto& [key, value] : doc["metrics"].items())
    result.metrics[key] = number_or_null(value, result_file, "metric \"" + automl::printable(key) + "\"");
  if (doc.contains("curve")) result.curve = read_curve(doc["curve"], result_file);
  if (doc.contains("fidelity") && !doc["fidelity"].is_null()) {
    const double f = number_or_null(doc["fidelity"], result_file, "\"fidelity\"");
    if (!(f > 0)) throw automl::Error(result_file.string() + ": \"fidelity\" (what the trial cost) must be positive");
    result.fidelity = f;
  }
  return result;
}

}  // namespace command
