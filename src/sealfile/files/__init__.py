"""Files on disk: bounded reads, atomic writes, one writer at a time, and edit's private workspace."""
