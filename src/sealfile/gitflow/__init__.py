"""Git integration: readable diffs, a merge driver, review summaries and a pre-commit check.

Everything here that a reviewer without keys runs (textconv's redacted view, ``diff``,
``review``, ``check``) reads sealed files with :func:`sealfile.ops.read.open_sealed_fast`
and never needs a key; only the decrypted diff view, ``--reveal`` and the merge driver do.
"""
