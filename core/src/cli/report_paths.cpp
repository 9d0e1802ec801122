// Where `alchain report` looks for tools/report.py. The paths are compiled into this one small
// file only: in main.cpp's flags they would make ccache miss it in every other checkout.
#include "report_paths.hpp"

namespace alchain::cli {
const char* const kReportScriptInBuild = ALCHAIN_REPORT_SCRIPT_BUILD;
const char* const kReportScriptInstalled = ALCHAIN_REPORT_SCRIPT_INSTALLED;
}  // namespace alchain::cli
