"""Issuing at scale: the issuance ledger, status list management and batch issuance."""
