// Penn Treebank, word level (Mikolov's preprocessing): ptb.train.txt,
// ptb.valid.txt, ptb.test.txt, from a folder or an archive (the zip may hold
// macOS __MACOSX/ entries, which are skipped). One vocabulary from the
// training text, <eos> at every line end: 10,000 words for PTB.

#include "automl/data/files.hpp"
#include "automl/data/text.hpp"
#include "automl/plugin.hpp"

namespace {

const std::vector<std::string> kFiles = {"ptb.train.txt", "ptb.valid.txt", "ptb.test.txt"};

class Ptb final : public automl::data::TextDataset {
 public:
  struct Options {
    std::string root;
  };
  static const automl::Schema<Options>& schema() {
    static const auto s =
        automl::Schema<Options>(
            "Penn Treebank (word level): train/valid/test token streams with one vocabulary from the "
            "training text (<eos> ends every line), batched for truncated BPTT as batch_size parallel "
            "streams of bptt steps.")
            .field("root", &Options::root, "Folder with ptb.train.txt, ptb.valid.txt, ptb.test.txt, or a zip/tar.gz of them")
            .required()
            .example("root = \"../shared/data/ptb/ptb.zip\"");
    return s;
  }

  Ptb(const Options& o, const automl::Context& ctx) : TextDataset(read(ctx.resolve(o.root)), ctx.resolve(o.root).string()) {}

 private:
  static automl::data::Corpus read(const std::filesystem::path& root) {
    const auto files = automl::data::read_named_files(
        root, kFiles, "the word-level PTB of Mikolov et al., e.g. the simple-examples data");
    return automl::data::build_corpus(files[0].bytes, files[1].bytes, files[2].bytes,
                                      {files[0].where, files[1].where, files[2].where});
  }
};

void register_components(automl::Registrar& r) { r.add<Ptb>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
