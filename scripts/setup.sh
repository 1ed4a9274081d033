#!/usr/bin/env bash
# Installs what the kiosk needs on a fresh Debian machine: system packages (when run as root and missing)
# and a virtual environment in .venv with the kiosk installed in editable mode.
#   scripts/setup.sh          runtime only
#   scripts/setup.sh --test   also what the tests need
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(xvfb xauth xdotool imagemagick libmtdev1 libgl1 libgl1-mesa-dri libegl1 fonts-dejavu-core)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: please install (as root): apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
else
  .venv/bin/python -m pip install -q -e .
fi
.venv/bin/python -c "import kivy, serial, escpos, cv2, requests, yuface" \
  || { echo "setup: the Python environment is incomplete" >&2; exit 1; }
