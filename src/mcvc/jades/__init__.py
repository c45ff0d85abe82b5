"""Europass seals: JAdES (ETSI TS 119 182-1) JSON-serialized JWS with unencoded payload."""
