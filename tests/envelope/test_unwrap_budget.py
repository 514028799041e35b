"""Unwrapping is bounded work: one unwrap per data key per process, at most 64 recipients, and one
time budget for all attempts together, even against a tarpit."""

from __future__ import annotations

import base64
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sealfile import forget_data_keys, load_secrets
from sealfile.envelope.datakey import unwrap_budget
from sealfile.errors import FormatError, NoUsableKeyError, UnwrapError
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.kms.base import DEFAULT_KMS_TIMEOUT
from sealfile.model.metadata import MAX_RECIPIENTS
from sealfile.ops.read import decrypt_text, verify_text
from sealfile.ops.seal import seal_text
from tests.fakes.tarpit import Tarpit
from tests.support.cli import cli_env
from tests.support.fast_path import age_key, seal
from tests.support.sealing import forged

__all__ = ["age_key"]


@pytest.fixture
def unwraps(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every call that reaches the provider (after the data-key cache), recorded."""
    calls: list[str] = []
    original: Callable[[AgeKey, str], bytes] = AgeKey._unwrap

    def counting(self: AgeKey, wrapped: str) -> bytes:
        calls.append(self.key_id)
        return original(self, wrapped)

    monkeypatch.setattr(AgeKey, "_unwrap", counting)
    return calls


def _files(tmp_path: Path, key: AgeKey, count: int, *, shared: bool) -> list[Path]:
    first = seal("app:\n  password: p0\n", key)
    paths = []
    for index in range(count):
        text = f"app:\n  password: p{index}\n  extra: {index}\n"
        sealed = seal_text(text, [key], previous=first) if shared else seal(text, key)
        path = tmp_path / f"s{index}.yaml"
        path.write_text(sealed)
        paths.append(path)
    return paths


def test_files_sharing_a_data_key_unwrap_once(tmp_path: Path, age_key: AgeKey, unwraps: list[str]) -> None:
    paths = _files(tmp_path, age_key, 8, shared=True)
    forget_data_keys()
    unwraps.clear()
    loaded = [load_secrets(path) for path in paths]
    for path in paths:
        verify_text(path.read_text())
        decrypt_text(path.read_text())
    assert [d["app"]["password"] for d in loaded] == [f"p{i}" for i in range(8)]
    assert len(unwraps) == 1


def test_files_with_their_own_data_keys_unwrap_once_each(tmp_path: Path, age_key: AgeKey,
                                                         unwraps: list[str]) -> None:
    paths = _files(tmp_path, age_key, 3, shared=False)
    forget_data_keys()
    unwraps.clear()
    for path in paths * 2:
        load_secrets(path)
    assert len(unwraps) == 3


# --- bounded work, whatever the file says -----------------------------------------------------

TARPIT_TIMEOUT = 1.0


@pytest.fixture
def tarpit() -> Iterator[Tarpit]:
    pit = Tarpit().start()
    yield pit
    pit.stop()


def _aws_stanza(region: str, key_id: str) -> dict[str, object]:
    return {"type": "aws_kms", "arn": f"arn:aws:kms:{region}:111122223333:key/{key_id}", "region": region,
            "context": {}, "wrapped": base64.b64encode(b"x" * 200).decode()}


def test_a_tarpit_holds_a_load_no_longer_than_the_budget(tarpit: Tarpit, tmp_path: Path, age_key: AgeKey) -> None:
    """Two KMS recipients whose endpoint answers a byte at a time (every read within the timeout)
    and an age recipient without an identity: the load fails after about SEALFILE_KMS_TIMEOUT + 5 s
    in all, not per recipient and not forever, and the process exits at once after."""
    sealed, _ = forged("password: never-shown\n", [_aws_stanza("eu-west-1", "one"), _aws_stanza("us-east-1", "two"),
                                                   {"type": "age", "recipient": age_key.recipient, "wrapped": "x"}])
    path = tmp_path / "secrets.enc.yaml"
    path.write_text(sealed)
    env = cli_env({"AWS_ENDPOINT_URL": tarpit.url, "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b",
                   "AWS_MAX_ATTEMPTS": "3", "SEALFILE_KMS_TIMEOUT": str(TARPIT_TIMEOUT),
                   "SEALFILE_AGE_KEY_FILE": str(tmp_path / "none"), "AWS_EC2_METADATA_DISABLED": "true"})
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "sealfile", "verify", str(path)], env=env, capture_output=True,
                          text=True, timeout=120)
    took = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    assert "no answer within the 6 s all unwrap attempts may take" in done.stderr
    assert "not tried: all attempts together may take 6 s" in done.stderr  # the second KMS recipient
    assert tarpit.connections >= 1
    assert unwrap_budget() == DEFAULT_KMS_TIMEOUT + 5
    assert took < TARPIT_TIMEOUT + 5 + 6, f"took {took:.1f} s"  # + interpreter start-up on a loaded machine


def test_at_most_64_recipients_are_read_or_written(tmp_path: Path, age_key: AgeKey) -> None:
    stanzas = [{"type": "age", "recipient": age_key.recipient, "wrapped": str(i)} for i in range(65)]
    sealed, _ = forged("a: b\n", stanzas[:1])
    crowded = sealed.replace("  recipients:\n", "  recipients:\n" + "".join(
        f"    - type: keyring\n      name: k{i}\n      wrapped: x\n" for i in range(64)), 1)
    path = tmp_path / "crowded.enc.yaml"
    path.write_text(crowded)
    with pytest.raises(FormatError, match="65 recipients: a sealed file may have at most 64"):
        load_secrets(path)
    for command in (["status"], ["verify", "--keyless"], ["check"]):  # without a key too: one meaning everywhere
        done = subprocess.run([sys.executable, "-m", "sealfile", *command, str(path)], capture_output=True,
                              text=True, env=cli_env(), cwd=tmp_path)
        assert done.returncode != 0 and "65 recipients: a sealed file may have at most 64" in done.stderr + \
            done.stdout, (command, done.stdout, done.stderr)
    keys = [AgeKey(generate_identity()[1]) for _ in range(65)]
    with pytest.raises(FormatError, match="at most 64"):
        seal_text("a: b\n", keys)
    assert MAX_RECIPIENTS == 64


def test_a_wrapped_key_is_bounded_before_any_provider_sees_it(age_key: AgeKey) -> None:
    """An age file with thousands of stanzas costs a trial decryption each: refused by length."""
    with pytest.raises(UnwrapError, match="longer than 16384 characters"):
        age_key.unwrap("-----BEGIN AGE ENCRYPTED FILE-----\n" + "A" * 20_000)


def test_a_key_listed_many_times_is_tried_once_per_file(tmp_path: Path, age_key: AgeKey, unwraps: list[str]) -> None:
    """A file may list one key in 63 stanzas, each with a wrapped key of its own: one attempt (one
    prompt, one request), not 63. Another key of the file is still tried after it."""
    import os

    from sealfile.model.metadata import Stanza
    from sealfile.ops.document import Reuse
    from sealfile.ops.seal import seal_plaintext
    from sealfile.stores import get_store

    stranger = AgeKey(generate_identity()[1])
    data_key = os.urandom(32)
    theirs = [Stanza("age", {"recipient": stranger.recipient}, stranger.wrap(os.urandom(32)).wrapped)] * 40
    theirs += [Stanza("age", {"recipient": stranger.recipient}, "not an age file")] * 23
    mine = age_key.wrap(data_key).stanza
    reuse = Reuse(data_key, ((*theirs, mine),), {})
    path = tmp_path / "many.enc.yaml"
    path.write_text(seal_plaintext("db:\n  password: mine\n", get_store("yaml"), [], None, reuse=reuse))
    forget_data_keys()
    unwraps.clear()
    assert load_secrets(path, redacted=False) == {"db": {"password": "mine"}}
    assert sorted(unwraps) == sorted([stranger.recipient, age_key.recipient])


def test_a_key_in_two_groups_is_tried_once_and_named_for_both(age_key: AgeKey, unwraps: list[str]) -> None:
    """SOPS lets one key sit in two groups: it is tried once, and the error names it for each group that
    did not open (every recipient of those groups, with its reason: docs/format.md §3.1)."""
    import os

    from sealfile.envelope import shamir
    from sealfile.envelope.datakey import unwrap_grouped
    from sealfile.errors import NotEnoughGroupsError

    stranger = AgeKey(generate_identity()[1])
    shares = shamir.split(os.urandom(32), 3, 3)
    groups = [[stranger.wrap(shares[0]).stanza], [stranger.wrap(shares[1]).stanza], [age_key.wrap(shares[2]).stanza]]
    forget_data_keys()
    unwraps.clear()
    with pytest.raises(NotEnoughGroupsError) as caught:
        unwrap_grouped(groups, 3)
    assert unwraps.count(stranger.recipient) == 1
    message = str(caught.value)
    assert f"group 1: age {stranger.recipient}: no matching identity" in message
    assert f"group 2: age {stranger.recipient}: failed for another key group (above)" in message


@pytest.mark.parametrize("command", ["encrypt", "rotate"])
def test_a_tarpit_holds_a_wrap_no_longer_than_the_budget(tarpit: Tarpit, tmp_path: Path, age_key: AgeKey,
                                                         command: str) -> None:
    """Wrapping is bounded as unwrapping is: ``encrypt --aws-kms`` and ``rotate`` of a file (opened by age) with
    an AWS recipient, against an endpoint answering a byte at a time, waited for ever (every read was within the
    timeout). Now each fails after SEALFILE_KMS_TIMEOUT + 5 s with one line, the file unchanged."""
    import os

    from sealfile.model.metadata import Stanza
    from sealfile.ops.document import Reuse
    from sealfile.ops.seal import seal_plaintext
    from sealfile.stores import get_store

    data_key = os.urandom(32)
    stanzas = (age_key.wrap(data_key).stanza, Stanza.from_mapping(_aws_stanza("eu-west-1", "one")))
    path = tmp_path / "secrets.enc.yaml"
    reuse = Reuse(data_key, (stanzas,), {})
    path.write_text(seal_plaintext("password: p0\n", get_store("yaml"), [], None, reuse=reuse))
    before = path.read_bytes()
    plain = tmp_path / "plain.yaml"
    plain.write_text("password: p1\n")
    arn = "arn:aws:kms:eu-west-1:111122223333:key/one"
    args = ["encrypt", "--aws-kms", arn, "-o", str(tmp_path / "new.enc.yaml"), str(plain)] if command == "encrypt" \
        else ["rotate", str(path)]
    env = cli_env({"AWS_ENDPOINT_URL": tarpit.url, "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b",
                   "AWS_MAX_ATTEMPTS": "3", "SEALFILE_KMS_TIMEOUT": str(TARPIT_TIMEOUT),
                   "AWS_EC2_METADATA_DISABLED": "true"})
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "sealfile", *args], env=env, capture_output=True, text=True,
                          timeout=40)
    took = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1
    assert f"aws_kms {arn}: no answer within 6 s (SEALFILE_KMS_TIMEOUT + 5)" in done.stderr
    assert tarpit.connections >= 1
    assert took < TARPIT_TIMEOUT + 5 + 6, f"took {took:.1f} s"
    assert path.read_bytes() == before
    assert not (tmp_path / "new.enc.yaml").exists()


def test_an_error_quotes_at_most_a_bounded_part_of_each_stanza(tmp_path: Path, age_key: AgeKey) -> None:
    """A stanza's fields are the file's: an error quoting a 100,000-character ARN, key name or resource printed
    each whole (a line of megabytes, from one file). Each recipient's identity and cause are clipped."""
    huge = "x" * 100_000
    sealed, _ = forged("password: never-shown\n", [
        {"type": "aws_kms", "arn": huge, "wrapped": "x"},
        {"type": "keyring", "name": huge, "wrapped": "x"},
        {"type": "hc_vault_transit", "vault_address": "https://vault.example", "engine_path": "transit",
         "key_name": huge, "wrapped": "vault:v1:x"},
        {"type": "age", "recipient": age_key.recipient, "wrapped": "x"},
    ])
    path = tmp_path / "secrets.enc.yaml"
    path.write_text(sealed)
    with pytest.raises(NoUsableKeyError) as caught:
        load_secrets(path)
    message = str(caught.value)
    assert len(message) < 6_000
    assert "aws_kms ?: not an AWS KMS key or alias ARN: 'xxx" in message
    assert message.count(" characters)") == 3, message
    assert f"age {age_key.recipient}:" in message


def test_a_key_that_did_not_answer_is_not_waited_for_again_in_one_command(tarpit: Tarpit, tmp_path: Path) -> None:
    """``verify`` of three files naming one KMS key behind a tarpit waited the whole budget for each file (a
    thousand files: hours of CI); the key is given up for the rest of the command, as a cause that concerns
    every key of a kind is."""
    paths = []
    for index in range(3):
        sealed, _ = forged(f"password: p{index}\n", [_aws_stanza("eu-west-1", "one")])
        paths.append(tmp_path / f"s{index}.enc.yaml")
        paths[-1].write_text(sealed)
    env = cli_env({"AWS_ENDPOINT_URL": tarpit.url, "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b",
                   "SEALFILE_KMS_TIMEOUT": str(TARPIT_TIMEOUT), "AWS_EC2_METADATA_DISABLED": "true"})
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "sealfile", "verify", *map(str, paths)], env=env,
                          capture_output=True, text=True, timeout=60)
    took = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("no answer within the 6 s all unwrap attempts may take") == 3  # one wait, said thrice
    assert done.stderr.count("not tried: it did not answer for another file of this command") == 2
    assert tarpit.connections == 1
    assert took < TARPIT_TIMEOUT + 5 + 6, f"took {took:.1f} s"
