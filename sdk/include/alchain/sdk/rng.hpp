/// A small, fully specified random generator so that picks are identical on every platform.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

namespace alchain {

/// splitmix64 step: used to derive independent seeds from (seed, stream, ...) tuples.
inline std::uint64_t mix_seed(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// Derives one seed from a base seed and any number of integers (repeat, generation, cycle, ...).
inline std::uint64_t derive_seed(std::uint64_t seed, std::initializer_list<std::uint64_t> parts) {
  std::uint64_t s = mix_seed(seed);
  for (auto p : parts) s = mix_seed(s ^ mix_seed(p + 0x632be59bd9b4e019ULL));
  return s;
}

/// xoshiro256** (Blackman & Vigna). Unlike std:: distributions, uniform() and shuffle() are
/// defined here, so a seed gives the same picks with any standard library.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& s : s_) s = x = mix_seed(x);
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform integer in [0, n), without modulo bias (Lemire's method with rejection).
  std::uint64_t uniform(std::uint64_t n) {
    if (n == 0) return 0;
    unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(next()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }
  /// Uniform double in [0, 1) with 53 random bits.
  double uniform01() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Fisher-Yates shuffle of the first `k` positions (all when k >= size): v[0..k) is a uniform
  /// sample without replacement.
  template <class T>
  void shuffle_prefix(std::vector<T>& v, std::size_t k) {
    const std::size_t n = v.size();
    if (k > n) k = n;
    for (std::size_t i = 0; i < k && i + 1 < n; ++i) {
      const std::size_t j = i + static_cast<std::size_t>(uniform(n - i));
      std::swap(v[i], v[j]);
    }
  }
  template <class T>
  void shuffle(std::vector<T>& v) { shuffle_prefix(v, v.size()); }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace alchain
