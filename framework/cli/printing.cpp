// `automl data`'s dataset summary, `automl describe --json`'s schemas and
// the pictures of `inspect --draw` and `show --draw`.

#include "printing.hpp"

#include <algorithm>
#include <set>
#include <variant>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "automl/experiment/experiment.hpp"
#include "automl/graph.hpp"
#include "automl/run/results_store.hpp"
#include "automl/text.hpp"

namespace automl::cli {

namespace fs = std::filesystem;

namespace {

nlohmann::json value_json(const Value& value) {
  return std::visit([](const auto& v) { return nlohmann::json(v); }, value);
}

/// One component's schema as `describe --json` prints it (format 1).
nlohmann::json component_json(const Registered& r) {
  nlohmann::json fields = nlohmann::json::array();
  for (const Field& f : r.doc.fields) {
    nlohmann::json j{{"key", f.key}, {"type", type_name(f.type)}, {"doc", f.doc}, {"required", f.required}};
    if (!f.required) j["default"] = value_json(f.default_value);
    if (f.min) j["min"] = *f.min;
    if (f.max) j["max"] = *f.max;
    if (f.type_min) j["type_min"] = *f.type_min;
    if (f.type_max) j["type_max"] = *f.type_max;
    if (!f.choices.empty()) j["choices"] = f.choices;
    fields.push_back(std::move(j));
  }
  return {{"kind", kind_name(r.kind)}, {"name", r.name},       {"version", r.version},
          {"origin", r.origin},        {"doc", r.doc.doc},     {"example", r.doc.example},
          {"fields", std::move(fields)}};
}

}  // namespace

void print_dataset(const std::string& type, const DatasetInfo& info, std::ostream& out) {
  out << fmt::format("dataset   {} ({})\nsource    {}\n", type, info.task, info.source);
  if (!info.shape.empty()) {
    std::string shape;
    for (auto d : info.shape) shape += (shape.empty() ? "" : " x ") + std::to_string(d);
    out << fmt::format("shape     {}\nclasses   {}", shape, info.classes);
    if (!info.class_names.empty()) {
      std::string names;
      for (std::size_t c = 0; c < info.class_names.size() && c < 20; ++c)
        names += (c ? ", " : "") + printable(info.class_names[c], 40);
      out << ": " << names << (info.class_names.size() > 20 ? ", ..." : "");
    }
    out << "\n";
  } else {
    out << fmt::format("vocabulary {}\n", info.classes);
  }
  const char* unit = info.task == "language_model" ? "tokens" : "images";
  for (const auto& s : info.splits) {
    out << fmt::format("{:<9} {} {}", s.name, s.size, unit);
    if (!s.per_class.empty()) {
      out << " (per class:";
      for (std::size_t c = 0; c < s.per_class.size() && c < 20; ++c) out << " " << s.per_class[c];
      out << (s.per_class.size() > 20 ? " ...)" : ")");
    }
    out << "\n";
  }
  for (std::size_t c = 0; c < info.mean.size(); ++c)
    out << fmt::format("channel {} mean {:.4f} std {:.4f} (pixels in [0, 1], training file)\n", c, info.mean[c],
                       info.std[c]);
}

void draw_architecture(const SearchSpace& space, const std::string& type, const Architecture& arch,
                       const std::string& title, const fs::path& file) {
  const auto cells = space.graphs(arch);
  if (cells.empty()) throw UsageError("the search space '" + type + "' draws no pictures of its architectures");
  draw_dot(to_dot(cells, title), file);
}

void draw_best(const fs::path& run_dir, const SearchSpace& space, const std::string& type, const fs::path& dir,
               std::size_t count, std::ostream& out) {
  auto trials = ResultsStore::open(run_dir / "results.db")->trials();
  std::stable_sort(trials.begin(), trials.end(), [](const auto& x, const auto& y) {
    return (x.status == TrialStatus::ok) > (y.status == TrialStatus::ok) ||
           ((x.status == TrialStatus::ok) == (y.status == TrialStatus::ok) && x.score > y.score);
  });
  std::set<std::string> drawn;
  for (const auto& t : trials) {
    if (t.status != TrialStatus::ok || drawn.size() == count || !drawn.insert(t.arch_text).second) continue;
    const Architecture arch = space.parse(t.arch_text);
    const std::string title = fmt::format("#{}  score {:.4f}  {}", t.id, t.score, t.arch_text);
    const std::string stem = fmt::format("rank-{}-trial-{}", drawn.size() - 1, t.id);
    for (const char* ext : {".svg", ".png"}) draw_architecture(space, type, arch, title, dir / (stem + ext));
    out << "drawn " << (dir / (stem + ".svg")).string() << " (and .png)\n";
  }
  if (drawn.empty()) out << "no successful trial to draw\n";
}

std::string schema_json(const Registered& component) { return component_json(component).dump(1); }

std::string schemas_json(const Registry& registry) {
  Registered experiment;
  experiment.name = "experiment";
  experiment.origin = "automl";
  experiment.version = AUTOML_VERSION;
  experiment.doc = ComponentDoc{"The [experiment] table.", ExperimentOptions::schema().fields(), ""};
  nlohmann::json all{{"format", 1}, {"experiment", component_json(experiment)}, {"components", nlohmann::json::array()}};
  all["experiment"].erase("kind");
  for (Kind kind : kAllKinds)
    for (const auto& e : registry.list(kind))
      all["components"].push_back(component_json(registry.find(kind, e.name, Location{"automl describe"})));
  return all.dump(1);
}

}  // namespace automl::cli
