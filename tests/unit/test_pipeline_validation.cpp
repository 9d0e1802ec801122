// Pipelines: the shipped ones validate; every file of the error corpus gives exactly its expected diagnostics.
#include <algorithm>
#include <regex>

#include <doctest/doctest.h>

#include "alchain/pipeline/pipeline.hpp"
#include "alchain/pipeline/plugin_params.hpp"
#include "test_support.hpp"

using namespace alchain;

namespace {

std::vector<std::string> diagnostics_of(const std::filesystem::path& file) {
  Diagnostics d(file.filename().string());
  parse_pipeline(test::read_file(file), file.filename().string(), test::shipped_plugins(), d);
  std::vector<std::string> out;
  for (const auto& item : d.items())
    out.push_back(std::to_string(item.pos.line) + ":" + std::to_string(item.pos.column) + ": " + item.message);
  std::sort(out.begin(), out.end());
  return out;
}

/// The "# expect: line:col: message" lines at the top of a corpus file.
std::vector<std::string> expectations_of(const std::filesystem::path& file) {
  std::vector<std::string> out;
  std::istringstream in(test::read_file(file));
  std::string line;
  const std::string tag = "# expect: ";
  while (std::getline(in, line) && line.rfind(tag, 0) == 0) out.push_back(line.substr(tag.size()));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".toml") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("every pipeline shipped in pipelines/ validates") {
  const auto files = files_in(test::source_dir() / "pipelines");
  CHECK(files.size() >= 2);
  for (const auto& f : files) {
    INFO(f.string());
    CHECK(diagnostics_of(f).empty());
  }
}

TEST_CASE("error corpus: each invalid pipeline reports exactly its expected line:column: message") {
  const auto files = files_in(test::source_dir() / "tests" / "pipelines" / "invalid");
  CHECK(files.size() >= 10);
  for (const auto& f : files) {
    INFO(f.filename().string());
    const auto expected = expectations_of(f);
    REQUIRE_FALSE(expected.empty());
    CHECK(diagnostics_of(f) == expected);
  }
}

TEST_CASE("a valid pipeline becomes typed options with defaults filled") {
  Diagnostics d("quickstart.toml");
  const auto p = parse_pipeline(test::read_file(test::source_dir() / "pipelines" / "quickstart.toml"),
                                "quickstart.toml", test::shipped_plugins(), d);
  REQUIRE(d.empty());
  CHECK(p.name == "quickstart");
  REQUIRE(p.generations.size() == 2);
  CHECK(p.generations[0].model.plugin == "lenet5");
  CHECK(p.generations[0].policy.plugin == "entropy");
  CHECK(p.generations[0].cycles == 2);
  CHECK(p.generations[0].training.epochs == 10);
  CHECK(p.generations[1].cycles == 0);
  CHECK(p.generations[1].training.epochs == 12);        // override
  CHECK(p.generations[1].training.batch_size == 64);    // inherited
  CHECK(p.generations[1].model.params.get_int("width") == 1);  // plugin default filled
  CHECK(p.dataset.params.get_string("root") == "/usr/share/datasets/fashion-mnist");
  CHECK(p.budget.initial.resolve(60000) == 1000);
  CHECK(p.random_baseline);
}

TEST_CASE("budget fractions resolve against the pool") {
  Count c{true, 0.01};
  CHECK(c.resolve(60000) == 600);
  CHECK(c.resolve(10) == 1);
  CHECK(Count{false, 250}.resolve(60000) == 250);
}

TEST_CASE("load_pipeline throws one InputError naming the file for a missing path") {
  CHECK_THROWS_WITH_AS(load_pipeline("/nonexistent/p.toml", test::shipped_plugins()),
                       "/nonexistent/p.toml: cannot open pipeline file", InputError);
}

TEST_CASE("default_params fills every default and refuses a plugin with a required parameter") {
  const Params p = default_params(test::shipped_plugins().get(PluginKind::model, "mlp"));
  CHECK(p.get_int_list("hidden") == std::vector<std::int64_t>{256, 128});
  CHECK(p.get_float("dropout") == 0.0);
  CHECK_THROWS_WITH(default_params(test::shipped_plugins().get(PluginKind::dataset, "image_folder")),
                    doctest::Contains("requires parameter 'root'"));
}
