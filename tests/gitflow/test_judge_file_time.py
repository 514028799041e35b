"""The file judge of ``check`` and ``review`` (:func:`.leaks.judge_file`) on hostile plain files: time linear in the
file, and a line of a flood judged once.

A log, a shell history or a CI trace is written by whoever pushes it; 8 MiB of ``TOKEN=abc`` lines took 4 s of
CPU, a line of ``a://`` repeated 2.6 s (one search of a shape tried from every position)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sealfile.gitflow import secret_values
from sealfile.gitflow.secret_values import credential_lines
from tests.support.blob_views import judged_in_fresh_process

FLOODS: dict[str, Callable[[int], str]] = {
    "trace.log": lambda size: "TOKEN=abc\n" * (size // 10),
    "urls.sh": lambda size: "a://" * (size // 4),
    "deploy.sh": lambda size: "password=abcdefgh\n" * (size // 18),
    "names.log": lambda size: "".join(f"TOKENX{n}=abcdefgh\n" for n in range(size // 20)),
    "letters.sh": lambda size: "pAsSwOrD x://a:" * (size // 15),
    "urls.log": lambda size: "x://a:b@c\n" * (size // 10),
    # shell continuations (joined before the lines are judged): one line of the whole file, a run of backslashes
    "continued.sh": lambda size: "export API_TOKEN=a\\\n" * (size // 20),
    "assigned.sh": lambda size: "TOKEN=abcdefgh x://a: PASSWORD=x \\\n" * (size // 36),
    "backslashes.sh": lambda size: ("\\" * 4095 + "\n") * (size // 4096) + "\\" * size + "\n",
    # one line, read whole (once cut at 4,096 characters): each URL's password read once
    "bundle.js": lambda size: "pg://u:${X}@h " * (size // 14) + "\n",
    "keywords.js": lambda size: "password=${X}; " * (size // 15) + "\n",
    "examples.js": lambda size: "AKIAIOSFODNN7EXAMPLE " * (size // 21) + "\n",  # each example key judged once
}
SIZE = 256 * 1024


@pytest.mark.parametrize("name", list(FLOODS))
def test_a_flood_is_judged_in_time_linear_in_it(name: str, tmp_path: Path) -> None:
    """Four times the file takes at most eight times the CPU (a quadratic judge, sixteen), and little in all."""
    seconds = []
    for size in (SIZE, 4 * SIZE):
        (tmp_path / name).write_text(FLOODS[name](size))
        _, taken, _ = judged_in_fresh_process(tmp_path / name)
        seconds.append(taken)
    assert seconds[1] < 8 * max(seconds[0], 0.05) and seconds[1] < 2, seconds


def _judgments(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The lines :func:`credential_lines` asks whether they set a variable to a secret (each judged line is)."""
    asked: list[str] = []
    judge = secret_values._assigned

    def counted(line: str) -> str | None:
        asked.append(line)
        return judge(line)

    monkeypatch.setattr(secret_values, "_assigned", counted)
    return asked


def test_the_lines_of_a_flood_are_judged_once_each(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _judgments(monkeypatch)
    found = credential_lines("trace.log", "TOKEN=(abcdefgh)\n" * 10_000 + "export DB_PASSWORD=s3cr3tvalue\n", None)
    assert found == ["line 10001: a variable named like a secret set to a literal value, in plaintext"]
    assert asked == ["TOKEN=(abcdefgh)", "export DB_PASSWORD=s3cr3tvalue"]


def test_lines_without_a_credentials_shape_are_not_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _judgments(monkeypatch)
    assert credential_lines("trace.log", "".join(f"TOKEN=ab{n % 100}\n" for n in range(10_000)), None) == []
    assert asked == []
