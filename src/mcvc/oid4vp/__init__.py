"""OpenID for Verifiable Presentations 1.0: the verifier side (requests, DCQL, responses)."""
