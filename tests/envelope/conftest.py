"""Real OpenSSH fixtures for the signature tests (defined in tests/ssh_support.py)."""

from tests.support.ssh import ssh_agent, ssh_keys

__all__ = ["ssh_agent", "ssh_keys"]
