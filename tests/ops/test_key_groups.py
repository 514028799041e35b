"""Key groups with a threshold: any ``threshold`` groups open a file, fewer are refused with a
line saying how many parts were recovered and which recipients failed; every verb keeps groups."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pyrage
import pytest

from sealfile.envelope.datakey import forget_data_keys
from sealfile.errors import ConfigError, FormatError, IntegrityError, NotEnoughGroupsError, NoUsableKeyError
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.kms.groups import KeyGroups
from sealfile.model.metadata import Metadata
from sealfile.ops import change
from sealfile.ops.keyless import describe
from sealfile.ops.read import decrypt_text
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_text
from sealfile.ops.tree import dump_with_metadata, parse_sealed_tree
from sealfile.stores import get_store
from tests.support.values import safe_load

PLAINTEXT = "db:\n  password: hunter2\n  port: 5432\nnote_unencrypted: hello\n"
DATA = {"db": {"password": "hunter2", "port": 5432}, "note_unencrypted": "hello"}


@dataclass(frozen=True)
class Team:
    identity: str
    key: AgeKey


Use = Callable[..., None]


@pytest.fixture
def teams() -> list[Team]:
    return [Team(identity, AgeKey(recipient)) for identity, recipient in (generate_identity() for _ in range(4))]


@pytest.fixture
def use(teams: list[Team], monkeypatch: pytest.MonkeyPatch) -> Use:
    """``use(0, 2)``: only those teams' identities are available (and nothing is cached)."""

    def only(*indices: int) -> None:
        monkeypatch.setenv("SEALFILE_AGE_KEY", "\n".join(teams[i].identity for i in indices))
        forget_data_keys()

    return only


def two_of_three(teams: list[Team]) -> KeyGroups:
    return KeyGroups(tuple((team.key,) for team in teams[:3]), threshold=2)


def metadata(sealed: str) -> Metadata:
    return read_document(sealed, get_store("yaml")).metadata


@pytest.mark.parametrize("pair", list(itertools.combinations(range(3), 2)))
def test_any_two_groups_open_a_two_of_three_file(teams: list[Team], use: Use, pair: tuple[int, int]) -> None:
    sealed = seal_text(PLAINTEXT, two_of_three(teams))
    use(*pair)
    assert read_document(sealed, get_store("yaml")).open().data() == DATA


def test_one_group_is_refused_saying_what_was_recovered_and_what_failed(teams: list[Team], use: Use) -> None:
    sealed = seal_text(PLAINTEXT, two_of_three(teams))
    use(1)
    with pytest.raises(NotEnoughGroupsError) as info:
        decrypt_text(sealed)
    message = str(info.value)
    assert "recovered 1 of the 2 key-group parts needed" in message and "3 groups" in message
    assert f"group 1: age {teams[0].key.recipient}: no matching identity" in message
    assert f"group 3: age {teams[2].key.recipient}" in message
    assert teams[1].key.recipient not in message and "\n" not in message
    assert isinstance(info.value, NoUsableKeyError)


def test_metadata_holds_one_share_per_group_at_x_1_2_3(teams: list[Team], use: Use) -> None:
    sealed = seal_text(PLAINTEXT, two_of_three(teams))
    raw = safe_load(sealed)["sealfile"]
    assert raw["threshold"] == 2 and "recipients" not in raw and len(raw["key_groups"]) == 3
    identities = [pyrage.x25519.Identity.from_str(team.identity) for team in teams]
    shares = [pyrage.decrypt(group[0]["wrapped"].encode(), identities) for group in raw["key_groups"]]
    assert [len(share) for share in shares] == [33] * 3
    assert [share[-1] for share in shares] == [1, 2, 3]


def test_the_threshold_is_covered_by_the_mac(teams: list[Team], use: Use) -> None:
    forged = seal_text(PLAINTEXT, two_of_three(teams)).replace("threshold: 2", "threshold: 1")
    for available in ((0,), (0, 1, 2)):
        use(*available)
        with pytest.raises(IntegrityError):
            decrypt_text(forged)


def test_any_recipient_of_a_group_opens_its_part(teams: list[Team], use: Use) -> None:
    groups = KeyGroups(((teams[0].key, teams[1].key), (teams[2].key,)), threshold=2)
    sealed = seal_text(PLAINTEXT, groups)
    for pair in ((0, 2), (1, 2)):
        use(*pair)
        assert safe_load(decrypt_text(sealed)) == DATA
    use(0, 1)
    with pytest.raises(NotEnoughGroupsError, match="recovered 1 of the 2"):
        decrypt_text(sealed)


def test_set_edit_and_rotate_keep_the_groups(teams: list[Team], use: Use) -> None:
    sealed = seal_text(PLAINTEXT, two_of_three(teams))
    use(0, 2)
    before = metadata(sealed)
    changed = change.set_value(sealed, "db.password", "s3cret")
    assert metadata(changed).groups == before.groups and metadata(changed).threshold == 2
    edited = change.reseal_edited(changed, PLAINTEXT.replace("5432", "5433"))
    assert metadata(edited).groups == before.groups
    rotated = change.rotate(edited)
    after = metadata(rotated)
    assert after.threshold == 2 and len(after.groups) == 3
    assert all(a.wrapped != b.wrapped for a, b in zip(after.recipients, before.recipients, strict=True))
    use(1, 2)
    assert safe_load(decrypt_text(rotated))["db"] == {"password": "hunter2", "port": 5433}


def test_recipients_join_and_leave_a_group(teams: list[Team], use: Use) -> None:
    sealed = seal_text(PLAINTEXT, two_of_three(teams))
    use(0, 1)
    with pytest.raises(ConfigError, match="3 key groups: say which one"):
        change.change_recipients(sealed, add=[teams[3].key])
    with pytest.raises(ConfigError, match="no key group 4"):
        change.change_recipients(sealed, add=[teams[3].key], group=4)
    with pytest.raises(FormatError, match="key group 3 without a recipient"):
        change.change_recipients(sealed, remove=[teams[2].key])
    joined = change.change_recipients(sealed, add=[teams[3].key], group=3)
    assert [k.key_id for k in joined.added] == [teams[3].key.recipient] and not joined.removed
    assert [len(group) for group in metadata(joined.text).groups] == [1, 1, 2]
    use(0, 3)
    assert safe_load(decrypt_text(joined.text)) == DATA
    left = change.change_recipients(joined.text, remove=[teams[2].key])
    use(2)
    with pytest.raises(NoUsableKeyError):
        decrypt_text(left.text)


def test_exact_groups_change_the_threshold_or_flatten(teams: list[Team], use: Use) -> None:
    sealed = seal_text(PLAINTEXT, two_of_three(teams))
    use(0, 1)
    all_three = change.change_recipients(sealed, exact=KeyGroups(two_of_three(teams).groups, threshold=3))
    assert all_three.text != sealed and not all_three.added and not all_three.removed
    assert all_three.regrouped and all_three.changes  # said so: updatekeys reported such a change as "unchanged"
    assert metadata(all_three.text).threshold == 3
    unchanged = change.change_recipients(sealed, exact=two_of_three(teams))
    assert unchanged.text == sealed
    flat = change.change_recipients(sealed, exact=[teams[1].key])
    assert not metadata(flat.text).grouped and "key_groups" not in flat.text
    use(1)
    assert safe_load(decrypt_text(flat.text)) == DATA


def test_a_key_group_part_is_not_a_data_key(teams: list[Team], use: Use) -> None:
    """A stanza wrapping a share, copied into a file without groups, is refused as such."""
    grouped = metadata(seal_text(PLAINTEXT, two_of_three(teams))).groups[0][0]
    store = get_store("yaml")
    tree, meta = parse_sealed_tree(seal_text(PLAINTEXT, [teams[0].key]), store)
    forged = dump_with_metadata(tree, meta.with_recipients([grouped]), store, like=None)
    use(0)
    with pytest.raises(NoUsableKeyError, match="holds a key group's part"):
        decrypt_text(forged)


def test_a_key_in_two_groups_is_refused(teams: list[Team]) -> None:
    with pytest.raises(ConfigError, match="in two key groups"):
        KeyGroups(((teams[0].key,), (teams[1].key, teams[0].key)), threshold=2)
    with pytest.raises(ConfigError, match="between 1 and the number of key groups"):
        KeyGroups(((teams[0].key,), (teams[1].key,)), threshold=3)


@pytest.mark.parametrize("syntax", ["json", "dotenv"])
def test_groups_in_json_and_dotenv(teams: list[Team], use: Use, syntax: str) -> None:
    store = get_store(syntax)
    plaintext = '{"password": "hunter2"}\n' if syntax == "json" else "PASSWORD=hunter2\n"
    sealed = seal_text(plaintext, two_of_three(teams), store=store)
    use(0, 2)
    document = read_document(sealed, store)
    assert document.metadata.threshold == 2 and len(document.metadata.groups) == 3
    assert list(document.open().data().values()) == ["hunter2"]


def test_status_shows_the_groups_without_a_key(teams: list[Team], use: Use) -> None:
    use()
    status = describe(seal_text(PLAINTEXT, two_of_three(teams)))
    assert status.threshold == 2
    assert status.groups == [[("age", team.key.recipient)] for team in teams[:3]]


def test_narrowed_by_tells_a_change_that_makes_someone_need_more_groups(teams: list[Team]) -> None:
    a, b, c, _ = (team.key for team in teams)
    flat = KeyGroups([[a, b, c]])
    split = KeyGroups([[a], [b], [c]], threshold=2)
    assert flat.looser_than(split)  # each alone opened it; now two are needed
    assert not split.looser_than(flat)
    assert split.looser_than(KeyGroups([[a], [b], [c]], threshold=3))  # threshold raised
    assert not split.looser_than(KeyGroups([[a], [b], [c]], threshold=1))
    assert split.looser_than(KeyGroups([[a, b], [c]], threshold=2))  # a and b together no longer suffice
    assert not split.looser_than(KeyGroups([[a], [b], [c, teams[3].key]], threshold=2))  # someone joins a group
    assert not split.looser_than(KeyGroups([[c], [a], [b]], threshold=2))  # groups reordered
    assert not split.looser_than(KeyGroups([[a], [b]], threshold=2))  # c leaves: a removal, told as one


def test_the_same_groups_listed_in_another_order_change_nothing(teams: list[Team], use: Use) -> None:
    """As for a file without groups: a rule listing the same keys in another order (within a group, or the groups
    themselves) split the data key afresh and wrapped every part again, calling every key's service."""
    a, b, c, d = (team.key for team in teams)
    sealed = seal_text(PLAINTEXT, KeyGroups([[a, d], [b], [c]], threshold=2))
    use(0, 1)
    for reordered in (KeyGroups([[d, a], [b], [c]], threshold=2), KeyGroups([[c], [a, d], [b]], threshold=2)):
        unchanged = change.plan_recipients(sealed, exact=reordered)
        assert not unchanged.changes
        assert change.change_recipients(sealed, exact=reordered).text == sealed
    assert change.change_recipients(sealed, exact=KeyGroups([[c], [a, d], [b]], threshold=3)).regrouped
