"""The merge driver below a key holding a null (``resources:`` in Helm values, ``"resources": null`` in JSON): each
side's new keys there merge as ``sealfile set`` made them, in every syntax."""

from __future__ import annotations

import pytest

from tests.support.git import Sandbox, seal_file


@pytest.mark.parametrize(("name", "plaintext", "merged"), [
    ("values.enc.json", '{\n  "resources": null,\n  "token": "base"\n}\n',
     '{\n  "resources": {\n    "limits": {\n      "cpu": "2"\n    },\n    "requests": {\n      "memory": "1Gi"\n    }\n'
     '  },\n  "token": "ours"\n}\n'),
    ("values.enc.yaml", "resources:\ntoken: base\n",
     'resources:\n  limits:\n    cpu: "2"\n  requests:\n    memory: 1Gi\ntoken: ours\n'),
])
def test_keys_set_below_a_null_on_both_sides_merge(installed: Sandbox, name: str, plaintext: str,
                                                    merged: str) -> None:
    box = installed
    seal_file(box, name, plaintext)
    box.commit("values")
    box.git("checkout", "-q", "-b", "feature")
    box.sealfile("set", name, "resources.limits.cpu", "2")
    box.commit("theirs")
    box.git("checkout", "-q", "main")
    box.sealfile("set", name, "resources.requests.memory", "1Gi")
    box.sealfile("set", name, "token", "ours")
    box.commit("ours")

    merge = box.git("merge", "--no-edit", "feature", check=False)
    assert merge.returncode == 0, merge.stderr
    assert box.sealfile("decrypt", name).stdout == merged
