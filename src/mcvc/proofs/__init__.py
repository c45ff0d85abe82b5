"""Data Integrity proofs: one engine, small cryptosuites, proof purposes as objects."""
