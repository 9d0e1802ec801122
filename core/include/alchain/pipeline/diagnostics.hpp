/// Error messages about an input file, each with its line and column, collected and reported together.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace alchain {

struct SourcePos {
  int line = 0;    ///< 1-based; 0 = unknown
  int column = 0;
};

struct Diagnostic {
  std::string file;
  SourcePos pos;
  std::string message;
  /// "file:line:column: message"
  std::string str() const;
};

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}
  void error(SourcePos pos, std::string message);
  bool empty() const { return items_.empty(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  const std::string& file() const { return file_; }
  /// Every diagnostic, one a line, in file order.
  std::string str() const;

 private:
  std::string file_;
  std::vector<Diagnostic> items_;
};

/// Thrown when an input file has errors; what() lists all of them.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const Diagnostics& d) : std::runtime_error(d.str()), diagnostics_(d.items()) {}
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace alchain
