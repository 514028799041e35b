"""What applications call at run time: loading secrets, redacted views, log redaction, exports."""
