"""`fanzha wechat serve|push` and the [wechat] settings: clear messages, secrets only from the environment."""

import pytest

from bot.cli import main
from bot.config import ConfigError, load_config
from bot.wechat import wecom
from storage import subscriptions
from storage.db import open_db

SECRETS = ("WECHAT_TOKEN", "WECHAT_ENCODING_AES_KEY", "WECHAT_ENCODING_AES_KEY_PREVIOUS")


@pytest.fixture
def config(tmp_path, monkeypatch):
    """A config file with one robot and its own database; no WeChat secrets in the environment."""
    for name in (*SECRETS, "WECOM_ROBOT_GRID1"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "fanzha.toml"
    path.write_text(f'[storage]\npath = "{tmp_path / "cli.db"}"\n[wechat]\napp_id = "wx0123456789abcdef"\n'
                    'wecom_robots = ["grid1"]\n', encoding="utf-8")
    monkeypatch.setenv("FANZHA_CONFIG", str(path))
    return path


@pytest.mark.parametrize("env, problems", [
    pytest.param({}, ["WECHAT_TOKEN is not set", "WECHAT_ENCODING_AES_KEY is not set"], id="nothing set"),
    pytest.param({"WECHAT_TOKEN": "t"}, ["WECHAT_ENCODING_AES_KEY is not set"], id="no EncodingAESKey"),
    pytest.param({"WECHAT_TOKEN": "t", "WECHAT_ENCODING_AES_KEY": "short"}, ["WECHAT_ENCODING_AES_KEY: an EncodingAESKey has 43"],
                 id="malformed key"),
    pytest.param({"WECHAT_TOKEN": "t", "WECHAT_ENCODING_AES_KEY": "a" * 43, "WECHAT_ENCODING_AES_KEY_PREVIOUS": "!" * 43},
                 ["WECHAT_ENCODING_AES_KEY_PREVIOUS: an EncodingAESKey is base64"], id="malformed previous key"),
])
def test_serve_explains_missing_secrets(config, monkeypatch, capsys, env, problems):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["wechat", "serve"]) == 2
    err = capsys.readouterr().err
    assert all(p in err for p in problems), err


def test_push_dry_run_shows_each_robot_and_sends_nothing(config, capsys):
    db = open_db(load_config(config).storage.path)
    wecom.sync_subscriptions(db, ["grid1"], wecom.RobotSettings())
    assert main(["wechat", "push", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "grid1:" in out and "WECOM_ROBOT_GRID1 NOT SET" in out and "message(s)" in out


def test_push_dry_run_names_robots_not_yet_subscribed(config, capsys):
    assert main(["wechat", "push", "--dry-run"]) == 0
    assert "grid1: not subscribed yet" in capsys.readouterr().out


def test_reactivate_re_enables_a_robot(config, capsys):
    db = open_db(load_config(config).storage.path)
    wecom.sync_subscriptions(db, ["grid1"], wecom.RobotSettings())
    subscriptions.deactivate(db, wecom.CHANNEL, "grid1")
    assert main(["wechat", "push", "--reactivate", "grid1"]) == 0
    assert subscriptions.get(db, wecom.CHANNEL, "grid1").active
    assert main(["wechat", "push", "--reactivate", "nobody"]) == 1


@pytest.mark.parametrize("body, problem", [
    pytest.param('mode = "secure"', "mode: 'secure' is not one of", id="unknown mode"),
    pytest.param('deadline_seconds = 5.0', "deadline_seconds: must be in (0, 5)", id="deadline past WeChat's 5 s"),
    pytest.param('wecom_robots = ["网格一"]', "must be ASCII letters", id="robot name unusable in an env name"),
    pytest.param('wecom_robots = ["a-b", "A_B"]', "same WECOM_ROBOT_<NAME>", id="two robots, one variable"),
    pytest.param('wecom_per_minute = 30', "wecom_per_minute: must be in [1, 20]", id="faster than WeCom allows"),
    pytest.param('token = "abc"', "[wechat] token: unknown setting", id="a secret in the file"),
])
def test_invalid_wechat_settings_are_named(tmp_path, body, problem):
    path = tmp_path / "bad.toml"
    path.write_text(f"[wechat]\n{body}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert problem in str(err.value)
