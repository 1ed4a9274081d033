"""Configuration: defaults load, a site file overrides, and every kind of mistake gets one clear message."""
from __future__ import annotations

import os

import pytest

from kiosk.config import ConfigError, describe, load_config

NO_ENV: dict = {}


def site(tmp_path, text: str):
    path = tmp_path / "site.toml"
    path.write_text(text)
    return path


def test_defaults_are_valid_and_typed():
    cfg = load_config(env=NO_ENV)
    assert cfg.printer.columns == 48 and isinstance(cfg.timeouts.inactivity_s, float)
    assert cfg.i18n.default in cfg.i18n.languages


def test_site_file_and_environment_override(tmp_path):
    path = site(tmp_path, '[kiosk]\nid = "PT-00123"\n[timeouts]\ninactivity_s = 45\n')
    cfg = load_config(path, env={"KIOSK_BACKEND_URL": "https://backend.example/", "KIOSK_DATA_DIR": "/tmp/x"})
    assert cfg.kiosk.id == "PT-00123"
    assert cfg.timeouts.inactivity_s == 45.0           # an int is accepted where a number is expected
    assert cfg.backend.url == "https://backend.example/" and cfg.data.dir == "/tmp/x"
    assert str(path) in cfg.sources[1]


@pytest.mark.parametrize("text, expected", [
    ('[printer]\ncolums = 42\n', ["site.toml", "unknown key [printer] 'colums'", "columns"]),
    ('[printer]\ncolumns = "wide"\n', ["site.toml", "[printer] columns", "expected whole number", "'wide'"]),
    ('[timeouts]\nwarning_s = 5\n', ["[timeouts] warning_s", "from 20 to 120", "found 5"]),
    ('[logging]\nlevel = "LOUD"\n', ["[logging] level", "one of DEBUG", "'LOUD'"]),
    ('[printer\ncolumns = 42\n', ["site.toml", "TOML syntax error"]),
    ('[nonsense]\nx = 1\n', ["unknown key [top level] 'nonsense'"]),
    ('[i18n]\ndefault = "fr"\n', ["[i18n] default", "'fr'"]),
    ('[printer]\nurl = "lpt://1"\n', ["[printer] url", "unknown scheme"]),
    ('printer = 3\n', ["[printer]", "expected a table"]),
])
def test_mistakes_name_file_key_expected_and_found(tmp_path, text, expected):
    with pytest.raises(ConfigError) as err:
        load_config(site(tmp_path, text), env=NO_ENV)
    for fragment in expected:
        assert fragment in str(err.value), (fragment, str(err.value))


def test_unreadable_and_missing_files(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "absent.toml", env=NO_ENV)
    path = site(tmp_path, "[kiosk]\n")
    os.chmod(path, 0)
    if os.access(path, os.R_OK):  # root reads anything: make it a directory instead
        path.unlink()
        path.mkdir()
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(path, env=NO_ENV)


def test_bad_environment_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="environment variable KIOSK_LOG_LEVEL"):
        load_config(env={"KIOSK_LOG_LEVEL": "LOUD"})


def test_describe_masks_secrets(tmp_path):
    cfg = load_config(site(tmp_path, '[maintenance]\npin_hash = "pbkdf2$abc$def"\n'), env=NO_ENV)
    text = describe(cfg)
    assert "pbkdf2$abc$def" not in text and 'pin_hash = "********"' in text


def test_readme_configuration_reference_is_current():
    from pathlib import Path

    from kiosk.config import reference_table
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert reference_table() in readme, "regenerate the README table with kiosk.config.reference_table()"
