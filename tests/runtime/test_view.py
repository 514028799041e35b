from __future__ import annotations

import copy
import json
import pickle
import pprint
import traceback

import sealfile
from sealfile.runtime.view import SecretList, Secrets
from tests.support.sealing import SealFile

pytest_plugins = ["tests.support.sealed_files"]

PLAINTEXT = """\
database:
  user: dbuser-7731
  password: hunter2-but-longer
hosts: [alpha.internal, beta.internal]
"""
VALUES = ("dbuser-7731", "hunter2-but-longer", "alpha.internal", "beta.internal")


def test_repr_and_str_show_keys_and_no_value(seal_file: SealFile) -> None:
    secrets = sealfile.load_secrets(seal_file(PLAINTEXT))
    for text in (repr(secrets), str(secrets), f"{secrets}", pprint.pformat(secrets), repr(secrets["database"])):
        assert not any(value in text for value in VALUES), text
    assert repr(secrets) == "Secrets({'database': {'user': ***, 'password': ***}, 'hosts': [***, ***]})"


def test_a_crash_report_with_locals_shows_no_value(seal_file: SealFile) -> None:
    secrets = sealfile.load_secrets(seal_file(PLAINTEXT))
    try:
        raise RuntimeError(f"boom with {len(secrets)} keys")
    except RuntimeError as err:
        report = "".join(traceback.TracebackException.from_exception(err, capture_locals=True).format())
    assert "secrets = Secrets(" in report
    assert not any(value in report for value in VALUES)


def test_it_still_behaves_as_a_plain_dict(seal_file: SealFile) -> None:
    secrets = sealfile.load_secrets(seal_file(PLAINTEXT))
    assert isinstance(secrets, dict) and isinstance(secrets, Secrets)
    assert secrets["database"]["password"] == "hunter2-but-longer"
    assert secrets.get("missing") is None
    assert secrets == {"database": {"user": "dbuser-7731", "password": "hunter2-but-longer"},
                       "hosts": ["alpha.internal", "beta.internal"]}
    assert json.loads(json.dumps(secrets))["hosts"][1] == "beta.internal"
    assert isinstance(secrets["hosts"], SecretList)


def test_to_dict_and_redacted_false_give_plain_containers(seal_file: SealFile) -> None:
    path = seal_file(PLAINTEXT)
    plain = sealfile.load_secrets(path).to_dict()
    assert type(plain) is dict and type(plain["database"]) is dict and type(plain["hosts"]) is list
    raw = sealfile.load_secrets(path, redacted=False)
    assert type(raw) is dict and raw == plain
    assert "hunter2-but-longer" in repr(raw)


def test_extract_keeps_the_view_for_subtrees_and_gives_scalars_as_they_are(seal_file: SealFile) -> None:
    path = seal_file(PLAINTEXT)
    assert "hunter2" not in repr(sealfile.load_secrets(path, extract="database"))
    assert sealfile.load_secrets(path, extract="database.password") == "hunter2-but-longer"


def _derived(secrets: Secrets) -> dict[str, object]:
    """Every way of getting a new object out of a loaded view that keeps the view."""
    items = secrets["hosts"]
    grown = secrets.copy()
    grown |= {"extra": "q-secret-5"}
    return {
        "copy()": secrets.copy(), "|": secrets | {"extra": "q-secret-5"}, "| (right)": {"extra": "x"} | secrets,
        "|=": grown, "copy.copy": copy.copy(secrets), "copy.deepcopy": copy.deepcopy(secrets),
        "pickle": pickle.loads(pickle.dumps(secrets)), "fromkeys": Secrets.fromkeys(["k"], "q-secret-5"),
        "values()": secrets.values(), "items()": secrets.items(), "list slice": items[:1], "list copy()": items.copy(),
        "list +": items + ["q-secret-5"], "list + (right)": ["q-secret-5"] + items,  # noqa: RUF005 "list *": items * 2,
        "list * (right)": 2 * items, "list pickle": pickle.loads(pickle.dumps(items)),
    }


def test_copies_merges_views_and_pickles_stay_redacted(seal_file: SealFile) -> None:
    secrets = sealfile.load_secrets(seal_file(PLAINTEXT))
    for operation, result in _derived(secrets).items():
        shown = repr(result) + str(result) + pprint.pformat(result) + f"{result}"
        assert not [s for s in (*VALUES, "q-secret") if s in shown], operation
        assert "***" in shown, operation
    assert pickle.loads(pickle.dumps(secrets)) == secrets
    assert copy.deepcopy(secrets)["database"] == secrets["database"]
    assert next(iter(secrets.items())) == ("database", secrets["database"])


def test_what_python_builds_from_the_items_is_plain_data_by_design(seal_file: SealFile) -> None:
    """``dict(s)``, ``{**s}`` and ``list(...)`` make new builtin containers without asking the class:
    documented as plain data (top level), like to_dict(); nested containers stay redacted."""
    secrets = sealfile.load_secrets(seal_file("token: t-secret-9\nnested:\n  password: n-secret-9\n"))
    for plain in (dict(secrets), {**secrets}):
        assert type(plain) is dict and "t-secret-9" in repr(plain)
        assert "n-secret-9" not in repr(plain)
