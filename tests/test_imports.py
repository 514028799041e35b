"""Import guard: ``import sealfile`` (and reading an age-sealed file) never pulls in a cloud SDK
or keyring, and every module imports on its own (no import cycles)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.cli import SRC, cli_env
from tests.support.identities import AgeIdentity

HEAVY = ("boto3", "botocore", "google", "azure", "keyring", "secretstorage", "jeepney", "hvac", "requests", "gnupg")

PROBE = """
import json, sys
import sealfile
after_package = sorted(sys.modules)
import sealfile.cli
after_cli = sorted(sys.modules)
data = sealfile.load_secrets(sys.argv[1])
assert data == {"db": {"password": "hunter2"}}, data
print(json.dumps({"package": after_package, "cli": after_cli, "load": sorted(sys.modules)}))
"""


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in HEAVY]


def test_no_sdk_is_imported(age_identity: AgeIdentity, tmp_path: Path) -> None:
    sealed = tmp_path / "s.yaml"
    sealed.write_text(seal_text("db:\n  password: hunter2\n", [age_identity.key]))
    result = subprocess.run([sys.executable, "-c", PROBE, str(sealed)], capture_output=True, text=True,
                            env=cli_env(), timeout=60)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    for stage, modules in seen.items():
        assert _heavy(modules) == [], stage
    assert "click" not in seen["package"]
    assert "sealfile.envelope" not in seen["package"]


APPLICATION_PATHS = """
import json, sys
import sealfile, sealfile.pydantic
yaml_file, json_file, dotenv_file = sys.argv[1:]
merged = sealfile.load_secrets([yaml_file, json_file, dotenv_file], redacted=False)
assert merged == {"db": {"password": "hunter2"}, "API_KEY": "k-123"}, merged
sealfile.load_env(json_file, prefix="PROBE_")
print(json.dumps(sorted(sys.modules)))
"""


def test_no_sdk_is_imported_by_what_applications_call(age_identity: AgeIdentity, tmp_path: Path) -> None:
    """JSON and dotenv files, several files merged, load_env and the pydantic source: no SDK either."""
    files = {"s.enc.yaml": ("db:\n  password: hunter2\n", "yaml"),
             "s.enc.json": ('{"db": {"password": "hunter2"}}', "json"),
             "s.enc.env": ("API_KEY=k-123\n", "dotenv")}
    for name, (plaintext, syntax) in files.items():
        (tmp_path / name).write_text(seal_text(plaintext, [age_identity.key], store=get_store(syntax)))
    result = subprocess.run([sys.executable, "-c", APPLICATION_PATHS, *(str(tmp_path / name) for name in files)],
                            capture_output=True, text=True, env=cli_env(), timeout=60)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert _heavy(loaded) == []
    assert "click" not in loaded


def _importtime(args: list[str]) -> dict[str, int]:
    """``python -X importtime``: module -> cumulative microseconds."""
    result = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, text=True,
                            env=cli_env(), timeout=60)
    times: dict[str, int] = {}
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self, cumulative, name = (part.strip() for part in line[len("import time:"):].split("|"))
        times[name.strip()] = int(cumulative)
    return times


def test_importtime_of_the_package() -> None:
    times = _importtime(["-c", "import sealfile"])
    assert "sealfile" in times
    assert _heavy(list(times)) == []
    assert times["sealfile"] < 500_000, f"import sealfile took {times['sealfile']} us"


def test_importtime_of_decrypting_an_age_file(age_identity: AgeIdentity, tmp_path: Path) -> None:
    sealed = tmp_path / "s.yaml"
    sealed.write_text(seal_text("a: 1\n", [age_identity.key]))
    times = _importtime(["-m", "sealfile", "decrypt", str(sealed)])
    assert "pyrage" in times  # the age provider was loaded (and nothing heavier)
    assert _heavy(list(times)) == []


MODULES = sorted(
    ".".join(p.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
    for p in (SRC / "sealfile").rglob("*.py")
    if p.name != "__main__.py"
)

EACH_ALONE = """
import importlib, json, sys
failed = {}
for name in json.loads(sys.argv[1]):
    for loaded in [m for m in sys.modules if m == "sealfile" or m.startswith("sealfile.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as err:
        failed[name] = repr(err)
print(json.dumps(failed))
"""


def test_each_module_imports_first() -> None:
    """Each module imported first, with no other sealfile module loaded: catches import cycles."""
    assert len(MODULES) > 15
    result = subprocess.run([sys.executable, "-c", EACH_ALONE, json.dumps(MODULES)], capture_output=True,
                            text=True, env=cli_env(), timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {}
