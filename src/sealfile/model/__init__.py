"""The data model, free of syntax and crypto: key paths, scalars, rules and the file's metadata."""
