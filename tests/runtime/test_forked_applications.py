"""Applications that fork while a thread loads secrets (``multiprocessing`` with ``fork``, a pre-fork server whose
background thread refreshes its secrets): each child must work as a process that never loaded anything would.

The loader pauses the cycle collector around a parse; a child forked inside another thread's pause has no such
thread to end it, and ran with the collector off for good (cyclic garbage never freed in a long-lived worker)."""

from __future__ import annotations

from pathlib import Path

from sealfile.ops.seal import seal_text
from tests.support.cli import run_python
from tests.support.identities import AgeIdentity

FORK_WHILE_LOADING = """
import gc, os, sys, threading, time
import sealfile

stopping = False

def keep_loading():
    while not stopping:
        sealfile.load_secrets(sys.argv[1])

loader = threading.Thread(target=keep_loading)
loader.start()
collector_off = 0
for _ in range(30):
    time.sleep(0.02)
    child = os.fork()
    if child == 0:
        os._exit(0 if gc.isenabled() else 1)
    collector_off += os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])
stopping = True
loader.join()
print(collector_off, gc.isenabled())
"""


def test_a_child_forked_while_a_thread_loads_collects_garbage(tmp_path: Path, age_identity: AgeIdentity) -> None:
    sealed = tmp_path / "big.enc.yaml"
    sealed.write_text(seal_text("".join(f"key{n}: value-{n}\n" for n in range(2000)), [age_identity.key]))
    done = run_python(FORK_WHILE_LOADING, sealed)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "0 True\n"  # no child with its collector off; the parent's back on


PAUSES_OVERLAP = """
import gc, sys, threading
from sealfile.stores.yaml.basics import gc_paused

inside, leave = threading.Event(), threading.Event()

def long_pause():
    with gc_paused():
        inside.set()
        leave.wait()

other = threading.Thread(target=long_pause)
other.start()
inside.wait()
with gc_paused():
    pass
during = gc.isenabled()  # another thread still parses: no collection walks its objects yet
leave.set()
other.join()
after = gc.isenabled()
gc.disable()  # an application that turned the collector off keeps it off
with gc_paused():
    pass
print(during, after, gc.isenabled())
"""


def test_the_collector_runs_again_when_the_last_pause_ends() -> None:
    done = run_python(PAUSES_OVERLAP)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "False True False\n"
