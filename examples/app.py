"""An application that reads its configuration from a sealed file at start-up.

Run: python examples/app.py secrets.enc.yaml  (with an age identity that can open it).
"""

from __future__ import annotations

import sys

import sealfile


def main(path: str) -> None:
    secrets = sealfile.load_secrets(path)  # one call: verified, decrypted in memory, nothing on disk
    db = secrets["database"]
    print(f"connecting to postgresql://{db['user']}:***@{db['host_unencrypted']}:{db['port']}/app")
    print(f"database password loaded: {len(db['password'])} characters (never printed)")
    print(f"payments API timeout: {secrets['api']['timeout_seconds']} s; key loaded: {bool(secrets['api']['key'])}")
    print(f"CORS origins: {', '.join(secrets['features']['allowed_origins'])}")
    print(f"TLS certificate lines: {len(secrets['tls']['certificate'].splitlines())}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "secrets.enc.yaml")
