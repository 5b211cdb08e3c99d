#include "recipes/yaml_file.h"

#include <sstream>
#include <system_error>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <yaml-cpp/eventhandler.h>

#include "common/read_file.h"
#include "recipes/config_loader.h"

namespace anvil::recipes {
namespace {

// Where each document starts and whether it holds anything. yaml-cpp 0.7
// takes a token no rule accepts (a lone ',') as an empty document without
// consuming it, so YAML::LoadAll loops for ever; an empty document that starts
// where the one before it did is that token, and an error here.
class DocumentScan : public YAML::EventHandler {
 public:
  struct Document {
    YAML::Mark start;
    bool empty = true;
    YAML::Mark content;  // of its first node
  };
  std::vector<Document> documents;

  void OnDocumentStart(const YAML::Mark& mark) override { documents.push_back({mark, true, mark}); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark& at, YAML::anchor_t) override { filled(at); }
  void OnScalar(const YAML::Mark& at, const std::string&, YAML::anchor_t, const std::string&) override {
    filled(at);
  }
  void OnSequenceStart(const YAML::Mark& at, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    filled(at);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& at, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    filled(at);
  }
  void OnMapEnd() override {}

  bool stuck() const {
    const size_t n = documents.size();
    return n >= 2 && documents[n - 1].empty && documents[n - 1].start.pos == documents[n - 2].start.pos;
  }

 private:
  void filled(const YAML::Mark& at) {
    if (!documents.back().empty) return;
    documents.back().empty = false;
    documents.back().content = at;
  }
};

std::string read_text(const std::string& path) {
  try {
    return common::read_file(path);
  } catch (const std::system_error&) {
    throw ConfigError("cannot open config file '" + path + "'");
  }
}

}  // namespace

std::string yaml_position(const std::string& file, const YAML::Mark& mark) {
  return file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

YAML::Node read_yaml_document(const std::string& path) {
  const std::string text = read_text(path);
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentScan scan;
    while (parser.HandleNextDocument(scan)) {
      if (scan.stuck()) {
        const YAML::Mark at = scan.documents.back().start;
        throw ConfigError(yaml_position(path, at) + ": invalid YAML: unexpected '" + text.substr(at.pos, 1) + "'");
      }
    }
    // A second document ("---") would otherwise be dropped without a word; a
    // bare "---" at the end is no document.
    for (size_t i = 1; i < scan.documents.size(); ++i)
      if (!scan.documents[i].empty)
        throw ConfigError(yaml_position(path, scan.documents[i].content) +
                          ": a second YAML document: a config is one mapping");
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(yaml_position(path, e.mark) + ": invalid YAML: " + e.msg);
  }
}

}  // namespace anvil::recipes
