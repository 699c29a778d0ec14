// The registry of components by kind and name, with suggestions for unknown names.

#include "automl/host/registry.hpp"

#include "automl/text.hpp"

namespace automl {

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::dataset: return "dataset";
    case Kind::search_space: return "search_space";
    case Kind::strategy: return "strategy";
    case Kind::evaluator: return "evaluator";
  }
  return "?";
}

bool kind_from_name(const std::string& word, Kind& kind) {
  for (Kind k : kAllKinds)
    if (word == kind_name(k)) return kind = k, true;
  return false;
}

void Registry::add(Registered entry, Completion complete) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto key = std::make_pair(entry.kind, entry.name);
  const auto it = entries_.find(key);
  if (it != entries_.end())
    throw PluginError(std::string(kind_name(entry.kind)) + " '" + entry.name + "' is registered twice: by " +
                      it->second.entry.origin + " and by " + entry.origin +
                      ". Remove one of the two files from the plugin path.");
  entries_.emplace(key, Slot{std::move(entry), std::move(complete), {}});
}

const Registered* Registry::try_find(Kind kind, const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = entries_.find({kind, name});
  if (it == entries_.end()) return nullptr;
  Slot& slot = it->second;
  if (slot.complete) {
    const Completion complete = std::move(slot.complete);
    slot.complete = nullptr;  // one try: a failed registration is not repeated
    try {
      complete(slot.entry);
    } catch (const std::exception& e) {
      slot.failure = e.what();
    }
  }
  if (!slot.failure.empty()) throw PluginError(slot.failure);
  return &slot.entry;
}

const Registered& Registry::find(Kind kind, const std::string& name, const Location& where) const {
  if (const auto* entry = try_find(kind, name)) return *entry;
  std::vector<std::string> names;
  for (const auto& e : list(kind)) names.push_back(e.name);
  throw ConfigError(where, std::string("unknown ") + kind_name(kind) + " type '" + printable(name) + "'" +
                               did_you_mean(name, names) + "; registered: " + quoted_list(names) +
                               ". `automl list` shows every plugin and where it was loaded from.");
}

std::vector<Listed> Registry::list(Kind kind) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Listed> out;
  for (const auto& [key, slot] : entries_)
    if (key.first == kind) out.push_back({slot.entry.kind, slot.entry.name, slot.entry.origin, slot.entry.version});
  return out;  // std::map keeps names sorted within a kind
}

template <>
std::unique_ptr<Dataset> Registry::make(const std::string& name, const Section& section, const Context& ctx,
                                        const Location& where) const {
  return find(Kind::dataset, name, where).make_dataset(section, ctx);
}
template <>
std::unique_ptr<SearchSpace> Registry::make(const std::string& name, const Section& section,
                                            const Context& ctx, const Location& where) const {
  return find(Kind::search_space, name, where).make_search_space(section, ctx);
}
template <>
std::unique_ptr<Strategy> Registry::make(const std::string& name, const Section& section, const Context& ctx,
                                         const Location& where) const {
  return find(Kind::strategy, name, where).make_strategy(section, ctx);
}
template <>
std::unique_ptr<Evaluator> Registry::make(const std::string& name, const Section& section, const Context& ctx,
                                          const Location& where) const {
  return find(Kind::evaluator, name, where).make_evaluator(section, ctx);
}

}  // namespace automl
