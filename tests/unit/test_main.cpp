// doctest's main, with the same process tuning as the alchain executable.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "alchain/run/process_tuning.hpp"

int main(int argc, char** argv) {
  alchain::tune_process(argv);
  alchain::set_compute_threads(0);
  doctest::Context ctx(argc, argv);
  return ctx.run();
}
