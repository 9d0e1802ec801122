// The build's paths, compiled into this one small file only: a path in a -D flag of every test
// file would make ccache miss each of them in another checkout (the flags are part of the hash).
#include "test_paths.hpp"

namespace alchain::test {
const char* const kPluginDir = ALCHAIN_TEST_PLUGIN_DIR;
const char* const kFixtureDir = ALCHAIN_TEST_FIXTURE_DIR;
const char* const kSourceDir = ALCHAIN_TEST_SOURCE_DIR;
const char* const kAlchainExe = ALCHAIN_TEST_EXE;
}  // namespace alchain::test
