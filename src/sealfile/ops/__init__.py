"""The verbs on sealed files (seal, open, change, describe), shared by the CLI, Git tools and apps."""
