from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from sealfile.kms.age import AgeKey
from tests.examples.loading import load_example, seal_example

pytest_plugins = ["tests.support.sealed_files"]

DB_PASSWORD = "s3cret-db-password"
API_KEY = "sk-demo-4f3e2d1c0b9a"


@pytest.fixture
def client(age_key: AgeKey, tmp_path: Path) -> FlaskClient:
    sealed = seal_example("flask_app/secrets.example.yaml", age_key, tmp_path / "secrets.enc.yaml")
    app = load_example("flask_app/app.py", "example_flask_app").create_app(str(sealed))
    app.testing = False  # let the error handler run, as in production
    return app.test_client()


def test_health_lists_configured_sections(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "configured": ["database", "payments", "session"]}
    assert DB_PASSWORD not in response.get_data(as_text=True)


def test_start_up_log_shows_keys_only(age_key: AgeKey, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sealed = seal_example("flask_app/secrets.example.yaml", age_key, tmp_path / "secrets.enc.yaml")
    with caplog.at_level(logging.INFO):
        load_example("flask_app/app.py", "example_flask_app").create_app(str(sealed))
    assert "configuration loaded: Secrets({'database': {'url': ***}" in caplog.text
    assert DB_PASSWORD not in caplog.text


def test_a_logged_traceback_hides_the_secret(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        response = client.get("/charge")
    assert response.status_code == 500
    assert "Traceback (most recent call last)" in caplog.text
    assert "RuntimeError: payment provider refused key [REDACTED]" in caplog.text
    assert API_KEY not in caplog.text
