"""File syntaxes: each store turns text into value trees and back, so the envelope never sees syntax."""
