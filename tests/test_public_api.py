from __future__ import annotations

import mcvc


def test_all_is_the_public_surface() -> None:
    public = sorted(
        name
        for name in dir(mcvc)
        if (not name.startswith("_") and name[0].isupper()) or name in mcvc.__all__
    )
    assert sorted(mcvc.__all__) == mcvc.__all__
    for name in mcvc.__all__:
        assert hasattr(mcvc, name), name
    assert set(mcvc.__all__) <= set(public) | set(mcvc.__all__)


def test_every_exception_derives_from_mcvc_error() -> None:
    for name in mcvc.__all__:
        obj = getattr(mcvc, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, mcvc.McvcError), name


def test_lazy_names_resolve_to_the_functions() -> None:
    import importlib

    importlib.import_module("mcvc.verification.pipeline")
    assert callable(mcvc.verify) and mcvc.verify.__name__ == "verify"
    assert callable(mcvc.sign) and mcvc.sign.__module__ == "mcvc.signing"
