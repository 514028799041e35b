"""AWS KMS recipients (boto3 is imported on first use, not here)."""
