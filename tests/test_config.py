"""Configuration: the shipped file is valid, every problem is listed at once, secrets stay in the environment."""

from pathlib import Path

import pytest

from bot.config import DEFAULT_PATH, ConfigError, load_config, secret


def test_shipped_config_is_valid():
    config = load_config(DEFAULT_PATH)
    assert config.scheduler.default_timezone == "Asia/Shanghai"


@pytest.mark.parametrize("body, problem", [
    ("[matcher]\nmax_chars = 'a lot'\n", "[matcher] max_chars: expected int"),
    ("[telegram]\ntoken = 'abc'\n", "[telegram] token: unknown setting"),
    ("[scheduler]\ndefault_timezone = 'Mars/Base'\n", "unknown time zone"),
    ("[scheduler]\nglobal_rate_per_second = 100.0\n", "global_rate_per_second"),
    ("not toml at all [", "not valid TOML"),
    ("[storage]\npath = ''\n", "[storage] path: must not be empty"),
])
def test_invalid_config_names_the_problem(tmp_path, body, problem):
    path = tmp_path / "c.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert problem in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "absent.toml")


def test_fanzha_config_points_elsewhere(tmp_path, monkeypatch):
    path = tmp_path / "c.toml"
    path.write_text("[storage]\npath = 'elsewhere.db'\n", encoding="utf-8")
    monkeypatch.setenv("FANZHA_CONFIG", str(path))
    assert load_config().storage.path == "elsewhere.db"


def test_secrets_only_from_environment(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", " 123:abc ")
    assert secret("TELEGRAM_BOT_TOKEN") == "123:abc"
    assert "TOKEN" not in Path(DEFAULT_PATH).read_text(encoding="utf-8").split("Secrets never go here")[1].split("\n[")[1]
