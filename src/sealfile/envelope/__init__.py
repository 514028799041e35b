"""The sealed format's crypto (docs/format.md): tokens, the MAC, data keys; raw key bytes stay here and in kms/."""
