"""The `faqbot` command as users run it: a real process, from an unrelated folder."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import _parser
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def faqbot(*args: str, stdin: str | None = None, cwd: Path | None = None, env: dict | None = None):
    """Run the installed console script when there is one, else the module."""
    exe = shutil.which("faqbot", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "bot.cli"]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("FAQBOT_", "TELEGRAM_"))}
    full_env.update(env or {})
    return subprocess.run([*cmd, *args], input=stdin, capture_output=True, text=True, cwd=cwd, env=full_env, timeout=60)


def test_ask_for_a_person(tmp_path: Path) -> None:
    out = faqbot("ask", "What does Moscow want?", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("What is Russia's position?")
    assert "recognition of the annexation of Crimea" in out.stdout
    assert "Source: Peace talks in Istanbul: the key questions (blue News)" in out.stdout


def test_ask_refuses_honestly(tmp_path: Path) -> None:
    out = faqbot("ask", "How do I bake sourdough bread?", cwd=tmp_path)
    assert out.returncode == 0
    assert out.stdout.startswith("I don't know")
    assert "Sections to try:" in out.stdout


def test_ask_json(tmp_path: Path) -> None:
    out = faqbot("ask", "--json", "Who leads the Russian delegation?", cwd=tmp_path)
    obj = json.loads(out.stdout)
    assert list(obj) == ["question", "answered", "results", "suggestions"]
    assert obj["answered"] is True
    top = obj["results"][0]
    assert set(top) == {"article", "section", "text", "score", "citation", "url"}
    assert "Medinsky" in top["text"] and top["url"] is None


def test_ask_json_lines_from_stdin(tmp_path: Path) -> None:
    questions = ["What does Kyiv demand?", "", "How do I bake sourdough bread?", "hello", "Is Trump coming?"]
    out = faqbot("ask", "--json", "-", stdin="\n".join(questions) + "\n", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    objs = [json.loads(line) for line in out.stdout.splitlines()]
    assert [o["question"] for o in objs] == questions
    assert [o["answered"] for o in objs] == [True, False, False, False, True]
    assert all(o["results"] == [] for o in objs if not o["answered"])


def test_corpus_dir_setting_and_bad_corpus(tmp_path: Path) -> None:
    (tmp_path / "tea.md").write_text("## How is green tea made?\n\nLeaves are steamed.\n", encoding="utf-8")
    out = faqbot("ask", "--json", "how is green tea made", env={"FAQBOT_CORPUS_DIR": str(tmp_path)})
    assert json.loads(out.stdout)["results"][0]["text"] == "Leaves are steamed."
    (tmp_path / "bad.txt").write_bytes(b"\xff")
    out = faqbot("ask", "anything", env={"FAQBOT_CORPUS_DIR": str(tmp_path)})
    assert out.returncode == 1
    assert f"{tmp_path / 'bad.txt'}:1: not UTF-8" in out.stderr
    assert "Traceback" not in out.stderr


def test_corpus_check(tmp_path: Path) -> None:
    out = faqbot("corpus", "check", cwd=tmp_path)
    assert out.returncode == 0
    assert "What is Russia's position?  — 4 passages, 825 characters" in out.stdout
    assert out.stdout.rstrip().endswith("OK: 1 articles, 9 FAQ sections, 36 passages")
    (tmp_path / "dup.md").write_text("## Why?\n\nOne.\n\n## Why?\n\nTwo.\n", encoding="utf-8")
    out = faqbot("corpus", "check", str(tmp_path))
    assert out.returncode == 1
    assert "dup.md:5: duplicate heading 'Why?' (first at line 1)" in out.stderr


@pytest.mark.parametrize("args", [[], ["ask"], ["corpus"], ["corpus", "check"]])
def test_every_command_has_help(args: list[str]) -> None:
    out = faqbot(*args, "--help")
    assert out.returncode == 0 and "usage: faqbot" in out.stdout
    assert len(out.stdout.splitlines()) > 3


def _commands(parser, prefix: str = "faqbot") -> list[str]:
    found = []
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            for name, sub in action.choices.items():
                found.append(f"{prefix} {name}")
                found.extend(_commands(sub, f"{prefix} {name}"))
    return found


def test_every_command_and_setting_is_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in _commands(_parser()):
        assert command in readme, f"{command} is not in the README"
    for field in Settings.model_fields.values():
        assert field.validation_alias in readme, f"{field.validation_alias} is not in the README"
    assert re.search(r"faqbot ask --json -", readme)
