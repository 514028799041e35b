"""Every test here runs through both implementations of the sealed-document model."""

from tests.support.implementations import both_implementations

__all__ = ["both_implementations"]
