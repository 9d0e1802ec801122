#!/usr/bin/env bash
# Renders a report.html in headless Chromium (Debian's `chromium`, installed if missing) and
# saves a full-page screenshot next to it, to look at:
#   bash scripts/check_report.sh DIR        # DIR from `alchain report RESULTS -o DIR`
set -euo pipefail
dir=$(realpath "${1:?usage: check_report.sh REPORT_DIR}")
[[ -f "$dir/report.html" ]] || { echo "check_report: no $dir/report.html" >&2; exit 1; }
if ! command -v chromium >/dev/null; then
  sudo=""; [[ $EUID -ne 0 ]] && sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends chromium
fi
# Every image the page names must load: Chromium's console reports the ones that do not.
log=$(mktemp)
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,4200 \
  --screenshot="$dir/screenshot.png" "file://$dir/report.html" >"$log" 2>&1 || { cat "$log"; exit 1; }
if grep -qi "ERR_FILE_NOT_FOUND\|Failed to load resource" "$log"; then
  cat "$log"; echo "check_report: the page names a file that does not load" >&2; exit 1
fi
echo "check_report: $dir/screenshot.png ($(stat -c %s "$dir/screenshot.png") bytes)"
