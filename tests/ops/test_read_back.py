"""Every write is read back before it is kept: rotate too, where every token is new."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from sealfile.envelope import bulk
from sealfile.envelope.token_shape import token_times
from sealfile.errors import FormatError
from sealfile.ops import change, seal, spliced, tree, yaml_rewrite, yaml_seal
from sealfile.ops.reader import read_document
from sealfile.stores import get_store
from tests.support.identities import AgeIdentity

PLAIN = {
    "yaml": "db:\n  user: admin\n  password: hunter2\nport: 5432\nflags: [a, 'b']\n",
    "json": '{"db": {"user": "admin", "password": "hunter2"}, "port": 5432, "flags": ["a", "b"]}\n',
    "dotenv": "DB_USER=admin\nDB_PASSWORD=hunter2\nPORT=5432\n",
}


def _sealed(syntax: str, identity: AgeIdentity) -> str:
    times = iter(range(1_600_000_000, 1_600_000_100))
    return seal.seal_text(PLAIN[syntax], [identity.key], store=get_store(syntax), clock=lambda: next(times))


@pytest.mark.parametrize("syntax", sorted(PLAIN))
def test_rotate_keeps_every_value_and_when_it_was_set(syntax: str, age_identity: AgeIdentity) -> None:
    store = get_store(syntax)
    before = read_document(_sealed(syntax, age_identity), store)
    rotated = read_document(change.rotate(before.text, store), store)
    old_tokens, new_tokens = before.tokens(), rotated.tokens()
    assert [path for path, _ in new_tokens] == [path for path, _ in old_tokens]
    assert not {token for _, token in old_tokens} & {token for _, token in new_tokens}
    assert token_times(new_tokens) == token_times(old_tokens)
    assert rotated.open().data() == before.open().data()


def _swapping_seal_many(data_key: bytes, items: Sequence[tuple[bytes, bytes]], times: int | Sequence[int]) -> list[str]:
    """A broken sealer: the first two values change places (each token still bound to its own path)."""
    payloads = [payload for _, payload in items]
    payloads[0], payloads[1] = payloads[1], payloads[0]
    return bulk.seal_many(data_key, [(path, payload) for (path, _), payload in zip(items, payloads, strict=True)],
                          times)


@pytest.mark.parametrize("syntax", sorted(PLAIN))
def test_a_rotate_that_would_not_read_back_is_refused(syntax: str, age_identity: AgeIdentity,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    store = get_store(syntax)
    sealed = _sealed(syntax, age_identity)
    monkeypatch.setattr(yaml_rewrite, "seal_many", _swapping_seal_many)
    monkeypatch.setattr(tree, "seal_many", _swapping_seal_many)
    with pytest.raises(FormatError, match="refusing to write") as caught:
        change.rotate(sealed, store)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("syntax", sorted(PLAIN))
def test_an_encrypt_that_would_not_read_back_is_refused(syntax: str, age_identity: AgeIdentity,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seal, "seal_many", _swapping_seal_many)
    monkeypatch.setattr(yaml_seal, "seal_many", _swapping_seal_many)
    with pytest.raises(FormatError, match="refusing to write") as caught:
        _sealed(syntax, age_identity)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("syntax", sorted(PLAIN))
def test_a_set_keeps_the_other_values_and_reads_back(syntax: str, age_identity: AgeIdentity) -> None:
    store = get_store(syntax)
    sealed = _sealed(syntax, age_identity)
    keypath = "DB_PASSWORD" if syntax == "dotenv" else "db.password"
    before = read_document(sealed, store).open().data()
    after = read_document(change.set_value(sealed, keypath, "s3cret", store), store).open().data()
    if syntax == "dotenv":
        assert after == {**before, "DB_PASSWORD": "s3cret"}
    else:
        assert after == {**before, "db": {**before["db"], "password": "s3cret"}}


def test_a_write_lets_go_of_the_old_parse_before_reading_back(age_identity: AgeIdentity,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A write's peak memory is one parse: the old one is released before the new text is read back."""
    document = read_document(_sealed("yaml", age_identity), get_store("yaml")).open()
    old_scan = document._sealed.scan  # type: ignore[attr-defined]
    seen: list[tuple[int, int, int]] = []
    real = spliced.read_back

    def spy(*args: object) -> object:
        seen.append((len(old_scan.leaves), len(old_scan.roots), len(old_scan.containers)))
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(spliced, "read_back", spy)
    document.set("db.password", "hunter3")
    document.rotate()
    assert seen[0] == (0, 0, 0)
    assert document.data()["db"]["password"] == "hunter3"


@pytest.mark.parametrize("change_it", ["set", "rotate"])
def test_a_refused_write_leaves_the_document_as_it_was(change_it: str, age_identity: AgeIdentity,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    sealed = _sealed("yaml", age_identity)
    document = read_document(sealed, get_store("yaml")).open()

    def refuse(*args: object) -> object:
        raise FormatError("refusing to write: test")

    monkeypatch.setattr(spliced, "read_back", refuse)
    with pytest.raises(FormatError, match="refusing to write"):
        document.set("db.password", "hunter3") if change_it == "set" else document.rotate()
    assert document.dump() == sealed
    assert document.data() == {"db": {"user": "admin", "password": "hunter2"}, "port": 5432, "flags": ["a", "b"]}
    monkeypatch.undo()
    document.set("db.password", "hunter4")
    assert read_document(document.dump(), get_store("yaml")).open().data()["db"]["password"] == "hunter4"


@pytest.mark.parametrize(("syntax", "value"), [("json", float("nan")), ("json", b"\x01"), ("dotenv", 5)])
def test_a_write_whose_decrypted_text_would_not_read_back_is_refused(
        syntax: str, value: object, age_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sealed text opening as the data is not enough: ``decrypt`` must print a text that reads as it
    too. With the value check bypassed, a value the syntax cannot spell is caught when read back."""
    store = get_store(syntax)
    monkeypatch.setattr(type(store), "unfit", lambda self, value, key=False: None)
    with pytest.raises(FormatError, match=r"refusing to write: the result would not read back \((JSON cannot hold|"
                                          r"dotenv values are strings)"):
        change.set_value(_sealed(syntax, age_identity), "new", value, store)


def test_a_result_a_reader_refuses_is_refused_with_the_readers_cause(age_identity: AgeIdentity) -> None:
    """A dotenv plaintext just under the line limit every reader applies, once its metadata lines are added, is
    over it: the refusal says so (not 'please report it', as for a sealer's bug)."""
    from sealfile.stores.dotenv_lines import MAX_LINES

    plaintext = "".join(f"KEY_{index}=value\n" for index in range(MAX_LINES - 2))
    with pytest.raises(FormatError, match="refusing to write") as caught:
        seal.seal_text(plaintext, [age_identity.key], store=get_store("dotenv"))
    assert f"would not read back (a dotenv file of more than {MAX_LINES:,} lines" in str(caught.value)
    assert "please report it" not in str(caught.value)


# What each syntax's reader gives back where the writer meant otherwise, the key path and the cause named.
UNLIKE = {
    "yaml": ({"db": {"user": "admin", "password": "zq-meant-value"}, "port": 5432, "flags": ["a", "b"]}, "db.password",
             "the value written there reads back as another string"),
    "json": ({"db": {"user": "admin", "password": "hunter2"}, "port": "5432", "flags": ["a", "b"]}, "port",
             "the value written there reads back as an integer, not a string"),
    "dotenv": ({"DB_USER": "admin", "PORT": "5432"}, "DB_PASSWORD",
               "this key reads back but is not meant to be there"),
}


@pytest.mark.parametrize("syntax", sorted(UNLIKE))
def test_a_result_holding_other_data_is_refused_naming_where_and_how(syntax: str, age_identity: AgeIdentity) -> None:
    """Each writer's read-back (the spliced YAML one, the tree one) says where the text it was about to write
    reads back otherwise and how, in kinds: never the value."""
    store = get_store(syntax)
    text = _sealed(syntax, age_identity)
    data_key = read_document(text, store).open().reuse().data_key
    expected, keypath, cause = UNLIKE[syntax]
    with pytest.raises(FormatError, match="refusing to write") as caught:
        if syntax == "yaml":
            spliced.read_back(text, store, data_key, expected, "c")
        else:
            tree.read_back(text, store, data_key, expected)
    assert caught.value.keypath == keypath and cause in caught.value.message
    assert "hunter2" not in str(caught.value) and "zq-meant" not in str(caught.value)


@pytest.mark.parametrize(("plaintext", "trees"), [
    (PLAIN["yaml"], 0),  # every leaf and payload as written: known to hold the data without a tree
    ("base: &b\n  password: hunter2\ncopy: *b\n", 1),  # an alias holds a value elsewhere: the trees compared
])
def test_a_rotate_reads_back_leaf_by_leaf(plaintext: str, trees: int, age_identity: AgeIdentity,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The read-back of a rotate opens every token and checks the MAC, then compares what the seal covers and the
    payloads with the ones written; it builds and compares the data tree only where leaves are not all it holds."""
    store = get_store("yaml")
    sealed = seal.seal_text(plaintext, [age_identity.key], store=store)
    compared: list[object] = []
    real = spliced.same_data

    def counting(a: object, b: object) -> bool:
        compared.append(a)
        return real(a, b)

    monkeypatch.setattr(spliced, "same_data", counting)
    rotated = change.rotate(sealed, store)
    assert len(compared) == trees
    assert read_document(rotated, store).open().plaintext() == plaintext


def test_a_rotate_whose_tokens_hold_other_payloads_has_its_trees_compared(age_identity: AgeIdentity,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Leaf by leaf, a token holding another payload than the one it replaced is not taken as the same: the trees
    are compared (here made to agree, to see that they were)."""
    store = get_store("yaml")
    sealed = seal.seal_text("a: 'x'\nb: y\n", [age_identity.key], store=store)
    compared: list[object] = []
    monkeypatch.setattr(spliced, "same_data", lambda a, b: compared.append(a) or True)

    def respelled(data_key: bytes, items: Sequence[tuple[bytes, bytes]], times: int | Sequence[int]) -> list[str]:
        return bulk.seal_many(data_key, [(path, payload + b"!") for path, payload in items], times)

    monkeypatch.setattr(yaml_rewrite, "seal_many", respelled)
    change.rotate(sealed, store)
    assert len(compared) == 1
