"""The output formats decrypted values can be rendered in (:mod:`sealfile.runtime.outputs`), named
in a module of their own so a command line can offer them without importing the renderers."""

FORMATS = ("yaml", "json", "dotenv", "k8s-secret")
