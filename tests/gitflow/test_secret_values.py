"""Credentials found by what a value is, not what its key is named (``sealfile.gitflow.secret_values``): a
``DATABASE_URL`` with a password beside sealed files, a token by its service's shape; stand-ins are not."""

from __future__ import annotations

import pytest

from sealfile.gitflow.secret_values import credential_in
from tests.support.git import Sandbox, seal_file

FOUND = [
    ("postgres://app:Zk8s9dLq2mN@db.internal:5432/app", "a password in a URL"),
    ("https://deploy:hunter2hunter2@registry.example.com/v2/", "a password in a URL"),
    ("://x, then postgres://app:Zk8s9dLq2mN@db/app", "a password in a URL"),
    ("".join(f"pg://u:${{PW_{n}}}@db{n} " for n in range(16)) + "pg://u:Zk8s9dLq2mN@db", "a password in a URL"),
    ("Server=db;Database=app;User Id=sa;Password=Zq9xLm3kP2;", "a password in a connection string"),
    ("host=db user=app; pwd='Zq9xLm3kP2'", "a password in a connection string"),
    ("host=db port=5432 user=app password=Zq9xLm3kP2 dbname=app", "a password in a connection string"),  # libpq
    ("jdbc:mysql://db:3306/app?user=app&password=Zq9xLm3kP2&useSSL=true", "a password in a URL"),
    ("mongodb://db.internal/app?authSource=admin;pwd=Zq9xLm3kP2", "a password in a URL"),
    ("AKIAZ7Q3MXV4L2B6N8P1", "an AWS access key ID"),
    ("ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "a GitHub token"),
    ("xoxb-1234567890-abcdefghijkl", "a Slack token"),
    ("glpat-" + "Ab3dEf6hIj9lMn2pQr5t", "a GitLab token"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
     "-----END OPENSSH PRIVATE KEY-----\n", "a private key's text"),
    # past 4,096 characters: a value was read only up to there
    ("notes " * 1000 + "postgres://app:Zk8s9dLq2mN@db/app", "a password in a URL"),
    ("x" * 5000 + " AKIAZ7Q3MXV4L2B6N8P1", "an AWS access key ID"),
    ("#" * 5000 + "\n-----BEGIN OPENSSH PRIVATE KEY-----\n"
     "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n",
     "a private key's text"),
    ("Server=db;" * 500 + "Password=Zq9xLm3kP2;", "a password in a connection string"),
    # a stand-in ahead of a real one: only the first match was judged
    ("AKIAIOSFODNN7EXAMPLE, then AKIAZ7Q3MXV4L2B6N8P1", "an AWS access key ID"),
    ("sk_live_XXXXXXXXXXXXXXXXXXXXXXXX sk_live_a1B2c3D4e5F6g7H8i9J0k1L2", "a Stripe live key"),
]
NOT_FOUND = [
    "postgres://app@db/app", "postgres://app:${DB_PASSWORD}@db/app", "postgres://app:{{ .password }}@db/app",
    "mysql://root:password@localhost/dev", "redis://:changeme@cache:6379", "https://user:<password>@host/",
    "postgres://app:xxxxxxxx@db/app", "AKIAIOSFODNN7EXAMPLE", "sk_live_XXXXXXXXXXXXXXXXXXXXXXXX",
    "-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----\n", "Password=;", "Password=${PW}",
    "a sentence about a password=value in prose is only prose", "https://example.com/path?user=a", 5432, None,
    "host=db user=app password=${PGPASSWORD}", "dbname=app password=", "jdbc:mysql://db/app?password=changeme",
    "https://example.com/reset?password=&user=a", "lorem ipsum " * 1000, "pass " * 1000 + "password=changeme",
]


@pytest.mark.parametrize(("value", "kind"), FOUND)
def test_a_credential_is_named_by_kind(value: str, kind: str) -> None:
    assert credential_in(value) == kind


@pytest.mark.parametrize("value", NOT_FOUND, ids=str)
def test_stand_ins_and_references_are_not_credentials(value: object) -> None:
    assert credential_in(value) is None


def test_review_and_check_name_a_credential_under_an_innocent_key_never_showing_it(sandbox: Sandbox) -> None:
    seal_file(sandbox, "config/prod.enc.yaml", "db:\n  password: s3cret-a91\n")
    sandbox.commit("base")
    (sandbox.repo / "compose.yaml").write_text(
        "services:\n  web:\n    environment:\n      DATABASE_URL: postgres://app:Zk8s9dLq2mN@db/app\n"
        "      CACHE_URL: redis://cache:6379\n")
    seal_file(sandbox, "config/prod.enc.yaml", "db:\n  password: s3cret-a91\n"
              "  url_unencrypted: postgres://app:Zk8s9dLq2mN@db/app\n")
    sandbox.commit("urls")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    attention = done.stdout.split("NEEDS ATTENTION:")[1]
    assert ("compose.yaml: services.web.environment.DATABASE_URL: a password in a URL, in plaintext in a file no "
            "sealed_files pattern covers") in attention
    assert "db.url_unencrypted: holds a password in a URL, left unencrypted by the file's rule" in done.stdout
    assert "(plaintext holding a password in a URL: not shown)" in done.stdout  # the value's diff line
    assert "CACHE_URL" not in done.stdout and "Zk8s9dLq2mN" not in done.stdout
    checked = sandbox.sealfile("check", "config/prod.enc.yaml", check=False)
    assert checked.returncode == 0 and ("warning: config/prod.enc.yaml: db.url_unencrypted: holds a password in a "
                                        "URL, left unencrypted by the rule") in checked.stderr


def test_review_names_credentials_a_change_adds_to_files_of_any_syntax(sandbox: Sandbox) -> None:
    """A token in a deploy script or ``.npmrc``, a password in a properties file: no data syntax, so the
    leak check read none of them. git's own search of the change's lines finds the files; lines the base
    already held are not named again."""
    seal_file(sandbox, "config/prod.enc.yaml", "db:\n  password: s3cret-a91\n")
    (sandbox.repo / "deploy.sh").write_text("#!/bin/sh\ncurl https://old:Old29sLq8x@reg.example.com/\n")
    sandbox.commit("base")
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    (sandbox.repo / "deploy.sh").write_text(f"#!/bin/sh\ncurl https://old:Old29sLq8x@reg.example.com/\n"
                                            f"curl https://ci:Hk29sLq8xx@reg.example.com/\nexport GH_TOKEN={token}\n")
    (sandbox.repo / ".npmrc").write_text("//registry.npmjs.org/:_authToken=npm_" + "a1B2c3D4e5" * 3 + "a1B2c3\n")
    (sandbox.repo / "app.properties").write_text("db.url=jdbc:postgresql://db/app\npassword=Sp9ringPw1x\n")
    (sandbox.repo / "README.md").write_text("Set password=<yours> in app.properties; see https://example.com.\n")
    (sandbox.repo / "app.py").write_text("password = request.form['password']\nlogin(password=password2)\n")
    sandbox.commit("scripts")
    status, shown = sandbox.review_last()
    assert status == 0, shown
    attention = shown.split("NEEDS ATTENTION:")[1]
    for line in ("deploy.sh: line 3: a password in a URL, in plaintext",
                 "deploy.sh: line 4: a GitHub token, in plaintext", ".npmrc: line 1: an npm token, in plaintext",
                 "app.properties: line 2: a password setting (password=...), in plaintext"):
        assert line in attention, line
    assert "README.md" not in shown and "app.py" not in shown
    assert "deploy.sh: line 2" not in shown  # the base's line: named when it came
    assert token not in shown and "Hk29sLq8xx" not in shown and "Sp9ringPw1x" not in shown


def test_review_names_credentials_in_a_data_file_that_does_not_read_as_data(sandbox: Sandbox) -> None:
    """A Helm template (YAML only once rendered) or a GitLab CI file's anchors: not data read by key path, so
    they are read line by line, as a script is."""
    seal_file(sandbox, "config/prod.enc.yaml", "db:\n  password: s3cret-a91\n")
    sandbox.commit("base")
    (sandbox.repo / "chart" / "templates").mkdir(parents=True)
    (sandbox.repo / "chart" / "templates" / "configmap.yaml").write_text(
        "kind: ConfigMap\ndata:\n  name: {{ .Release.Name }}\n  DATABASE_URL: postgres://app:Zk8s9dLq2mN@db/app\n")
    (sandbox.repo / ".gitlab-ci.yml").write_text(
        ".env: &env\n  DATABASE_URL: postgres://ci:Hk29sLq8xx@db/app\ntest:\n  variables: *env\n  script: [make]\n")
    sandbox.commit("ci")
    shown = sandbox.review_last()[1]
    assert "chart/templates/configmap.yaml: line 4: a password in a URL, in plaintext" in shown, shown
    assert ".gitlab-ci.yml: line 2: a password in a URL, in plaintext" in shown
    assert "Zk8s9dLq2mN" not in shown and "Hk29sLq8xx" not in shown


def test_review_names_a_credential_past_four_thousand_characters_of_a_value_or_a_line(sandbox: Sandbox) -> None:
    """A value and a script's line (a minified bundle's, a long ``curl``) were read up to 4,096 characters only:
    a password in a URL after them was not named."""
    seal_file(sandbox, "config/prod.enc.yaml", "db:\n  password: s3cret-a91\n")
    sandbox.commit("base")
    padding = "--header X-Trace=on " * 250
    (sandbox.repo / "compose.yaml").write_text(f"services:\n  web:\n    environment:\n      NOTES: {padding}"
                                               "postgres://app:Zk8s9dLq2mN@db/app\n")
    (sandbox.repo / "deploy.sh").write_text(f"#!/bin/sh\ncurl {padding}https://ci:Hk29sLq8xx@reg.example.com/\n")
    sandbox.commit("long lines")
    status, shown = sandbox.review_last()
    assert status == 0, shown
    attention = shown.split("NEEDS ATTENTION:")[1]
    assert "compose.yaml: services.web.environment.NOTES: a password in a URL, in plaintext" in attention, shown
    assert "deploy.sh: line 2: a password in a URL, in plaintext" in attention
    assert "Zk8s9dLq2mN" not in shown and "Hk29sLq8xx" not in shown


def test_review_names_a_netrc_password_and_npmrc_auth_lines_never_showing_them(sandbox: Sandbox) -> None:
    """``.netrc`` (Heroku's CLI writes an entry over three lines) and ``.npmrc``'s ``_auth`` (base64 of
    ``user:password``, Artifactory's, Nexus's) and ``_authToken`` of no well-known shape: named by neither a URL
    nor ``password=``, so they passed without a word; a reference (``${NPM_TOKEN}``) is no credential."""
    import base64

    seal_file(sandbox, "config/prod.enc.yaml", "db:\n  password: s3cret-a91\n")
    sandbox.commit("base")
    password, token = "Hk29" + "sLq8xxT4", "7vq3" + "xw2kd9mz5p1r8tb6"
    basic = base64.b64encode(f"deploy:{password}".encode()).decode()
    (sandbox.repo / "ci").mkdir()
    (sandbox.repo / "ci" / ".netrc").write_text(f"machine api.heroku.com\n  login ops@example.com\n  password {token}\n"
                                                f"machine git.heroku.com login ops@example.com password {token}\n")
    (sandbox.repo / ".npmrc").write_text(
        "registry=https://artifactory.example.com/api/npm/npm/\n"
        f"//artifactory.example.com/api/npm/npm/:_auth={basic}\nalways-auth=true\n"
        f"@corp:registry=https://pkgs.example.com/npm/\n//pkgs.example.com/npm/:_authToken={token}\n"
        "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n")
    sandbox.commit("ci credentials")
    status, shown = sandbox.review_last()
    assert status == 0, shown
    attention = shown.split("NEEDS ATTENTION:")[1]
    for line in ("ci/.netrc: line 3: a .netrc password, in plaintext", "ci/.netrc: line 4: a .netrc password",
                 ".npmrc: line 2: an npm registry credential (_auth), in plaintext",
                 ".npmrc: line 5: an npm registry credential (_authToken), in plaintext"):
        assert line in attention, (line, shown)
    assert ".npmrc: line 6" not in shown
    assert password not in shown and token not in shown and basic not in shown
