"""A Flask app that takes its configuration from a sealed file.

Run:  SEALFILE_FILE=secrets.enc.yaml flask --app app run
(with an age identity that opens the file; see secrets.example.yaml for how to seal it).

What it shows:
- one ``load_secrets`` call at start-up: verified, decrypted in memory, nothing on disk;
- ``redact_logs`` so no loaded value reaches a log line or a logged traceback;
- the ``Secrets`` view: even ``app.logger.info("%s", secrets)`` prints key names only.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, jsonify

import sealfile


def create_app(secrets_path: str | None = None) -> Flask:
    path = secrets_path or os.environ.get("SEALFILE_FILE", "secrets.enc.yaml")
    secrets = sealfile.load_secrets(path, max_age="180d")  # warns if a value was not rotated in 180 days

    app = Flask(__name__)
    app.config["SECRET_KEY"] = secrets["session"]["secret_key"]
    app.config["DATABASE_URL"] = secrets["database"]["url"]
    app.config["PAYMENTS"] = secrets["payments"]

    app.logger.setLevel(logging.INFO)
    sealfile.redact_logs(secrets, app.logger)  # the app logger and its handlers
    app.logger.info("configuration loaded: %s", secrets)  # prints keys only

    @app.get("/health")
    def health() -> Any:
        return jsonify(status="ok", configured=sorted(secrets))

    @app.get("/charge")
    def charge() -> Any:
        payments = app.config["PAYMENTS"]
        # A bug that puts a secret in an exception: the logged traceback is redacted.
        raise RuntimeError(f"payment provider refused key {payments['api_key']}")

    @app.errorhandler(RuntimeError)
    def failed(error: RuntimeError) -> Any:
        app.logger.exception("request failed")
        return jsonify(error="internal error"), 500

    return app
