"""Another writer of a file, as a test sees one: a thread, since the thread holding a lock takes it again at no cost."""

from __future__ import annotations

import threading
from pathlib import Path

from sealfile.errors import ConcurrentEditError
from sealfile.files.locking import locked


def lock_elsewhere(path: Path, wait: float = 0) -> ConcurrentEditError | None:
    """Take ``path``'s lock in another thread, waiting up to ``wait`` seconds: the error it met, or None if taken."""
    failure: list[ConcurrentEditError] = []

    def run() -> None:
        try:
            with locked(path, wait=wait):
                pass
        except ConcurrentEditError as err:
            failure.append(err)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return failure[0] if failure else None
