#include "alchain/pipeline/hardware.hpp"

#include <stdexcept>

namespace alchain {

std::vector<Hardware> fleet_hardware() {
  return {{"tx2", 1.3, "Jetson TX2, float only"}, {"xavier", 21.0, "Jetson AGX Xavier"}, {"orin", 50.0, "Jetson AGX Orin"}};
}

Hardware parse_hardware(const std::string& text) {
  const auto eq = text.find('=');
  Hardware h;
  if (eq == std::string::npos || eq == 0) throw std::invalid_argument("'" + text + "': expected NAME=TOPS (e.g. orin=50)");
  h.name = text.substr(0, eq);
  const std::string value = text.substr(eq + 1);
  std::size_t used = 0;
  try {
    h.tops = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size() || !(h.tops > 0) || h.tops > 1e9)
    throw std::invalid_argument("'" + text + "': TOPS must be a number > 0");
  return h;
}

const Hardware* find_hardware(const std::vector<Hardware>& table, const std::string& name) {
  for (const auto& h : table)
    if (h.name == name) return &h;
  return nullptr;
}

}  // namespace alchain
