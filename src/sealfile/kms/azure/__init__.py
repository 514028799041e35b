"""Azure Key Vault recipients (the Azure SDK is imported on first use, not here)."""
