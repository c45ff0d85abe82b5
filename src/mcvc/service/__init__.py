"""``mcvc serve``: the VC-API HTTP service (issue, verify, presentations, challenges, status
lists, did.json). Needs the ``serve`` extra (Starlette and uvicorn)."""
