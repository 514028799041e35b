"""``review`` of plaintext a change commits beside its sealed files (``sealfile.gitflow.leaks``): a
decrypted copy (``decrypt -o``, a ``.env`` next to ``.env.enc``), a key named like a secret in a file
no pattern covers, a value moved into a comment of a sealed file."""

from __future__ import annotations

import json

import pytest

from tests.support.git import Sandbox, seal_file

FILE = "config/prod.enc.yaml"


def _base(box: Sandbox) -> None:
    seal_file(box, FILE, "# prod\ndb:\n  password: s3cret-a91\n  user: app\n  host_unencrypted: db.local\n")
    seal_file(box, ".env.enc", "API_KEY=k-123\nDB_PASS=p-456\n")
    (box.repo / "config" / "app.yaml").write_text("password_min_length: 12\nlisten: 8080\n")
    box.commit("base")



def test_a_decrypted_copy_committed_beside_its_sealed_file_fails_the_review(sandbox: Sandbox) -> None:
    _base(sandbox)
    sandbox.sealfile("decrypt", FILE, "-o", "config/prod.yaml")
    sandbox.sealfile("decrypt", ".env.enc", "-o", ".env")
    sandbox.commit("oops")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert (f"config/prod.yaml: holds every key path of {FILE} in plaintext: a decrypted copy ('sealfile "
            "decrypt -o')? remove it from the history and rotate its values") in shown
    assert ".env: holds every key path of .env.enc in plaintext: a decrypted copy" in shown
    assert "s3cret" not in shown and "p-456" not in shown
    report = json.loads(sandbox.sealfile("review", "HEAD~1", "HEAD", "--format", "json", check=False).stdout)
    assert report["ok"] is False and any(v.startswith("config/prod.yaml: holds every key path") for v in
                                         report["violations"])


@pytest.mark.parametrize("copy", ["config/.env.yaml", "config/.env.json", "config/PROD.YAML", "config/Prod.Json"])
def test_a_decrypted_copy_is_found_under_every_name_that_says_data(copy: str, sandbox: Sandbox) -> None:
    """The leak check picked a file's syntax by a rule of its own (``.env.*`` before the suffix): a copy
    'decrypt -o .env.yaml' wrote as YAML was read as dotenv, and one named in upper case not at all."""
    _base(sandbox)
    sandbox.sealfile("decrypt", FILE, "-o", copy, *(["--output-type", "json"] if "json" in copy.lower() else []))
    sandbox.sealfile("decrypt", FILE, "-o", "config/as-is.txt")  # YAML, the sealed file's own syntax...
    (sandbox.repo / "config" / "as-is.txt").rename(sandbox.repo / "config" / "as-is.json")  # ...named .json
    sandbox.commit("oops")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert f"{copy}: holds every key path of {FILE} in plaintext: a decrypted copy" in shown
    assert f"config/as-is.json: holds every key path of {FILE} in plaintext: a decrypted copy" in shown
    assert "s3cret" not in shown


def test_a_decrypted_copy_as_variables_in_any_mapping_fails_the_review(sandbox: Sandbox) -> None:
    """A Kubernetes Secret that ``decrypt --output-type k8s-secret`` wrote, or the values pasted into a compose
    file's ``environment:``, was only 'named like a secret' (attention, not a violation), or not seen at all."""
    _base(sandbox)  # compared with the sealed files of the change and of the copy's own directory
    sandbox.sealfile("decrypt", FILE, "--output-type", "k8s-secret", "--name", "app", "-o", "config/secret.yaml")
    sandbox.sealfile("decrypt", ".env.enc", "--output-type", "k8s-secret", "--name", "api", "--prefix", "APP_",
                     "-o", "api-secret.yaml")
    (sandbox.repo / "compose.yaml").write_text("services:\n  web:\n    image: web\n    environment:\n"
                                               "      TZ: UTC\n      API_KEY: k-123\n      DB_PASS: p-456\n")
    (sandbox.repo / "config" / "compose.yaml").write_text(  # where the values come from, not what they are
        "services:\n  db:\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD}\n      DB_USER: '{{ .user }}'\n"
        "      DB_HOST_UNENCRYPTED: db.local\n")
    sandbox.commit("deploy")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    for copy, source in (("config/secret.yaml", FILE), ("api-secret.yaml", ".env.enc"),
                         ("compose.yaml", ".env.enc")):
        assert f"{copy}: holds every key path of {source} in plaintext: a decrypted copy" in shown, copy
    assert "config/compose.yaml" not in shown
    assert "s3cret" not in shown and "p-456" not in shown


def test_every_document_of_a_manifest_is_read_and_a_secrets_values_are_secret(sandbox: Sandbox) -> None:
    """A Kubernetes manifest holds several documents: the leak check read none of them (the one-document reader
    refused the file), so a decrypted copy or a Secret pasted in a manifest passed without a word; and a
    Secret's values are secret whatever their names (base64 hides nothing)."""
    _base(sandbox)
    secret = sandbox.sealfile("decrypt", ".env.enc", "--output-type", "k8s-secret", "--name", "api").stdout
    deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
    (sandbox.repo / "manifest.yaml").write_text(f"{deployment}---\n{secret}")
    (sandbox.repo / "config" / "extra.yaml").write_text(
        f"{deployment}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: extra\nstringData:\n"
        "  SMTP_HOST: smtp.example.com\n  DB_PASSWORD: ${DB_PASSWORD}\n")
    sandbox.commit("manifests")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert "manifest.yaml: document 2: holds every key path of .env.enc in plaintext: a decrypted copy" in shown
    assert ("config/extra.yaml: document 2: stringData.SMTP_HOST: in a Kubernetes Secret, in plaintext in a file "
            "no sealed_files pattern covers") in shown.split("NEEDS ATTENTION:")[1]
    assert "DB_PASSWORD" not in shown.split("NEEDS ATTENTION:")[1]  # a reference to where it comes from
    assert "k-123" not in shown and "smtp.example.com" not in shown


def test_a_stream_with_a_list_document_or_a_last_empty_one_is_read(sandbox: Sandbox) -> None:
    """Manifests end in ``---`` (``helm template`` output does) and a kustomize patch list or an Ansible playbook is a
    list: the reader sealing uses refuses both, so the leak check read nothing of such a file, and a decrypted copy
    or a Secret in it passed ``review`` and the pre-commit ``check``."""
    _base(sandbox)
    secret = sandbox.sealfile("decrypt", ".env.enc", "--output-type", "k8s-secret", "--name", "api").stdout
    (sandbox.repo / "rendered.yaml").write_text(f"---\nkind: ConfigMap\ndata:\n  tz: UTC\n---\n{secret}---\n")
    (sandbox.repo / "patches.yaml").write_text(f"- op: add\n  path: /x\n---\n{secret}")
    (sandbox.repo / "site.yml").write_text("- hosts: db\n  vars:\n    db_password: hunter2\n    port: 5432\n"
                                           "  roles: [postgres]\n")
    sandbox.commit("rendered")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert "rendered.yaml: document 2: holds every key path of .env.enc in plaintext: a decrypted copy" in shown
    assert "patches.yaml: document 2: holds every key path of .env.enc in plaintext: a decrypted copy" in shown
    attention = shown.split("NEEDS ATTENTION:")[1]
    assert "site.yml: 0.vars.db_password: named like a secret, in plaintext" in attention
    assert "port" not in attention and "hunter2" not in shown and "k-123" not in shown
    for name in ("rendered.yaml", "patches.yaml"):
        checked = sandbox.sealfile("check", name, check=False)
        assert checked.returncode != 0 and "a decrypted copy" in checked.stderr, (name, checked.stderr)


def test_a_data_file_with_anchors_and_aliases_neither_fails_the_review_nor_the_commit(sandbox: Sandbox) -> None:
    """A GitLab CI file or compose file reusing a block through an anchor (as most do) made ``review`` and the
    pre-commit ``check`` stop with "YAML anchors and aliases are not supported", naming no file."""
    _base(sandbox)
    (sandbox.repo / ".gitlab-ci.yml").write_text(".prep: &prep\n  script:\n    - make\n"
                                                 "build:\n  <<: *prep\n  stage: build\ntest:\n  script: *prep\n")
    sandbox.commit("ci")
    status, shown = sandbox.review_last()
    assert status == 0 and "anchors" not in shown, shown
    checked = sandbox.sealfile("check", FILE, ".gitlab-ci.yml", check=False)
    assert checked.returncode == 0, checked.stderr


def test_a_secret_named_plaintext_value_outside_the_patterns_is_flagged(sandbox: Sandbox) -> None:
    _base(sandbox)
    (sandbox.repo / "config" / "app.yaml").write_text(
        "password_min_length: 12\nlisten: 8080\nsmtp:\n  password: hunter2\n  token: ${SMTP_TOKEN}\n")
    (sandbox.repo / ".env.local").write_text("STRIPE_API_KEY=sk_live_1\n")
    sandbox.commit("settings")
    status, shown = sandbox.review_last()
    assert status == 0, shown  # flagged, not failed: a key name alone proves nothing
    attention = shown.split("NEEDS ATTENTION:")[1]
    assert ("config/app.yaml: smtp.password: named like a secret, in plaintext in a file no sealed_files "
            "pattern covers") in attention
    assert ".env.local: STRIPE_API_KEY: named like a secret" in attention
    assert "smtp.token" not in shown and "password_min_length" not in shown


def test_a_comment_added_to_a_sealed_file_is_shown(sandbox: Sandbox) -> None:
    _base(sandbox)
    text = (sandbox.repo / FILE).read_text()
    (sandbox.repo / FILE).write_text(text.replace("# prod\n", "# prod\n# the old password was hunter2\n"))
    sandbox.commit("a note")
    _, shown = sandbox.review_last()
    assert f"{FILE}: comment added: # the old password was hunter2" in shown.split("NEEDS ATTENTION:")[1]


def test_a_new_dotenv_sealed_file_shows_no_comment_of_its_own(sandbox: Sandbox) -> None:
    """sealfile writes one comment line above a dotenv file's metadata: not a comment the change added."""
    _base(sandbox)
    seal_file(sandbox, "api/.env.enc", "# rotated yearly\nTOKEN=t-1\n")
    sandbox.commit("a new dotenv file")
    _, shown = sandbox.review_last()
    assert shown.split("NEEDS ATTENTION:")[1].split("CHANGES:")[0].strip().splitlines() == [
        "api/.env.enc: comment added: # rotated yearly"]


@pytest.mark.parametrize(("name", "plaintext", "changed", "key"), [
    ("api/.env.enc", "API_KEY=k-123\n", "API_KEY=k-123\nDB_PASSWORD_unencrypted=p-456\n", "DB_PASSWORD_unencrypted"),
    ("api/prod.enc.json", '{"api_key": "k-123"}\n', '{"api_key": "k-123", "db_password_unencrypted": "p-456"}\n',
     "db_password_unencrypted"),
], ids=["dotenv", "json"])
def test_a_secret_named_key_left_in_plaintext_fails_in_every_syntax(sandbox: Sandbox, name: str, plaintext: str,
                                                                     changed: str, key: str) -> None:
    """Read with the YAML store, a dotenv sealed file gave no view and its keys were never looked at. The change is
    sealed as another tool would (sealfile's own writers refuse it): the review judges what is committed."""
    from sealfile.kms.age import AgeKey
    from sealfile.ops.seal import seal_plaintext
    from sealfile.stores import store_for

    seal_file(sandbox, name, plaintext)
    sandbox.commit("base")
    sealed = seal_plaintext(changed, store_for(name), [AgeKey.from_cli(sandbox.recipient)])
    (sandbox.repo / name).write_text(sealed)
    sandbox.commit("a plaintext password")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert f"{name}: {key}: named like a secret and left unencrypted by this change" in shown


def test_a_decrypted_copy_as_variables_beside_the_key_paths_as_written_fails_the_review(sandbox: Sandbox) -> None:
    """A file holding every key path as written, not in plaintext (references to variables, tokens), was judged as
    written alone: the same values in plaintext as variables beside them passed as no copy."""
    _base(sandbox)
    (sandbox.repo / "config" / "deploy.yaml").write_text(
        "db:\n  password: ${DB_PASSWORD}\n  user: ${DB_USER}\n  host_unencrypted: ${DB_HOST_UNENCRYPTED}\n"
        "environment:\n  DB_PASSWORD: s3cret-a91\n  DB_USER: app\n  DB_HOST_UNENCRYPTED: db.local\n")
    sealed = (sandbox.repo / ".env.enc").read_text()
    tokens = [line.split("=", 1)[1] for line in sealed.splitlines() if line.startswith(("API_KEY=", "DB_PASS="))]
    (sandbox.repo / "api.yaml").write_text(f"API_KEY: '{tokens[0]}'\nDB_PASS: '{tokens[1]}'\n"
                                           "env:\n  API_KEY: k-123\n  DB_PASS: p-456\n")
    sandbox.commit("deploy")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert f"config/deploy.yaml: holds every key path of {FILE} in plaintext: a decrypted copy" in shown, shown
    assert "api.yaml: holds every key path of .env.enc in plaintext: a decrypted copy" in shown, shown
    assert "s3cret" not in shown and "p-456" not in shown
