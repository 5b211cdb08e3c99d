#pragma once
// Reading corpora as documents: plain-text files cut at a delimiter, or jsonl
// files with a named text field. Errors name the file and line.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace anvil::data {

enum class DocumentFormat { kTxt, kJsonl };
// Where a txt file's documents end: with the file, at blank lines, at each
// line, or at a literal separator.
enum class Delimiter { kFile, kBlankLine, kLine, kSeparator };

struct DocumentSource {
  std::string path;  // a file, or a glob pattern matching several
  DocumentFormat format = DocumentFormat::kTxt;
  Delimiter delimiter = Delimiter::kFile;  // txt
  std::string separator;                   // txt, Delimiter::kSeparator: the text between documents
  std::string text_field = "text";         // jsonl: the field holding the document
  bool replace_invalid_utf8 = false;  // true: invalid bytes become U+FFFD; false: they are an error
};

// The files `pattern` matches, sorted; throws naming the pattern when none does.
std::vector<std::string> expand_glob(const std::string& pattern);

// Calls `visit` with each non-empty document of every file of `source`, files
// in sorted order, documents in file order. Throws std::runtime_error naming
// the file (and line where there is one) for a missing or empty file, invalid
// UTF-8 under the error policy, or a jsonl line that is not a JSON object or
// lacks a string `text_field`.
void read_documents(const DocumentSource& source, const std::function<void(std::string_view)>& visit);

}  // namespace anvil::data
