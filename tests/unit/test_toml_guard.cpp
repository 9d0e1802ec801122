// The pre-scan that keeps toml++ 3.3 from undefined behaviour: what it reports, with positions, and what it lets through.
#include <doctest/doctest.h>

#include "alchain/util/toml_text.hpp"
#include "alchain/pipeline/pipeline.hpp"
#include "test_support.hpp"

using namespace alchain;

TEST_CASE("non-ASCII text in strings and comments passes the TOML pre-scan") {
  for (const char* ok : {"a = \"caf\xc3\xa9\"\n", "a = 'm\xc3\xbcsli' # \xe3\x81\x82\n", "\"cl\xc3\xa9\" = 1\n",
                         "a = \"\"\"x\n\xc3\xa9\"\"\"\n", "a = '''\xc3\xa9'''\n", "a = [\"\xc3\xa9\", '\xc3\xa9']\n",
                         "t = { k = \"\xc3\xa9\" }\n", "a.\"\xc3\xa9\" = 1\n", "a = \"\"\"q\"\"\"\"\nb = '\xc3\xa9'\n",
                         "a = [\n  # \xc3\xa9\n  \"\xc3\xa9\",\n]\n"}) {
    CAPTURE(ok);
    CHECK_FALSE(find_toml_hazard(ok).has_value());
  }
}

TEST_CASE("non-ASCII text where toml++ 3.3 would ask whether it is whitespace is reported with its position") {
  struct Case {
    const char* text;
    int line, column;
    const char* what;
  };
  for (const Case& c : {Case{"a = 1 \xc3\xa9\n", 1, 7, "U+00E9 outside a string or comment"},
                        Case{"schema = 1\n\xd0\xb6 = 1\n", 2, 1, "U+0436 outside a string or comment"},
                        Case{"a = x'\xc3\xa9'\n", 1, 7, "U+00E9 outside a string or comment"},
                        Case{"a = \"\"\"x\\\n   \xc3\xa9\"\"\"\n", 2, 4, "U+00E9 after a line-ending backslash"},
                        Case{"a = \"\"\"\\\xc3\xa9\"\"\"\n", 1, 9, "U+00E9 after a backslash"}}) {
    CAPTURE(c.text);
    const auto h = find_toml_hazard(c.text);
    REQUIRE(h.has_value());
    CHECK(h->line == c.line);
    CHECK(h->column == c.column);
    CHECK(h->message.find(c.what) != std::string::npos);
  }
}

TEST_CASE("bytes that are not UTF-8 are left to toml++, which stops at them with its own error") {
  CHECK_FALSE(find_toml_hazard("a = 1\xff \xc3\xa9\n").has_value());
  CHECK_FALSE(find_toml_hazard("\xef\xbb\xbfschema = 1\n").has_value());  // a UTF-8 byte order mark is skipped
}

TEST_CASE("a pipeline with a non-ASCII character outside a string gets one positioned error") {
  Diagnostics d("p.toml");
  (void)parse_pipeline("schema = 1\nname = \"x\" \xc3\xa9\n", "p.toml", test::shipped_plugins(), d);
  REQUIRE(d.items().size() == 1);
  CHECK(d.items()[0].str() == "p.toml:2:12: unexpected character U+00E9 outside a string or comment (TOML allows only ASCII there)");
}
