"""An error reporter that sends each frame's local variables (Sentry does by default) sends the loaded
``Secrets`` masked: it serializes a mapping by its items, not by its ``repr``, unless the type says how."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.cli import cli_env
from tests.support.sealing import SealFile

pytest_plugins = ["tests.support.sealed_files"]

VALUES = ("user-7Q2ZC", "password-X9K4T", "host-A1B2C", "key-M3N8P")
PLAINTEXT = f"database:\n  user: {VALUES[0]}\n  pw: {VALUES[1]}\nhosts: [{VALUES[2]}]\napi_key: {VALUES[3]}\n"

# A crash in a request handler that holds the loaded secrets, reported by the real Sentry SDK with its
# defaults (local variables included); the event is taken before it would be sent.
APPLICATION = """
import json, sys
import sentry_sdk
import sealfile

events = []
sentry_sdk.init(dsn="https://key@sentry.invalid/1", default_integrations=False,
                before_send=lambda event, hint: events.append(event))

def handler(path):
    secrets = sealfile.load_secrets(path)
    database, hosts, pairs = secrets["database"], secrets["hosts"], secrets.items()
    return 1 / 0

try:
    handler(sys.argv[1])
except ZeroDivisionError:
    sentry_sdk.capture_exception()
json.dump(events[0]["exception"]["values"][0]["stacktrace"]["frames"][-1]["vars"], sys.stdout)
"""


def test_sentry_sends_the_secrets_a_frame_holds_masked(seal_file: SealFile) -> None:
    done = subprocess.run([sys.executable, "-c", APPLICATION, str(seal_file(PLAINTEXT))], capture_output=True,
                          text=True, env=cli_env(), timeout=60)
    assert done.returncode == 0, done.stderr
    sent = json.loads(done.stdout)
    assert [value for value in VALUES if value in done.stdout] == []
    assert sent["secrets"] == ("Secrets({'database': {'user': ***, 'pw': ***}, 'hosts': [***], "
                               "'api_key': ***})")
    assert (sent["database"], sent["hosts"]) == ("Secrets({'user': ***, 'pw': ***})", "SecretList([***])")
    assert sent["pairs"] == "SecretItems([('database', {'user': ***, 'pw': ***}), ('hosts', [***]), ('api_key', ***)])"
