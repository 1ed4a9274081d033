"""The technician's commands that need no device."""
from __future__ import annotations


import subprocess
import sys


def test_check_config_prints_effective_values_with_secrets_masked(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text('[kiosk]\nid = "PT-00777"\n[maintenance]\npin_hash = "pbkdf2_sha256$1$00$ff"\n')
    out = subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(site), "check-config"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert 'id = "PT-00777"' in out.stdout and "configuration OK" in out.stdout
    assert "pbkdf2_sha256$1$00$ff" not in out.stdout and 'pin_hash = "********"' in out.stdout
