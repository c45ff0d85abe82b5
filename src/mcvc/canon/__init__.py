"""Canonicalization: RDFC-1.0 over N-Quads, JSON-LD to RDF, and JCS (RFC 8785)."""
