"""Status lists the caller has as files (``mcvc verify --status-list FILE``).

An officer who downloaded a status list credential, or received it with the credential, checks
against it without any network access. The files are served to the status checker by their
``id`` (the URL credentials name in ``statusListCredential``); the checker verifies each list's
proof and issuer exactly as for a fetched one. A list the files do not hold is fetched only when
the caller also passed an HTTP client, and is otherwise not checked (inconclusive).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput, NetworkPolicyError
from ..jsontext import parse_json
from ..net import Fetched, Fetcher, FetchPolicy
from .checker import StatusChecker, default_list_verifier, default_token_verifier

if TYPE_CHECKING:
    import httpx

__all__ = ["LocalLists", "local_status_checker"]


class LocalLists(Fetcher):
    """A :class:`~mcvc.net.Fetcher` that answers from files first."""

    def __init__(
        self,
        documents: dict[str, bytes],
        client: httpx.Client | None = None,
        policy: FetchPolicy | None = None,
    ) -> None:
        super().__init__(client, policy)  # type: ignore[arg-type]
        self.documents = documents

    @classmethod
    def from_files(
        cls,
        paths: Iterable[str | Path],
        client: httpx.Client | None = None,
        policy: FetchPolicy | None = None,
    ) -> LocalLists:
        documents: dict[str, bytes] = {}
        for path in paths:
            raw = Path(path).read_bytes()
            list_id = _list_id(raw)
            if not list_id:
                raise InvalidInput(
                    f"{path}: not a status list credential with an id, nor a Status List "
                    "Token with a sub",
                    code="STATUS_VERIFICATION_ERROR",
                )
            documents[list_id] = raw
        return cls(documents, client, policy)

    def fetch(
        self,
        url: str,
        *,
        accept: str = "application/json",
        etag: str | None = None,
        bearer: str | None = None,
    ) -> Fetched:
        body = self.documents.get(url)
        if body is not None:
            return Fetched(200, body, None)
        if self.client is None:
            raise NetworkPolicyError(
                f"{url} is not among the status list files given, and fetching is off",
                code="NETWORK_NOT_ALLOWED",
            )
        return super().fetch(url, accept=accept, etag=etag, bearer=bearer)


def _list_id(raw: bytes) -> str:
    """The URL a list is fetched by: a list credential's ``id`` (also inside a JWT, or its
    ``jti``), a Status List Token's ``sub`` (IETF Token Status List), or ""."""
    from ..jose import parse_jose

    if raw.lstrip()[:1] == b"{":  # a JSON object (or a parse error naming what is wrong)
        list_id = parse_json(raw).get("id")
    else:
        try:
            token = parse_jose(raw)
        except InvalidInput:
            return ""
        if token.form == "status-list":
            list_id = token.claims.get("sub")
        else:  # a list credential in a JWT: its id, else the jti that stands for it
            list_id = token.credential.get("id") or token.claims.get("jti")
    return list_id if isinstance(list_id, str) else ""


def local_status_checker(
    paths: Iterable[str | Path],
    *,
    http: Any = None,
    loader: Any = None,
    fetch_policy: FetchPolicy | None = None,
    did_documents: dict[str, dict[str, Any]] | None = None,
) -> StatusChecker:
    """A status checker that reads the lists in ``paths`` (and fetches others, and the
    did:web documents of list issuers, through ``http`` under ``fetch_policy`` when given).

    ``did_documents`` are DID documents the caller already holds (the EBSI store's, or given to
    :func:`~mcvc.verify`), used for list issuers before any fetch."""
    from ..canon.api import Canonicalizer
    from ..contexts import default_loader
    from ..did import DidResolver

    lists = LocalLists.from_files(paths, http, fetch_policy)
    resolver = DidResolver(Fetcher(http, fetch_policy) if http is not None else None, did_documents)
    return StatusChecker(
        lists,
        default_list_verifier(resolver, Canonicalizer(loader or default_loader())),
        verify_token=default_token_verifier(resolver),
    )
