// Every registered plugin against its interface, built from the minimal
// configuration it ships (its schema's example).

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cmath>

#include "automl/data/tensor_data.hpp"
#include "automl/compare/compare.hpp"
#include "automl/experiment/experiment.hpp"
#include "automl/run/run_loop.hpp"
#include "test_support.hpp"

namespace conformance {
namespace {

using automl::Kind;

std::string table(const std::string& name, const std::string& type, const std::string& body) {
  return "[" + name + "]\ntype = \"" + type + "\"\n" + body + "\n";
}

// An example's own keys, and the tables it needs beside it (an evaluator
// that trains names its [search_space] and [dataset] after its keys).
std::pair<std::string, std::string> split_example(const std::string& example) {
  const auto at = example.rfind('[', 0) == 0 ? 0 : example.find("\n[");
  if (at == std::string::npos) return {example, ""};
  return {example.substr(0, at), example.substr(at) + "\n"};
}

// An experiment around one plugin; the others are the simplest that fit.
automl::Components build(const automl::Registry& registry, Kind kind, const automl::Registered& r) {
  const auto [own, companions] = split_example(r.doc.example);
  std::string text = "[experiment]\nbudget_trials = 1\n" + companions;
  if (companions.find("[search_space]") == std::string::npos)
    text += kind == Kind::search_space ? table("search_space", r.name, own) : table("search_space", "nasbench201", "");
  text += kind == Kind::strategy ? table("strategy", r.name, own) : table("strategy", "random", "");
  text += kind == Kind::evaluator ? table("evaluator", r.name, own) : table("evaluator", "scripted", "");
  // Examples name data relative to the checkout's parent layout (../shared).
  const auto exp = automl::parse_experiment(text, "conformance(" + r.name + ")", automl::test::source_dir());
  return automl::build_components(exp, registry);
}

bool needs_nb201(const automl::Registered& r) { return r.doc.example.find("nasbench201") != std::string::npos; }

void check_search_space(const automl::SearchSpace& space) {
  automl::Random rng(1);
  BOOST_TEST(!space.decisions().empty());
  for (int i = 0; i < 50; ++i) {
    const auto arch = space.sample(rng);
    BOOST_REQUIRE_MESSAGE(space.invalid_reason(arch).empty(), space.invalid_reason(arch));
    BOOST_TEST(space.parse(space.to_text(arch)) == arch);
    const auto child = automl::mutate_one(space, arch, rng);
    BOOST_TEST(space.invalid_reason(child).empty());
    BOOST_TEST(child != arch);
    if (const auto* tokens = space.tokens()) {
      const auto seq = tokens->encode(arch);
      BOOST_REQUIRE(static_cast<int>(seq.size()) == tokens->length());
      for (int p = 0; p < tokens->length(); ++p) {
        const auto [lo, hi] = tokens->token_range(p);
        BOOST_TEST((lo >= 1 && seq[p] >= lo && seq[p] <= hi && hi < tokens->vocab_size()));
      }
      BOOST_TEST(tokens->decode(seq) == arch);
    }
  }
  BOOST_CHECK_THROW(space.parse("certainly not an architecture"), automl::Error);
}

std::vector<automl::Observation> observe(const std::vector<automl::Architecture>& batch) {
  std::vector<automl::Observation> out;
  for (const auto& a : batch) {
    double score = 0;
    for (std::size_t i = 0; i < a.genes.size(); ++i) score += a.genes[i] * static_cast<double>(i + 1);
    out.push_back({a, true, score});
  }
  return out;
}

void check_strategy(automl::Components& c, automl::Components& twin) {
  // Multi-fidelity strategies need fidelities: the evaluator's, or a range.
  automl::AskContext three{3}, two{2};
  three.fidelities = two.fidelities = c.evaluator->fidelities().value_or(automl::FidelityRange{1, 27, "epochs", {}});
  for (int round = 0; round < 5; ++round) {
    const auto batch = c.strategy->ask(three);
    BOOST_REQUIRE(!batch.empty());
    for (const auto& a : batch) BOOST_TEST(c.space->invalid_reason(a).empty());
    c.strategy->tell(observe(batch));
  }
  automl::StateWriter w;
  c.strategy->save(w);
  automl::StateReader r(w.bytes(), "strategy");
  twin.strategy->load(r);
  BOOST_TEST(r.at_end());
  for (int round = 0; round < 5; ++round) {
    const auto a = c.strategy->ask(two);
    const auto b = twin.strategy->ask(two);
    BOOST_TEST(a == b);
    BOOST_TEST(c.strategy->fidelities() == twin.strategy->fidelities());
    c.strategy->tell(observe(a));
    twin.strategy->tell(observe(b));
  }
}

void check_evaluator(automl::Components& c) {
  automl::Random rng(2);
  c.evaluator->prepare_round({0, 1, [&](automl::Random& g) { return c.space->sample(g); }, {}, {}});
  for (int i = 0; i < 5; ++i) {
    const auto result = c.evaluator->evaluate(c.space->sample(rng), {static_cast<std::uint64_t>(i), 7, 1});
    BOOST_TEST(std::isfinite(result.score));
  }
  automl::StateWriter w;
  c.evaluator->save(w);
  automl::StateReader r(w.bytes(), "evaluator");
  c.evaluator->load(r);
  BOOST_TEST(r.at_end());
}

// Datasets whose example names data that is not on this machine (users bring
// CIFAR and MNIST) are covered by their own tests on files written there.
bool example_data_present(const automl::Registered& r) {
  const auto& e = r.doc.example;
  const auto open = e.find("root = \"");
  if (open == std::string::npos) return true;
  const auto start = open + 8;
  const std::filesystem::path root = e.substr(start, e.find('"', start) - start);
  return std::filesystem::exists(root.is_absolute() ? root : automl::test::source_dir() / root);
}

void check_dataset(const automl::Dataset& dataset) {
  const auto info = dataset.info();
  BOOST_TEST(info.splits.size() == 3u);
  const auto* data = dataset.tensors();
  BOOST_REQUIRE(data != nullptr);
  for (const auto& s : info.splits) BOOST_TEST(s.size > 0);
  automl::LoaderOptions o;
  o.batch_size = 8;
  o.augment = true;
  automl::Batch b;
  BOOST_REQUIRE(data->stream(automl::Split::valid, o, 1)->next(b));
  if (info.task == "image_classification") {
    std::vector<std::int64_t> shape{8};
    shape.insert(shape.end(), info.shape.begin(), info.shape.end());
    BOOST_TEST(b.inputs.sizes().vec() == shape);
    BOOST_TEST(b.targets.sizes().vec() == std::vector<std::int64_t>{8});
  } else {
    BOOST_TEST(b.inputs.sizes().vec() == std::vector<std::int64_t>({o.bptt, 8}));
  }
}

}  // namespace
}  // namespace conformance

BOOST_AUTO_TEST_SUITE(conformance)

// A number without both bounds lets a typo run (lr = 1e6, or a width that
// exhausts memory); every numeric key, the host's included, says its range.
BOOST_AUTO_TEST_CASE(every_numeric_key_has_a_range) {
  automl::test::Plugins p;
  const auto check = [](const std::string& owner, const std::vector<automl::Field>& fields) {
    for (const auto& f : fields) {
      const bool numeric = f.type == automl::ValueType::integer || f.type == automl::ValueType::real ||
                           f.type == automl::ValueType::integer_list || f.type == automl::ValueType::real_list;
      if (numeric) BOOST_TEST((f.min && f.max), owner << " " << f.key << " is " << f.constraint() << ": give it a range");
    }
  };
  check("[experiment]", automl::ExperimentOptions::schema().fields());
  check("[comparison]", automl::CompareOptions::schema().fields());
  for (Kind kind : {Kind::dataset, Kind::search_space, Kind::strategy, Kind::evaluator})
    for (const auto& listed : p.registry.list(kind))
      check(std::string(automl::kind_name(kind)) + " '" + listed.name + "'",
            p.registry.find(kind, listed.name, {}).doc.fields);
}

BOOST_AUTO_TEST_CASE(every_builtin_dataset_with_data_here_streams_batches) {
  automl::test::Plugins p;
  std::size_t checked = 0;
  for (const auto& listed : p.registry.list(Kind::dataset)) {
    const auto* r = &p.registry.find(Kind::dataset, listed.name, {});
    BOOST_TEST_CONTEXT("dataset '" << r->name << "'") {
      BOOST_TEST(!r->doc.doc.empty());
      for (const auto& f : r->doc.fields) BOOST_TEST(!f.doc.empty(), f.key << " has no documentation");
      if (!example_data_present(*r)) {
        BOOST_TEST_MESSAGE("SKIPPED building dataset '" << r->name << "': its example data is not on this machine");
        continue;
      }
      const auto ds = automl::test::make_dataset(p.registry, "type = \"" + r->name + "\"\n" + r->doc.example,
                                                 automl::test::source_dir());
      check_dataset(*ds);
      ++checked;
    }
  }
  BOOST_TEST(checked >= 1u);
}

BOOST_AUTO_TEST_CASE(every_builtin_plugin_honours_its_interface) {
  automl::test::Plugins p(true);
  std::size_t checked = 0;
  for (Kind kind : {Kind::search_space, Kind::strategy, Kind::evaluator}) {
    for (const auto& listed : p.registry.list(kind)) {
      if (listed.origin.find("/tests/") != std::string::npos) continue;  // test plugins are not the product
      const auto* r = &p.registry.find(kind, listed.name, {});
      BOOST_TEST_CONTEXT(automl::kind_name(kind) << " '" << r->name << "'") {
        BOOST_TEST(!r->doc.doc.empty());
        for (const auto& f : r->doc.fields) BOOST_TEST(!f.doc.empty(), f.key << " has no documentation");
        if (needs_nb201(*r) && !automl::test::have_nb201()) continue;
        if (r->doc.example.find("fashion_mnist") != std::string::npos &&
            !std::filesystem::exists("/usr/share/datasets/fashion-mnist")) {
          BOOST_TEST_MESSAGE("SKIPPED '" << r->name << "': its example trains on Fashion-MNIST, which is absent");
          continue;
        }
        if (!example_data_present(*r)) {
          BOOST_TEST_MESSAGE("SKIPPED '" << r->name << "': its example's data is not on this machine");
          continue;
        }
        const auto start = std::chrono::steady_clock::now();
        auto c = build(p.registry, kind, *r);
        if (kind == Kind::search_space) check_search_space(*c.space);
        if (kind == Kind::strategy) {
          auto twin = build(p.registry, kind, *r);
          check_strategy(c, twin);
        }
        if (kind == Kind::evaluator) check_evaluator(c);
        BOOST_TEST_MESSAGE(automl::kind_name(kind) << " '" << r->name << "' checked in "
                           << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s");
        ++checked;
      }
    }
  }
  BOOST_TEST(checked >= 3u);
}

BOOST_AUTO_TEST_SUITE_END()
