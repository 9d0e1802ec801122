// Where the build put alchain, its plugins and the test fixtures (defined in test_paths.cpp).
#pragma once

namespace alchain::test {
extern const char* const kPluginDir;
extern const char* const kFixtureDir;
extern const char* const kSourceDir;
extern const char* const kAlchainExe;  ///< the alchain executable under test
}  // namespace alchain::test
