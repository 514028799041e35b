"""Which syntax a file's name says, and a name kept aside that says the same."""

from __future__ import annotations

import os

import pytest

from sealfile.stores import aside_name, named_store


@pytest.mark.parametrize(("name", "aside"), [
    ("s.enc.yaml", "s.enc.edited.yaml"),
    ("s.yml", "s.edited.yml"),
    ("x.json", "x.edited.json"),
    ("a.env", "a.edited.env"),
    (".env.enc", ".edited.env.enc"),
    ("prod.env.enc", "prod.edited.env.enc"),
    (".env.prod", ".env.prod.edited"),
    ("x.sealed", "x.sealed.edited"),
    (os.path.join("dir", "s.enc.yaml"), os.path.join("dir", "s.enc.edited.yaml")),
])
def test_a_name_kept_aside_says_the_same_syntax(name: str, aside: str) -> None:
    assert aside_name(name, "edited") == aside
    assert named_store(aside) == named_store(name)
