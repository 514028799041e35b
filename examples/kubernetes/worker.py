"""The containerised app: it reads plain environment variables and knows nothing of sealfile.

In the cluster the variables come from the Secret that ``deploy.sh`` renders with
``sealfile decrypt --output-type k8s-secret`` (mounted with ``envFrom: secretRef``); the names are
sealfile's flattened key paths (``database.url`` -> ``DATABASE_URL``).
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

REQUIRED = ("DATABASE_URL", "QUEUE_TOKEN")


def main() -> int:
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        print(f"worker: missing environment variables: {', '.join(missing)}", file=sys.stderr)
        return 1
    database = urlsplit(os.environ["DATABASE_URL"])
    print(f"worker: database {database.hostname}:{database.port}{database.path} as {database.username}")
    print(f"worker: queue token of {len(os.environ['QUEUE_TOKEN'])} characters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
