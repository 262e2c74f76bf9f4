"""Packages that import their names on first use (PEP 562), so a process loads only the parts it touches."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_attributes(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """The module ``__getattr__`` of ``package``: ``name`` comes from the submodule ``homes[name]``, imported on the
    first look-up and then kept in the package's namespace (later look-ups never reach this function)."""
    namespace = vars(sys.modules[package])

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook's own name
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = namespace[name] = getattr(import_module(f"{package}.{homes[name]}"), name)
        return value

    return __getattr__
