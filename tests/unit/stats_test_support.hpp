// Shared by the statistics tests: a relative comparison with no absolute slack, and CHECK_REL.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <string>

namespace alchain::test {

// |actual - expected| <= tol * max(|actual|, |expected|), with no absolute slack: a tiny expected
// value must be matched to the same relative precision as a large one.
inline bool rel_close(double actual, double expected, double tol) {
  if (actual == expected) return true;
  return std::fabs(actual - expected) <= tol * std::fmax(std::fabs(actual), std::fabs(expected));
}

inline std::string full(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace alchain::test

#define CHECK_REL(actual, expected, tol)                                                    \
  do {                                                                                      \
    const double actual_ = (actual);                                                        \
    const double expected_ = (expected);                                                    \
    CHECK_MESSAGE(::alchain::test::rel_close(actual_, expected_, tol),                      \
                  #actual " = " << ::alchain::test::full(actual_) << ", expected "          \
                                << ::alchain::test::full(expected_) << " (rel " << (tol) << ")"); \
  } while (0)
