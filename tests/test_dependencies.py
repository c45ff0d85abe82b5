"""Every third-party module mcvc imports is a dependency it declares: a module only the test
extra installs would work in every test run and fail on a user's machine (the service needed
jwcrypto, which only the test extra had, so `pip install 'mcvc[serve]'` gave a service that
would not start)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from .conftest import ROOT

SRC = ROOT / "src" / "mcvc"
# the extras a module may rely on, by where it lives: the service and its command need `serve`
EXTRAS = {"serve": ("service/", "cli/service.py")}


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _imports() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "mcvc" and top not in sys.stdlib_module_names:
                    found.setdefault(top, set()).add(path.relative_to(SRC).as_posix())
    return found


def test_every_imported_module_is_a_declared_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    core = {_name(r) for r in project["dependencies"]}
    extras = {k: {_name(r) for r in v} for k, v in project["optional-dependencies"].items()}
    distributions = packages_distributions()
    wrong = []
    for module, files in sorted(_imports().items()):
        dists = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        if dists & core:
            continue
        allowed = [
            extra
            for extra, places in EXTRAS.items()
            if dists & extras[extra] and all(f.startswith(places) for f in files)
        ]
        if not allowed:
            wrong.append(f"{module} ({', '.join(sorted(files))})")
    assert not wrong, f"imported but not a dependency for every place that imports it: {wrong}"


def test_the_check_sees_the_imports() -> None:
    found = _imports()
    assert {"cryptography", "pyld", "httpx", "pydantic", "jwcrypto", "starlette"} <= set(found)
    assert "service/app.py" in found["starlette"]
