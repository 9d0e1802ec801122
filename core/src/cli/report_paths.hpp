// tools/report.py in the source tree (a build) and where `cmake --install` puts it.
#pragma once

namespace alchain::cli {
extern const char* const kReportScriptInBuild;
extern const char* const kReportScriptInstalled;
}  // namespace alchain::cli
