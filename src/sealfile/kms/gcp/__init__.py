"""GCP Cloud KMS recipients (google-cloud-kms is imported on first use, not here)."""
