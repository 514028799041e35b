"""Key material never reaches what an application collects from the SDKs' debug records
(:mod:`sealfile.kms.sdk_logs`); the in-process check of every cloud's records is in
``tests/reliability/test_kms_faults.py``."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sealfile.kms.gcp.key import ENDPOINT_ENV
from tests.fakes.gcp_kms import FakeGcpKms
from tests.kms.test_gcp import KEY, _write_adc_file
from tests.support.cli import cli_env

# An application that reports to Sentry with its logging integration at DEBUG (breadcrumbs hold each
# record's fields) and logs at DEBUG. Sentry takes a record wherever it is logged, so the "google" logger,
# which the Google client stops from propagating, reaches it too. The event is taken before it is sent.
APPLICATION = """
import base64, inspect, json, logging, os, sys
import sentry_sdk
from sentry_sdk.integrations.logging import LoggingIntegration
from sealfile.kms.gcp.key import GcpKmsKey

events = []
# sentry-sdk 2 keeps records as breadcrumbs from ``level``, 3 from ``breadcrumb_level``
debug_records = {name: logging.DEBUG for name in ("level", "breadcrumb_level")
                 if name in inspect.signature(LoggingIntegration).parameters}
sentry_sdk.init(dsn="https://key@sentry.invalid/1", default_integrations=False,
                integrations=[LoggingIntegration(event_level=None, **debug_records)],
                before_send=lambda event, hint: events.append(event))
logging.basicConfig(level=logging.DEBUG)
key, data_key = GcpKmsKey(sys.argv[1]), os.urandom(32)
assert key.unwrap(key.wrap(data_key).wrapped) == data_key
sentry_sdk.capture_message("after a load")
json.dump({"data_key": base64.b64encode(data_key).decode(), "events": json.dumps(events, default=str)}, sys.stdout)
"""


@pytest.fixture(scope="module")
def gcp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    server = FakeGcpKms().start()
    server.add_key(KEY)
    adc = _write_adc_file(server, tmp_path_factory.mktemp("adc"), server.subject_token)
    yield {"GOOGLE_APPLICATION_CREDENTIALS": str(adc), ENDPOINT_ENV: server.url, "NO_GCE_CHECK": "True",
           "SEALFILE_KMS_TIMEOUT": "5"}
    server.stop()


def test_an_error_reporter_collecting_debug_records_never_gets_a_gcp_data_key(
        gcp: dict[str, str], tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", APPLICATION, KEY], capture_output=True, text=True,
                          env=cli_env(gcp), timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    sent = json.loads(done.stdout)
    assert "Sending request for google.cloud.kms_v1" in sent["events"], "no breadcrumb: the test would prove nothing"
    assert sent["data_key"] not in sent["events"]
    assert sent["data_key"] not in done.stderr
