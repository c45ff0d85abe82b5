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
