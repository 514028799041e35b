"""YAML 1.2 as ruamel.yaml reads it: the round-trip reader, the C-backed scan, scalar spelling, splicing."""
