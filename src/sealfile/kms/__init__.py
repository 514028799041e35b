"""Master-key providers: each wraps and unwraps a file's data key with one kind of key.

A built-in provider is one module here plus one line in :mod:`sealfile.kms.registry`; a
third-party one is an entry point in the ``sealfile.providers`` group.
"""
