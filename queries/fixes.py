"""Ranked fixes: the changes that cut the most attack routes, each proven by searching again.

On the part of the graph that lies on some route (:mod:`queries._part`), every walkable
edge that a person can change has a :class:`~queries.fixpoints.Fix`. Fixes are chosen
greedily. The candidates are the fixes that most of today's routes share, so one change
at a shared choke point beats many changes at the edges. Each is measured by searching
again without its edges, toward the targets whose route it sits on (no other target can
lose its route); the one that removes the most is applied, and the next round starts from
what remains. When every single change has a detour, the changes of a small minimum cut
between the sources and the targets (fixable edges weigh 1, structural ones cannot be cut)
are applied together, each still measured as it is added. Every number reported is a
search result, not an estimate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import networkx as nx

from queries._candidates import FixReader, Owners
from queries._cut import cut_fixes
from queries._part import pruned, walk_part
from queries._prune import Walker
from queries._routes import RouteFixes
from queries.catalog import technique as catalog_entry
from queries.fixpoints import Fix
from queries.paths import Question, answer, ask
from queries.pathset import PathSet
from riskgraph._gc import gc_paused

Edge = tuple[str, str, str]
#: An object id -> the file and line it was read from (None, None when not known).
Where = Callable[[str], tuple[str | None, int | None]]
#: Candidates measured per round: the fixes on most of today's routes; more, up to the
#: second number, while none of them removes a route.
_MEASURED, _MOST_MEASURED = 8, 48
#: Largest minimum cut applied as a bundle when no single change removes a route, and the
#: largest part of a graph it is sought in (a max-flow over more costs seconds, and a cut
#: that separates so wide a part is rarely small).
_BUNDLE, _BUNDLE_EDGES = 6, 50_000


@dataclass(frozen=True)
class RankedFix:
    """One fix, what it removes given the fixes ranked before it, and what then remains."""

    rank: int
    fix: Fix
    techniques: tuple[str, ...]
    edges: tuple[Edge, ...]
    removes: int
    remaining: int

    @property
    def remediation(self) -> str:
        entry = catalog_entry(self.techniques[0])
        return entry.remediation if entry is not None else ""

    def to_dict(self, where: Where | None = None) -> dict[str, Any]:
        """The fix as ``fixes --format json`` lists it; ``where`` gives the file and line
        of its object (:func:`queries.findings.location`), else both are None."""
        file, line = where(self.fix.object) if where is not None else (None, None)
        return {"rank": self.rank, "object": self.fix.object, "field": self.fix.field,
                "file": file, "line": line, "technique": self.techniques[0],
                "change": self.fix.change(self.techniques), "remediation": self.remediation,
                "removes": {"paths": self.removes, "targets": self.removes},
                "remaining": {"paths": self.remaining, "targets": self.remaining},
                "edges": [list(edge) for edge in self.edges]}


@dataclass(frozen=True)
class FixPlan:
    """The ranked fixes of one question, and how many paths there are before and after all
    of them (each target's cheapest path; :attr:`before` and :attr:`after` search them when
    first asked for, since counting needs no path)."""

    fixes: tuple[RankedFix, ...]
    paths_before: int
    paths_after: int
    question: Question = field(repr=False)
    graph: nx.MultiDiGraph = field(repr=False)
    note: str | None = None

    @property
    def blocked_edges(self) -> tuple[Edge, ...]:
        """Every edge the fixes take away, for ``attack_paths(..., blocked_edges=...)``."""
        return tuple(edge for ranked in self.fixes for edge in ranked.edges)

    @cached_property
    def before(self) -> PathSet:
        """The cheapest path to each target the question reaches before any fix."""
        return answer(self.graph, self.question)

    @cached_property
    def after(self) -> PathSet:
        """The cheapest path to each target still reached once every fix is made."""
        return answer(self.graph, self.question.without(self.blocked_edges))

    def to_dict(self, where: Where | None = None) -> dict[str, Any]:
        """``{"fixes": [...], "summary": {...}}`` as DESIGN.md spells it."""
        before, after = self.paths_before, self.paths_after
        return {"fixes": [ranked.to_dict(where) for ranked in self.fixes],
                "summary": {"paths_before": before, "targets_before": before,
                            "paths_after": after, "targets_after": after,
                            "note": self.note}}


class FixLab:
    """Measures fixes for one question: the pruned part of the graph (a :class:`Walker`
    over it), every fix on it and its edges, and which targets each fix takes out of
    reach, measured against the walk that the fixes taken so far leave."""

    def __init__(self, graph: nx.MultiDiGraph, question: Question) -> None:
        with gc_paused(freeze=False):
            part = walk_part(graph, question, FixReader.marks())
            self.graph = graph
            kept = frozenset(part.vertices)
            self.question = replace(question, sources=question.sources & kept,
                                    targets=question.targets & kept)
            reader = FixReader(graph, part)
            self.walker = Walker(self.question, part)
            self.vertices = part.vertices
            # Ranking takes fixes out of the candidates; the owners read them all.
            self.candidates, self.owner = dict(reader.found), Owners(reader, graph)
        self._routes = RouteFixes(self.walker, self.owner)

    @cached_property
    def part(self) -> nx.MultiDiGraph:
        """The pruned part as a graph (for the minimum cut)."""
        return pruned(self.graph, self.question, self.vertices)

    def removed(self, key: tuple[str, str | None], targets: Iterable[str],
                blocked: frozenset[Edge] = frozenset()) -> frozenset[str]:
        """Which of ``targets`` (reached today, with ``blocked`` taken away) no route
        reaches once this fix is made too."""
        edges = self.candidates[key][1] if key in self.candidates else set()
        return self.walker.lost(self.question.targets & frozenset(targets), edges, blocked)

    def on_routes(self, targets: Iterable[str], blocked: frozenset[Edge]
                  ) -> dict[Any, set[str]]:
        """The targets whose route (one fewest-hop route each) each fix sits on, with
        ``blocked`` taken away: only those can the fix take out of reach, since every other
        target keeps its route. A fix sits on a step when it owns every edge left there."""
        return self._routes.on_routes(targets, blocked)


#: Largest graph whose route groups get a measured fix first by default: building the lab
#: reads every edge on a route once (1.4 CPU s at 285k edges, about a minute at 4.3M).
MEASURED_GROUPS_EDGES = 600_000


def lab_for(graph: nx.MultiDiGraph, question: Question,
            max_edges: int = MEASURED_GROUPS_EDGES) -> FixLab | None:
    """A FixLab for measuring route groups' fix first, or None when the graph has more than
    ``max_edges`` edges (the groups then name the change their routes share most)."""
    return FixLab(graph, question) if graph.number_of_edges() <= max_edges else None


def _leading(on_routes: dict[Any, set[str]], count: int) -> list[Any]:
    """The ``count`` fixes on most routes, ties by key text: the first ``count`` of all of
    them so sorted, with a sort key made only for those that can be among them."""
    sizes = sorted(map(len, on_routes.values()), reverse=True)
    floor = sizes[count - 1] if len(sizes) > count else 0
    return sorted((key for key, routes in on_routes.items() if len(routes) >= floor),
                  key=lambda k: (-len(on_routes[k]), str(k)))[:count]


def _bundle(lab: FixLab, reach: frozenset[str], blocked: frozenset[Edge],
            on_routes: dict[Any, set[str]]) -> list[Any]:
    """When no single change removes a route (each has a detour), the changes of a small
    minimum cut that together do, the ones on most of today's routes first; else none."""
    if lab.walker.edges > _BUNDLE_EDGES:
        return []
    cut = cut_fixes(lab.part, lab.question.without(blocked), lab.owner)
    if not cut or len(cut) > _BUNDLE:
        return []
    edges = {edge for key in cut for edge in lab.candidates[key][1]}
    if not lab.walker.lost(reach, edges, blocked):
        return []
    return sorted(cut, key=lambda k: (-len(on_routes.get(k, ())), str(k)))


def fixes(graph: nx.MultiDiGraph, sources: str | Iterable[str] = "internet",
          targets: str | Iterable[str] = "secret", *, max_hops: int = 8, limit: int = 10,
          sensitive: Iterable[str] = (), avoid: str | Iterable[str] = (),
          avoid_techniques: Iterable[str] = (), skip_platform_defaults: bool = False,
          progress: Callable[[str], None] | None = None) -> FixPlan:
    """The changes that remove the most routes from ``sources`` to ``targets``, ranked.

    Parameters are those of :func:`queries.attack_paths`; ``limit`` caps the fixes ranked.
    Ranking stops early when every route is gone or when no change removes another one.
    ``progress`` hears how many targets are reached and how big the part on their routes
    is, then one line per fix ranked (on a large estate the first takes seconds).

    Examples
    --------
    >>> from riskgraph.demo import demo_dir
    >>> from ingest import load_k8s
    >>> from riskgraph import build_graph
    >>> plan = fixes(build_graph(load_k8s([demo_dir()])), "internet", "secret")
    >>> len(plan.before) > len(plan.after)
    True
    >>> plan.fixes[0].removes > 0
    True
    """
    asked = ask(graph, sources, targets, max_hops=max_hops, sensitive=sensitive, avoid=avoid,
                avoid_techniques=avoid_techniques, skip_platform_defaults=skip_platform_defaults)
    with gc_paused(freeze=False):
        return _plan(graph, asked, limit, progress)


def _plan(graph: nx.MultiDiGraph, asked: Question, limit: int,
          progress: Callable[[str], None] | None) -> FixPlan:
    """:func:`fixes` once the question is asked (the lab it builds is gone on return)."""
    lab = FixLab(graph, asked)
    reach = lab.walker.reached(lab.question.targets)
    before = len(reach)
    if progress is not None:
        progress(f"{before} target{'s' * (before != 1)} reached; ranking the fixes on "
                 f"{len(lab.vertices)} vertices and {lab.walker.edges} edges on some route")
    blocked: frozenset[Edge] = frozenset()
    ranked: list[RankedFix] = []
    while reach and len(ranked) < limit:
        on_routes = lab.on_routes(reach, blocked)
        measured: list[tuple[int, int, int, str, Any]] = []
        for tried, key in enumerate(_leading(on_routes, _MOST_MEASURED)):
            if tried >= _MEASURED and max(measured)[0] > 0:
                break
            removes = len(lab.removed(key, on_routes[key], blocked))
            measured.append((removes, len(on_routes[key]), -len(lab.candidates[key][1]),
                             str(key), key))
        best = max(measured, default=None)
        keys = [best[-1]] if best is not None and best[0] else \
            _bundle(lab, reach, blocked, on_routes)
        if not keys:
            break
        for key in keys[:limit - len(ranked)]:
            fix, edges = lab.candidates.pop(key)
            blocked = lab.walker.advance(blocked, edges)
            left = lab.walker.reached(reach, blocked)
            by_use = Counter(t for _, _, t in edges)
            ranked.append(RankedFix(len(ranked) + 1, fix,
                                    tuple(sorted(by_use, key=lambda t: (-by_use[t], t))),
                                    tuple(sorted(edges)), len(reach) - len(left), len(left)))
            if progress is not None:
                progress(f"fix {len(ranked)}: {fix.object} removes {len(reach) - len(left)}, "
                         f"{len(left)} remain")
            reach = left
    note = None
    if reach:
        note = ("more fixes remain to rank (raise --top)" if len(ranked) >= limit else
                "every route left has a detour around each single change, and no small set "
                "of changes cuts them together: segment the network or harden the nodes the "
                "detours run through")
    return FixPlan(tuple(ranked), before, len(reach), asked, graph, note)
