// Prints the coverage, bias and RMSE of every assessment (design, estimator) pair on simulated
// windows (the tables of docs/assessment.md). Usage: alchain_assess_sim [--draws D] [--seed S]
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>

#include "alchain/assess/simulation.hpp"

using namespace alchain::assess;

namespace {

long long parse_int(const std::string& flag, const char* value) {
  char* end = nullptr;
  const long long v = std::strtoll(value, &end, 10);
  if (end == value || *end != '\0' || v < 0)
    throw std::invalid_argument(flag + " " + value + ": expected a non-negative integer");
  return v;
}

void run(const char* title, SimConfig base) {
  std::cout << "## " << title << ": N = " << base.N << ", n = " << base.n << ", target accuracy " << base.accuracy
            << ", " << base.draws << " draws, seed " << base.seed << ", level " << base.level << ", tau " << base.tau
            << ", strata " << base.strata << "\n\n";
  print_table(std::cout, simulate_all(base));
  std::cout << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  try {
    SimConfig base;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if ((a == "--draws" || a == "--seed") && i + 1 < argc) {
        const long long v = parse_int(a, argv[++i]);
        if (a == "--draws") {
          if (v < 1) throw std::invalid_argument("--draws must be >= 1");
          base.draws = static_cast<int>(v);
        } else {
          base.seed = static_cast<std::uint64_t>(v);
        }
      } else if (a == "--help" || a == "-h") {
        std::cout << "usage: alchain_assess_sim [--draws D (default 2000)] [--seed S (default 0)]\n";
        return 0;
      } else {
        throw std::invalid_argument("unknown argument '" + a + "' (try --help)");
      }
    }
    SimConfig c = base;
    run("Typical", c);
    c.n = 200;
    c.accuracy = 0.97;
    run("High accuracy, small budget", c);
    c.n = 100;
    c.accuracy = 0.9;
    c.N = 2000;
    run("Small budget (asymptotics strained)", c);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "alchain_assess_sim: " << e.what() << '\n';
    return 1;
  }
}
