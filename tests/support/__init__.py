"""What tests share: identities, CLI runners, sealed-file helpers, real-component harnesses."""
