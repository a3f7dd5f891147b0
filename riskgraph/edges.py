"""Edges stored compactly: the attack graph holds millions of them.

A plain attribute dict per edge costs about 270 bytes, its reason sentence another 180, its
evidence list more, and networkx's one-key dict of parallel edges 184. Here an edge's
attributes are an :class:`EdgeAttrs` in four slots: the technique's metadata (``technique``,
``mitre``, ``traversable``) with the ``cost`` and ``confidence`` one dict shared by every
edge that has them, the reason a template and its arguments (a :class:`Reason`) rendered
when ``attrs["reason"]`` is read, the evidence a tuple shared by every edge citing the same
lines. It is a ``MutableMapping`` that reads,
writes and compares as the dict it replaces; ``dict(attrs)`` is that dict (for JSON).
:class:`EdgeKeys` holds a vertex pair's parallel edges. :class:`AttackGraph`, the
``networkx.MultiDiGraph`` using both, makes copies, subgraphs and reversed graphs use them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any

import networkx as nx

#: What a reason's template is filled with: text and numbers, never mutable objects, so
#: the sentence read later is the one the technique meant.
Arg = str | int | float


class Reason:
    """A reason sentence as a ``str.format`` template and its arguments.

    ``str(Reason("pod {0} runs container {1}", "web", "nginx"))`` is the sentence; the
    template is one string shared by every edge of its kind, so an edge keeps only the
    arguments (usually names the inventory holds anyway).
    """

    __slots__ = ("args", "template")

    def __init__(self, template: str, *args: Arg) -> None:
        self.template = template
        self.args = args

    def __str__(self) -> str:
        return self.template.format(*self.args)

    def __repr__(self) -> str:
        return f"Reason({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reason) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


class _Absent(enum.Enum):
    """An empty slot's marker (an enum member unpickles as itself)."""

    ABSENT = 0


_ABSENT = _Absent.ABSENT
#: The keys kept in the edge's own slots; every other key lives in the shared dict.
_OWN = ("reason", "evidence")
#: The order the builder always wrote the keys in; any other key follows them.
_ORDER = ("technique", "reason", "evidence", "cost", "confidence")


class Shared(dict[str, Any]):
    """A dict several edges hold; an edge copies it before changing it (copy on write)."""

    __slots__ = ()


_NOTHING_SHARED = Shared()


class EdgeAttrs(MutableMapping[str, Any]):
    """One edge's attributes, as a mapping (see the module's description).

    Only the reason and the evidence sit in the edge's own slots; ``technique``, ``mitre``,
    ``traversable``, ``cost`` and ``confidence`` are in a :class:`Shared` dict, one per
    technique and (cost, confidence) it gives, of which a catalog technique has a handful.
    Keys iterate in the order the builder always wrote them: ``technique``, ``reason``,
    ``evidence``, ``cost``, ``confidence``, then the others (``mitre``, ``traversable``,
    any key set later).
    """

    __slots__ = ("_args", "_evidence", "_template", "shared")
    #: ``shared``: every key but the reason and the evidence (technique, MITRE id, cost,
    #: confidence, traversable); path searches read it without a call. Do not write it.

    def __init__(self) -> None:
        self.shared: dict[str, Any] = _NOTHING_SHARED
        self._template: Any = _ABSENT
        self._args: tuple[Arg, ...] | None = None
        self._evidence: Any = _ABSENT

    @classmethod
    def of(cls, shared: Shared, reason: str | Reason, evidence: tuple[str, ...]) -> EdgeAttrs:
        """Attributes built in one call, the way the builder makes millions of them."""
        attrs = cls.__new__(cls)
        attrs.shared, attrs._evidence = shared, evidence
        if isinstance(reason, Reason):
            attrs._template, attrs._args = reason.template, reason.args
        else:
            attrs._template, attrs._args = reason, None
        return attrs

    def parts(self) -> tuple[Any, Any, Any, Any]:
        """The four slots, as :meth:`from_parts` takes them (for compact pickling)."""
        return self.shared, self._template, self._args, self._evidence

    @classmethod
    def from_parts(cls, shared: Any, template: Any, args: Any, evidence: Any) -> EdgeAttrs:
        """The attributes whose :meth:`parts` these are."""
        attrs = cls.__new__(cls)
        attrs.shared, attrs._template, attrs._args, attrs._evidence = \
            shared, template, args, evidence
        return attrs

    def copy(self) -> EdgeAttrs:
        """A shallow copy, as ``dict.copy`` (networkx's ``Graph.copy`` calls it)."""
        copied = EdgeAttrs.__new__(EdgeAttrs)
        copied.shared = self.shared if type(self.shared) is Shared else dict(self.shared)
        copied._template, copied._args = self._template, self._args
        copied._evidence = self._evidence
        return copied

    __copy__ = copy

    def _set_reason(self, reason: Any) -> None:
        if isinstance(reason, Reason):
            self._template, self._args = reason.template, reason.args
        else:
            self._template, self._args = reason, None

    def _own(self, key: str) -> Any:
        if key == "evidence":
            return self._evidence
        if self._template is _ABSENT or self._args is None:
            return self._template
        return self._template.format(*self._args)

    def get(self, key: str, default: Any = None) -> Any:
        # Path searches call get() millions of times: answer without raising KeyError.
        if key in _OWN:
            value = self._own(key)
            return default if value is _ABSENT else value
        return self.shared.get(key, default)

    def __getitem__(self, key: str) -> Any:
        if key in _OWN:
            value = self._own(key)
            if value is _ABSENT:
                raise KeyError(key)
            return value
        return self.shared[key]

    def __contains__(self, key: object) -> bool:
        if key in _OWN:
            return self._own(str(key)) is not _ABSENT
        return key in self.shared

    def __setitem__(self, key: str, value: Any) -> None:
        if key == "reason":
            self._set_reason(value)
        elif key == "evidence":
            self._evidence = value
        else:
            self._unshare()[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        if key == "reason":
            self._template = _ABSENT
        elif key == "evidence":
            self._evidence = _ABSENT
        else:
            del self._unshare()[key]

    def _unshare(self) -> dict[str, Any]:
        if type(self.shared) is Shared:
            self.shared = dict(self.shared)
        return self.shared

    def __iter__(self) -> Iterator[str]:
        yield from (key for key in _ORDER if key in self)
        yield from (key for key in self.shared if key not in _ORDER)

    def __len__(self) -> int:
        return len(self.shared) + sum(self._own(key) is not _ABSENT for key in _OWN)

    def __repr__(self) -> str:
        return f"EdgeAttrs({dict(self)!r})"


class EdgeKeys(MutableMapping[Any, Any]):
    """The parallel edges from one vertex to another, by key: nearly every pair has one, held
    in two slots (56 bytes, where a one-key dict takes 184); a second key moves them into a
    dict. ``items()`` and ``values()`` are tuples for the single edge, which path searches
    iterate at C speed."""

    __slots__ = ("_key", "_more", "lone")
    #: ``lone``: the attributes of the pair's only edge; None when it has none or several
    #: (path searches read it without a call).

    def __init__(self) -> None:
        self._key: Any = _ABSENT
        self.lone: Any = None
        self._more: dict[Any, Any] | None = None

    def get(self, key: Any, default: Any = None) -> Any:
        if self._more is not None:
            return self._more.get(key, default)
        return self.lone if self._key is not _ABSENT and self._key == key else default

    def __getitem__(self, key: Any) -> Any:
        if self._more is not None:
            return self._more[key]
        if self._key is _ABSENT or self._key != key:
            raise KeyError(key)
        return self.lone

    def __contains__(self, key: object) -> bool:
        if self._more is not None:
            return key in self._more
        return self._key is not _ABSENT and self._key == key

    def __setitem__(self, key: Any, value: Any) -> None:
        if self._more is not None:
            self._more[key] = value
        elif self._key is _ABSENT or self._key == key:
            self._key, self.lone = key, value
        else:
            self._more = {self._key: self.lone, key: value}
            self._key, self.lone = _ABSENT, None

    def __delitem__(self, key: Any) -> None:
        if self._more is not None:
            del self._more[key]
        elif key in self:
            self._key, self.lone = _ABSENT, None
        else:
            raise KeyError(key)

    def __iter__(self) -> Iterator[Any]:
        if self._more is not None:
            return iter(self._more)
        return iter(() if self._key is _ABSENT else (self._key,))

    def __len__(self) -> int:
        if self._more is not None:
            return len(self._more)
        return 0 if self._key is _ABSENT else 1

    # A tuple iterates as items() and values() views do, and costs no Python-level call
    # per element; set operations on them are not something networkx or riskgraph asks.
    def items(self) -> Any:
        if self._more is not None:
            return self._more.items()
        return () if self._key is _ABSENT else ((self._key, self.lone),)

    def values(self) -> Any:
        if self._more is not None:
            return self._more.values()
        return () if self._key is _ABSENT else (self.lone,)

    def copy(self) -> EdgeKeys:
        """A shallow copy, as ``dict.copy``."""
        copied = EdgeKeys()
        copied.update(self)
        return copied


class AttackGraph(nx.MultiDiGraph):  # type: ignore[misc]  # networkx ships no types
    """The attack graph: a ``networkx.MultiDiGraph`` whose edge attributes are
    :class:`EdgeAttrs` and whose parallel edges are :class:`EdgeKeys`, whoever adds the
    edge."""

    edge_attr_dict_factory = EdgeAttrs
    edge_key_dict_factory = EdgeKeys

    def _new_vertex(self, vertex: str) -> dict[str, Any]:
        out: dict[str, Any] = self.adjlist_inner_dict_factory()
        self._succ[vertex], self._pred[vertex] = out, self.adjlist_inner_dict_factory()
        self._node[vertex] = self.node_attr_dict_factory()
        return out

    def add_attack_edges(self, key: str, edges: Iterable[tuple[tuple[str, str], EdgeAttrs]]
                         ) -> None:
        """Add ``((source, target), attrs)`` edges under ``key``, each holding ``attrs`` itself.

        ``add_edges_from`` would copy each mapping into a fresh dict and then into a new
        ``EdgeAttrs``, undoing the sharing. An edge already there under the same key gets
        ``attrs`` in place of its attributes (``add_edges_from`` would merge the two).
        """
        succ, pred = self._succ, self._pred
        new_keys = EdgeKeys.__new__
        for (source, target), attrs in edges:
            out = succ.get(source)
            if out is None:
                out = self._new_vertex(source)
            if target not in succ:
                self._new_vertex(target)
            keys = out.get(target)
            if keys is None:  # nearly every pair: one key, made without a call per slot
                keys = out[target] = pred[target][source] = new_keys(EdgeKeys)
                keys._key, keys.lone, keys._more = key, attrs, None
            else:
                keys[key] = attrs
        cache = getattr(self, "__networkx_cache__", None)
        if cache:
            cache.clear()

