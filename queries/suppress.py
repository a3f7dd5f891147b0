"""Suppressions: the ``riskgraph.io/ignore`` annotation and ``--ignore-file`` entries.

A suppressed finding is still counted and listed apart; an ignore-file entry past its
expiry date suppresses nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any, NamedTuple

from riskgraph import ids
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques._shared.common import spec_source

IGNORE_ANNOTATION = "riskgraph.io/ignore"


class Ignore(NamedTuple):
    """One ``--ignore-file`` entry: a check id, a glob on object ids, why, and until when."""

    check: str
    object: str
    reason: str
    expires: dt.date | None = None


def parse_ignores(document: Any, source: str) -> list[Ignore]:
    """The entries of a loaded ignore file (a list, or ``{"ignore": [...]}``).

    Raises
    ------
    ValueError
        Naming the file and the entry that lacks a check, an object or a reason.
    """
    items = document.get("ignore", []) if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise ValueError(f"{source}: expected a list of ignore entries")
    entries = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) and item[k]
                                                 for k in ("check", "object", "reason")):
            raise ValueError(f"{source}: entry {index} needs check, object and reason")
        expires = item.get("expires")
        if isinstance(expires, str):
            expires = dt.date.fromisoformat(expires)
        if expires is not None and not isinstance(expires, dt.date):
            raise ValueError(f"{source}: entry {index}: expires is not a date (YYYY-MM-DD)")
        entries.append(Ignore(item["check"], item["object"], item["reason"], expires))
    return entries


def suppression(check: str, obj: str, annotations: Mapping[str, str],
                ignores: Iterable[Ignore], today: dt.date | None = None) -> str | None:
    """Why a finding is suppressed, or None when it is not."""
    listed = {c.strip() for c in annotations.get(IGNORE_ANNOTATION, "").split(",")}
    if check in listed or "*" in listed:
        return f"annotation {IGNORE_ANNOTATION} on {obj}"
    day = today or dt.date.today()
    for entry in ignores:
        if fnmatchcase(check, entry.check) and fnmatchcase(obj, entry.object) \
                and (entry.expires is None or entry.expires >= day):
            return f"ignore file: {entry.reason}"
    return None


def annotations_by_object(inv: Inventory) -> dict[str, dict[str, str]]:
    """The annotations of each object a finding can name, by object id: workloads (from
    their template pods), pods, namespaces, service accounts, bindings and ConfigMaps."""
    found: dict[str, dict[str, str]] = {}
    for pod in inv.pods:
        meta = pod.workload_metadata or pod.metadata
        if meta.annotations:
            found[spec_source(pod)[0]] = meta.annotations
    for group in (inv.namespaces, inv.service_accounts, inv.bindings, inv.config_maps):
        for obj in group:
            if obj.metadata.annotations:
                found[ids.k8s_id(obj.kind, obj.metadata.name, obj.metadata.namespace)] = \
                    obj.metadata.annotations
    return found
