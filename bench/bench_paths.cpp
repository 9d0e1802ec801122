// The build's plugin folder, in this one small file only (as a flag of bench_fmnist.cpp it would
// make ccache miss that file in every other checkout).
namespace alchain::bench {
extern const char* const kPluginDir;
const char* const kPluginDir = ALCHAIN_BENCH_PLUGIN_DIR;
}  // namespace alchain::bench
