// Formats and orders diagnostics.
#include "alchain/pipeline/diagnostics.hpp"

#include <algorithm>

namespace alchain {

std::string Diagnostic::str() const {
  std::string s = file;
  if (pos.line > 0) s += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  return s + ": " + message;
}

void Diagnostics::error(SourcePos pos, std::string message) {
  items_.push_back({file_, pos, std::move(message)});
}

std::string Diagnostics::str() const {
  std::vector<Diagnostic> sorted(items_);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.pos.line != b.pos.line ? a.pos.line < b.pos.line : a.pos.column < b.pos.column;
  });
  std::string s;
  for (std::size_t i = 0; i < sorted.size(); ++i) s += (i ? "\n" : "") + sorted[i].str();
  return s;
}

}  // namespace alchain
