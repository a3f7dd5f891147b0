"""Catalogs laid out by family: an entry with id ``escape.host-pid`` lives in the module
``<package>/escape/host_pid.py`` and is that module's one catalog object. The techniques
and the posture checks are both found this way."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from typing import Protocol, TypeVar


class Entry(Protocol):
    """What a catalog entry has: its id."""

    @property
    def id(self) -> str: ...


E = TypeVar("E", bound=Entry)


def module_name(entry_id: str) -> str:
    """The module that must hold an entry: ``escape.host-pid`` -> ``escape.host_pid``.

    >>> module_name("rbac.pods-exec")
    'rbac.pods_exec'
    """
    family, _, rest = entry_id.partition(".")
    return f"{family}.{rest.replace('.', '_').replace('-', '_')}"


def discover(package: str, path: Iterable[str], attribute: str, kind: type[E]) -> tuple[E, ...]:
    """Every entry of every family folder of ``package``, sorted by id.

    Raises
    ------
    TypeError
        A module that defines no ``attribute`` of type ``kind``, or holds an entry whose id
        names another module (the message says where to move the file).
    """
    found = []
    for family in pkgutil.iter_modules(path):
        if family.name.startswith("_") or not family.ispkg:
            continue
        folder = importlib.import_module(f"{package}.{family.name}")
        for info in pkgutil.iter_modules(folder.__path__):
            if info.name.startswith("_"):
                continue
            name = f"{family.name}.{info.name}"
            module = importlib.import_module(f"{package}.{name}")
            entry = getattr(module, attribute, None)
            if not isinstance(entry, kind):
                raise TypeError(f"{module.__name__} defines no {attribute}")
            if module_name(entry.id) != name:
                where = package.replace(".", "/") + "/" + module_name(entry.id).replace(".", "/")
                raise TypeError(f"{module.__name__} holds {entry.id!r}; move the file to "
                                f"{where}.py")
            found.append(entry)
    return tuple(sorted(found, key=lambda e: e.id))
