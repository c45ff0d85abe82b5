"""What every ``mcvc`` command shares: exit codes, usage errors, reading and writing files."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from ..dates import parse_datetime
from ..errors import McvcError
from ..jsontext import parse_json

EXIT = {"verified": 0, "failed": 1, "inconclusive": 3, "unconfirmed": 3}


DEMO_NOTE = "DEMO KEY - for tests and demonstrations only, never for production credentials"


class _Usage(Exception):
    pass


def _read_json(path: str) -> Any:
    p = Path(path)
    if not p.is_file():
        raise _Usage(f"no such file: {path}")
    try:
        if p.suffix in (".toml",):
            import tomllib

            return tomllib.loads(p.read_text("utf-8"))
        return parse_json(p.read_bytes())
    except McvcError as exc:
        raise _Usage(f"{path}: {exc}") from None


def _write(text: str, out: str | None) -> None:
    if out:
        Path(out).write_text(text, "utf-8")
    else:
        sys.stdout.write(text)


def _instant(text: str | None, flag: str) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_datetime(text, flag)
    except McvcError as exc:
        raise _Usage(str(exc)) from None


class _StandIns:
    """An import finder that answers for pyld's aiohttp and file loader modules with empty
    stand-ins (their class names only), so importing pyld does not load asyncio and
    urllib.request for loaders the command line never uses."""

    NAMES: ClassVar[dict[str, str]] = {
        "pyld.documentloader.aiohttp": "AioHttpDocumentLoader",
        "pyld.documentloader.file": "FileDocumentLoader",
    }

    def find_spec(self, name: str, path: object, target: object = None) -> Any:
        if name not in self.NAMES:
            return None
        import importlib.util

        return importlib.util.spec_from_loader(name, self)  # type: ignore[arg-type]

    def create_module(self, spec: Any) -> Any:
        import types

        module = types.ModuleType(spec.name)
        setattr(module, self.NAMES[spec.name], type(self.NAMES[spec.name], (), {}))
        module.aiohttp_document_loader = _unavailable  # type: ignore[attr-defined]
        return module

    def exec_module(self, module: Any) -> None:
        return None


def _unavailable(**_: object) -> None:
    raise ImportError("pyld's aiohttp loader is not loaded by the mcvc command")


def _import_pyld_without_its_http_loaders() -> None:
    """pyld sets up a default document loader when imported: a requests session when requests
    is installed (about 60 ms of imports), else aiohttp; and it imports its aiohttp and file
    loader modules, which bring asyncio and urllib.request (30-40 ms more). mcvc never uses any
    of them (its own loader is always passed and never fetches), so the command line, a process
    of its own, hides requests and aiohttp and stands in for those two loader modules while
    pyld loads; pyld then falls back to its dummy loader (pyld 3.3.0, pinned)."""
    if "pyld" in sys.modules:
        return
    hidden = [name for name in ("requests", "aiohttp") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` fail
    finder = _StandIns()
    sys.meta_path.insert(0, finder)
    try:
        import pyld  # noqa: F401
    finally:
        sys.meta_path.remove(finder)
        for name in [*hidden, *_StandIns.NAMES]:
            sys.modules.pop(name, None)  # a later import finds the real modules


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < 86_400:
        raise argparse.ArgumentTypeError("the timeout must be between 0 and 86400 seconds")
    return value
