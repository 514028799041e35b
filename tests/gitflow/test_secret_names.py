"""Which key names ``review`` and ``check`` call secret (:mod:`sealfile.gitflow.secret_names`): the names of
secrets in real configuration files, and the names about secrets beside them (``secretName``, ``password_file``,
``token_url``), which a test over tests/corpus/real found flagged by the dozen."""

from __future__ import annotations

import pytest

from sealfile.gitflow.secret_names import looks_secret, secret_name
from sealfile.model.paths import ListIndex

SECRETS = ["password", "db_password", "dbPassword", "DB-PASSWORD", "PGPASSWORD", "DB_PASS", "api_key", "apiKey",
           "APIKey", "STRIPE_API_KEY", "api_token_unencrypted", "password_unencrypted", "client_secret",
           "aws_secret_access_key", "SECRET_KEY_BASE", "githubToken", "basic_auth", "dsn", "connection_string",
           "ConnString", "passphrase", "pwd", "credentials", "private_key", "accessKey", "password2",
           "PASSWORD_1", "secret_value", "refresh_token", "MYSQL_ROOT_PASSWORD", "Authorization", "ssh_key",
           "deploy_key", "oauth_client_secret"]
ABOUT_SECRETS = ["author", "site_author", "galaxy_info", "secretName", "password_file", "bearer_token_file",
                 "tokenUrl", "authorizationUrl", "certDuration", "tls_certificate", "tokenizer_separator",
                 "Authentication", "OAuth2", "password_min_length", "secrets", "cache_key", "primary_key", "bypass",
                 "compass", "server_tokens", "passed", "keyName", "secretMounts", "MYSQL_ROOT_PASSWORD_FILE"]


@pytest.mark.parametrize("name", SECRETS)
def test_the_name_of_a_secret_is_secret(name: str) -> None:
    assert secret_name(name)


@pytest.mark.parametrize("name", ABOUT_SECRETS)
def test_a_name_about_a_secret_or_nothing_of_the_kind_is_not(name: str) -> None:
    assert not secret_name(name)


def test_a_path_is_judged_by_its_last_mapping_key() -> None:
    assert looks_secret(("db", "password"))
    assert looks_secret(("passwords", ListIndex(0), "password"))
    assert not looks_secret(("password", "length"))
    assert not looks_secret(("jobs", "build", "permissions", "id-token"))  # a CI job's scope: id-token: write
    assert looks_secret(("permissions", "id-token", "token"))
    assert not looks_secret((ListIndex(0),))


LOOK_ALIKES = ["p\u0430ssword", "\u0440\u0430ssword", "password\u3164", "pass\u200bword", "\uff50\uff41\uff53\uff53"
               "\uff57\uff4f\uff52\uff44", "\U0001d429\U0001d41a\U0001d42c\U0001d42c\U0001d430\U0001d428\U0001d42b"
               "\U0001d41d", "pa\u0301ssword", "api_\u0138ey".replace("\u0138", "\u03ba"), "t\u03bfken",
               "DB_P\u0410SSWORD"]


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_a_secrets_name_in_look_alike_characters_is_secret(name: str) -> None:
    assert secret_name(name), ascii(name)
