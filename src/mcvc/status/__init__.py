"""Credential status: W3C Bitstring Status List v1.0."""
