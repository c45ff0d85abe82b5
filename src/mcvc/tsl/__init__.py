"""EU trust sources for Europass seals: the List of Trusted Lists and the national Trusted
Lists (ETSI TS 119 612), signature-verified, cached on disk, read offline."""

from .parse import Pointer, Service, TrustedListDocument, parse_trusted_list
from .store import TrustedListError, TrustedLists, verify_signed_list

__all__ = [
    "Pointer",
    "Service",
    "TrustedListDocument",
    "TrustedListError",
    "TrustedLists",
    "parse_trusted_list",
    "verify_signed_list",
]
