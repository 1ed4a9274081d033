#!/usr/bin/env bash
# Installs what the tests need and runs the whole suite (UI tests start their own Xvfb when there is no
# DISPLAY). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
exec .venv/bin/python -m pytest "$@"
