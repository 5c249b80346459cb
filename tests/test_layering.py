"""Architecture rules: only bot/ talks to Telegram; knowledge/ is pure; WeChat's library stays in its package."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(package: str) -> dict[str, set[str]]:
    found = {}
    for path in (ROOT / package).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize("package", ["knowledge", "scheduler", "storage"])
def test_only_bot_imports_telegram(package):
    offenders = [p for p, names in imported_modules(package).items() if "telegram" in names]
    assert not offenders


def test_knowledge_is_pure():
    forbidden = {"telegram", "sqlite3", "sqlite_utils", "aiohttp", "httpx", "requests", "socket", "urllib", "bot", "storage", "scheduler"}
    offenders = {p: names & forbidden for p, names in imported_modules("knowledge").items() if names & forbidden}
    assert not offenders


def test_wechatpy_only_in_the_wechat_package():
    offenders = [p for p, names in imported_modules("bot").items() if "wechatpy" in names and not p.startswith("bot/wechat/")]
    assert not offenders


def test_telegram_only_in_the_telegram_package_and_its_commands():
    allowed = ("bot/telegram_bot/", "bot/commands/run.py", "bot/commands/push.py")
    offenders = [p for p, names in imported_modules("bot").items() if "telegram" in names and not p.startswith(allowed)]
    assert not offenders
