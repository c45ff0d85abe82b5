"""The generated OpenAPI document against the running service: schemathesis (its command line,
as an API consumer would run it) generates requests from the document, valid and invalid, and
checks every answer: no server error, a documented status code, JSON where JSON is declared,
and a body that matches the declared schema."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from .service_helpers import TOKEN, base_config, free_port, running

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def test_service_conforms_to_its_openapi(tmp_path: Path) -> None:
    st = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert st is not None, "schemathesis is in the test extra"
    with running(base_config(free_port(), f"sqlite:///{tmp_path / 'l.db'}")) as url:
        assert httpx.get(f"{url}/openapi.json").status_code == 200
        result = subprocess.run(
            [
                st,
                "run",
                f"{url}/openapi.json",
                "--checks",
                CHECKS,
                "--max-examples",
                "25",
                "--generation-deterministic",
                "--header",
                f"Authorization: Bearer {TOKEN}",
                "--max-response-time",
                "30",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            cwd=tmp_path,  # schemathesis keeps a cache folder in its working directory
        )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "passed" in result.stdout
