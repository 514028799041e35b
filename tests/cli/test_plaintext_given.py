"""A plaintext file given where a sealed one goes (a newcomer's ``sealfile decrypt secrets.yaml`` before sealing
it) says how to seal it, naming the file, in the one error line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run_cli


@pytest.mark.parametrize("name, text", [("secrets.yaml", "db:\n  password: x\n"), ("app.json", '{"a": "x"}\n'),
                                        ("my .env", "A=x\n")])
@pytest.mark.parametrize("command", [("decrypt",), ("status",), ("verify",), ("set", "{file}", "b", "y"),
                                     ("recipients", "list")])
def test_a_plaintext_file_is_refused_with_the_command_that_seals_it(tmp_path: Path, name: str, text: str,
                                                                    command: tuple[str, ...]) -> None:
    plain = tmp_path / name
    plain.write_text(text)
    args = [arg.format(file=plain) for arg in command] if "{file}" in command else [*command, str(plain)]
    result = run_cli(*args, cwd=tmp_path)
    quoted = f"'{plain}'" if " " in name else str(plain)
    assert (result.returncode, result.stderr) == (
        1, f"sealfile: error: {plain}: not a sealed file (no 'sealfile' metadata key); if it holds plaintext, seal "
           f"it: sealfile encrypt --age age1... -i {quoted}\n")
    assert plain.read_text() == text
