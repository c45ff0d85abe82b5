"""Verification: ordered checks with stable codes, reported as data."""
