#!/usr/bin/env bash
# Installs the kiosk and starts it in simulation mode: every device and the backend simulated, nothing to
# configure. Without a display (a server, a container) it runs in a virtual one through xvfb-run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -n "${DISPLAY:-}" ]; then
  exec .venv/bin/kiosk run --simulate "$@"
fi
echo "simulate: no DISPLAY: running in a virtual 1080x1920 screen (xvfb-run); Ctrl+C to stop"
exec xvfb-run -a -s "-screen 0 1080x1920x24" .venv/bin/kiosk run --simulate "$@"
