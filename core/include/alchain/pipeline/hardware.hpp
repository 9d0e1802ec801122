/// The fleet's accelerators: where a generation's model must run, and how fast it can (docs/models.md).
#pragma once

#include <string>
#include <vector>

namespace alchain {

/// An accelerator: its peak rate in tera-operations per second.
struct Hardware {
  std::string name;
  double tops = 0;
  std::string note;
};

/// The paper's fleet (its Table 2): Jetson TX2 1.3 TOPS (float only), AGX Xavier 21, AGX Orin 50.
std::vector<Hardware> fleet_hardware();

/// `NAME=TOPS` (a --hardware argument); throws std::invalid_argument naming the text otherwise.
Hardware parse_hardware(const std::string& text);

/// The entry named `name`, or nullptr.
const Hardware* find_hardware(const std::vector<Hardware>& table, const std::string& name);

}  // namespace alchain
