"""``load_secrets``: the one call an application makes; plain types, extract, clear errors."""

from __future__ import annotations

import datetime as dt
import errno
import json
import pickle
from pathlib import Path

import pytest

import sealfile
from sealfile.errors import ConfigError, FormatError, KeyPathError, SealfileError
from sealfile.ops.seal import seal_text
from sealfile.runtime.loader import load_secrets
from sealfile.stores import store_for
from tests.support.identities import AgeIdentity

PLAINTEXT = """\
database:
  host: db.internal
  password: hunter2
  replicas:
    - host: r1.internal
      port: 5433
    - host: r2.internal
      port: 5434
"weird.key": dotted
"10": string ten
"""


@pytest.fixture
def sealed(age_identity: AgeIdentity, tmp_path: Path) -> Path:
    path = tmp_path / "secrets.enc.yaml"
    path.write_text(seal_text(PLAINTEXT, [age_identity.key]))
    return path


def test_returns_plain_python_types(sealed: Path) -> None:
    assert isinstance(load_secrets(sealed), dict)  # a Secrets view by default: a dict that prints no value
    data = load_secrets(sealed, redacted=False)
    assert type(data) is dict
    assert type(data["database"]["replicas"]) is list
    assert type(data["database"]["password"]) is str
    assert type(data["database"]["replicas"][0]["port"]) is int
    assert "sealfile" not in data


def test_is_reachable_from_the_package(sealed: Path) -> None:
    assert sealfile.load_secrets(sealed)["database"]["host"] == "db.internal"


@pytest.mark.parametrize(
    ("keypath", "expected"),
    [
        ("database.password", "hunter2"),
        ('["database"]["password"]', "hunter2"),
        ("database.replicas.1.host", "r2.internal"),
        ('["database"]["replicas"][1]["port"]', 5434),
        ("database.replicas.0", {"host": "r1.internal", "port": 5433}),
        ('["weird.key"]', "dotted"),
        ("10", "string ten"),
        ('["10"]', "string ten"),
    ],
)
def test_extract(sealed: Path, keypath: str, expected: object) -> None:
    assert load_secrets(sealed, extract=keypath) == expected


@pytest.mark.parametrize("keypath", ["database.nope", "database.replicas.5", "database.password.x", "", "a..b",
                                     '["database"', "database.replicas.x"])
def test_extract_missing_path_is_a_keypath_error(sealed: Path, keypath: str) -> None:
    with pytest.raises(KeyPathError) as info:
        load_secrets(sealed, extract=keypath)
    assert str(sealed) in str(info.value)
    assert "hunter2" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SealfileError, match="no such file"):
        load_secrets(tmp_path / "absent.yaml")


def test_a_missing_file_is_caught_as_open_s_would_be(tmp_path: Path) -> None:
    """An application with an optional override file writes ``except FileNotFoundError``, as it would
    around ``open``: a missing file is that (and a SealfileError); a tampered one is not."""
    absent = str(tmp_path / "local.enc.yaml")
    with pytest.raises(FileNotFoundError) as info:
        load_secrets(absent)
    assert isinstance(info.value, sealfile.NoSuchFileError)
    assert (info.value.errno, info.value.filename, str(info.value)) == (errno.ENOENT, absent,
                                                                        f"{absent}: no such file")
    with pytest.raises(FileNotFoundError):
        load_secrets([absent])
    with pytest.raises(OSError) as directory:
        load_secrets(tmp_path)
    assert isinstance(directory.value, sealfile.FileAccessError)
    assert not isinstance(directory.value, FileNotFoundError)
    assert (directory.value.errno, str(directory.value)) == (errno.EISDIR, f"{tmp_path}: is a directory")


def test_a_file_error_survives_a_process_pool(tmp_path: Path) -> None:
    """A worker's failed load is pickled back to the parent: same type, same one line."""
    with pytest.raises(FileNotFoundError) as info:
        load_secrets(tmp_path / "absent.yaml")
    err = pickle.loads(pickle.dumps(info.value))
    assert isinstance(err, sealfile.NoSuchFileError)
    assert (str(err), err.errno) == (f"{tmp_path / 'absent.yaml'}: no such file", errno.ENOENT)


def _without_metadata(text: str, name: str) -> str:
    """A sealed file as a partial copy or a hand edit leaves it: the values kept, the metadata gone."""
    if name.endswith(".json"):
        tree = json.loads(text)
        del tree["sealfile"]
        return json.dumps(tree)
    if name.endswith(".env"):
        return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("sealfile"))
    return text[:text.index("\nsealfile:") + 1]


@pytest.mark.parametrize(("name", "plaintext"), [("s.enc.yaml", "a: x1-value\nb: [y2-value]\n"),
                                                 ("s.enc.json", '{"a": "x1-value", "b": ["y2-value"]}'),
                                                 ("s.enc.env", "A=x1-value\nB=y2-value\n")])
def test_a_sealed_file_without_its_metadata_is_not_offered_to_seal_again(
    age_identity: AgeIdentity, tmp_path: Path, name: str, plaintext: str
) -> None:
    """Cut short (a partial copy) or stripped: its values are still ENC[...] tokens, so following the plaintext
    hint (``encrypt -i``) would seal the tokens as the values, and the application would then read them."""
    path = tmp_path / name
    path.write_text(_without_metadata(seal_text(plaintext, [age_identity.key], store=store_for(name)), name))
    with pytest.raises(sealfile.errors.NotSealedError) as info:
        load_secrets(path)
    assert str(info.value) == (f"{path}: not a sealed file (no 'sealfile' metadata key), yet it holds sealed values "
                        "(ENC[...]): a sealed file cut short or stripped of its metadata? restore it (git), do not "
                        "seal it again")


def test_a_sops_file_without_its_metadata_is_not_offered_to_seal_again(tmp_path: Path) -> None:
    path = tmp_path / "s.enc.yaml"
    path.write_text("password: ENC[AES256_GCM,data:3q2+7w==,iv:AAAAAAAAAAAAAAAAAAAAAA==,tag:AAAAAAAAAAAAAAAAAAAAAA==,"
                    "type:str]\n")
    with pytest.raises(sealfile.errors.NotSealedError, match="do not seal it again"):
        load_secrets(path)


def test_plaintext_file_is_not_a_sealed_file(tmp_path: Path) -> None:
    path = tmp_path / "plain.yaml"
    path.write_text("a: hunter2\n")
    with pytest.raises(FormatError, match="not a sealed file") as info:
        load_secrets(path)
    assert "hunter2" not in str(info.value)


def test_does_not_write_anything(sealed: Path) -> None:
    before = (sealed.read_bytes(), sealed.stat().st_mtime_ns, sorted(sealed.parent.iterdir()))
    load_secrets(sealed)
    assert (sealed.read_bytes(), sealed.stat().st_mtime_ns, sorted(sealed.parent.iterdir())) == before


def test_unwraps_once_per_process(sealed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sealfile.kms.age import AgeKey

    calls: list[str] = []
    real = AgeKey._unwrap

    def counting(self: AgeKey, wrapped: str) -> bytes:
        calls.append(self.recipient)
        return real(self, wrapped)

    monkeypatch.setattr(AgeKey, "_unwrap", counting)
    for _ in range(3):
        load_secrets(sealed)
    assert len(calls) == 1
    sealfile.forget_data_keys()
    load_secrets(sealed)
    assert len(calls) == 2


def test_a_file_is_named_as_open_takes_it_and_several_as_any_iterable(sealed: Path) -> None:
    """A ``bytes`` name was iterated as a list of files (an ``int`` each) and failed with a TypeError about
    an ``int``; a generator (``Path.glob``) was refused."""
    expected = load_secrets(sealed, redacted=False)
    assert load_secrets(bytes(sealed), redacted=False) == expected
    assert load_secrets(sealed.parent.glob("*.enc.yaml"), redacted=False) == expected
    assert load_secrets((str(sealed), bytes(sealed)), redacted=False) == expected
    assert sealfile.load_env(bytes(sealed), prefix="T_")["T_DATABASE_HOST"] == "db.internal"


@pytest.mark.parametrize("wrong", [None, 42, 4.2, ["secrets.enc.yaml", 42]], ids=repr)
def test_what_names_no_file_is_a_type_error_that_says_what_was_given(wrong: object) -> None:
    with pytest.raises(TypeError, match=r"(?m)^expected a file name .* not (NoneType|int|float)$"):
        load_secrets(wrong)  # type: ignore[arg-type]


@pytest.mark.parametrize("unordered", [set, frozenset])
def test_a_set_of_files_is_refused_for_its_merge_order_changes_from_run_to_run(unordered: type, sealed: Path) -> None:
    """Later files win: a set's order follows string hashing, which changes with each interpreter."""
    with pytest.raises(TypeError, match=f"a {unordered.__name__} has no order.*give the files as a list"):
        load_secrets(unordered([str(sealed), str(sealed.with_name("other.enc.yaml"))]))
    with pytest.raises(TypeError, match="has no order"):
        sealfile.load_env(unordered([str(sealed)]))


_MISTAKES = [
    ({"max_age": 90}, TypeError, r"(?m)^max_age must be a timedelta or a number and a unit such as '90d', not int$"),
    ({"max_age": dt.timedelta(days=-1)}, ConfigError, r"(?m)^secrets\.enc\.yaml: not an age: .* is negative$"),
    ({"max_age": "1.5h"}, ConfigError, r"(?m)^secrets\.enc\.yaml: not an age: '1\.5h'"),
    ({"on_stale": "ignore"}, ConfigError, r"(?m)^secrets\.enc\.yaml: on_stale must be 'warn' or 'raise', not 'ignore'"),
    ({"extract": "database..password"}, KeyPathError, r"(?m)^secrets\.enc\.yaml: cannot parse key path 'database"),
    ({"extract": 5}, TypeError, r"(?m)^extract is a key path such as 'database.password', not int$"),
    ({"env": True, "env_prefix": None}, TypeError, r"(?m)^an environment prefix is a string .* not NoneType$"),
    ({"env": True, "env_prefix": "1X"}, ConfigError, r"(?m)^secrets\.enc\.yaml: an environment prefix may hold only"),
    ({"env": True, "env_allow": "PATH"}, TypeError, r"(?m)^the names to allow are a list of strings"),
    ({"env": True, "env_allow": [b"PATH"]}, TypeError, r"(?m)^a name to allow is a string such as 'PATH', not bytes$"),
    ({"allowed_signers": b"allowed_signers"}, TypeError, r"(?m)^allowed_signers is the name of an allowed"),
    ({"file_type": "xml"}, ConfigError,
     r"(?m)^secrets\.enc\.yaml: unknown file type 'xml' \(one of yaml, json, dotenv; for SOPS files also ini"),
    ({"file_type": 3}, TypeError, r"(?m)^a file type is a name such as 'yaml', not int$"),
    ({"allowed_signers": ""}, ConfigError, r"(?m)^secrets\.enc\.yaml: allowed_signers: an empty name names no file$"),
]


@pytest.mark.parametrize(("arguments", "error", "message"), _MISTAKES, ids=lambda x: repr(x)[:40])
def test_a_mistaken_argument_is_refused_by_name_before_any_key_is_tried(
        arguments: dict[str, object], error: type[Exception], message: str, sealed: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """These were found only after the data key was unwrapped (a KMS call, a passphrase asked), or never (a
    SOPS file records no ages; ``on_stale`` without ``max_age``), or failed saying something else (an
    ``AttributeError`` from deep in the signature check for a ``bytes`` name, ``expected string or
    bytes-like object`` for ``max_age=90``; ``env_allow="PATH"`` allowed P, A, T and H and then refused
    PATH). With no key here, a check made in time is the error; one made late is ``NoUsableKeyError``."""
    monkeypatch.delenv("SEALFILE_AGE_KEY_FILE")
    monkeypatch.chdir(sealed.parent)
    with pytest.raises(error, match=message) as raised:
        load_secrets("secrets.enc.yaml", **arguments)  # type: ignore[arg-type]
    assert "\n" not in str(raised.value)
    load_env_arguments = {{"env_prefix": "prefix", "env_allow": "allow_env"}.get(k, k): v
                          for k, v in arguments.items() if k != "env"}
    with pytest.raises(error, match=message):
        sealfile.load_env("secrets.enc.yaml", **load_env_arguments)  # type: ignore[arg-type]
