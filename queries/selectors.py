"""Turn ``--from`` / ``--to`` selector strings into sets of vertex ids.

A selector is a class keyword (``internet``, ``secret``, ...), a ``pod:<ns>/<name>`` or
``sa:<ns>/<name>`` reference, an exact vertex id, or an ``fnmatch`` glob on ids. A class that
matches nothing is a legitimate empty answer; a reference, id or glob that names nothing is
a mistake worth an error.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Callable, Iterable
from typing import Any

import networkx as nx

from riskgraph import ids
from riskgraph.errors import SelectorError
from riskgraph.graph import AWS_ADMIN, CLUSTER_ADMIN, DATA_STORE, SECRET, SENSITIVE_WORKLOAD

Predicate = Callable[[str, dict[str, Any]], bool]

_REFERENCE_FORMS = ("any-pod", "pod:<namespace>/<name>", "sa:<namespace>/<name>",
                    "<vertex id>", "<glob on vertex ids, e.g. k8s:Pod:shop/*>")

#: The selector forms ``--from`` accepts, for help texts and error messages.
SOURCE_FORMS: tuple[str, ...] = ("internet", *_REFERENCE_FORMS)
#: The selector forms ``--to`` accepts.
TARGET_FORMS: tuple[str, ...] = ("secret", "cluster-admin", "node", "sensitive", "aws-admin",
                                 "aws-secret", "s3", "data-store", *_REFERENCE_FORMS)

_AWS_SECRET_KINDS = frozenset({"SecretsManagerSecret", "SSMParameter"})

_REFERENCE_KINDS = {"pod": "Pod", "sa": "ServiceAccount"}
_GLOB_CHARACTERS = frozenset("*?[")


def _is_pod(_: str, attrs: dict[str, Any]) -> bool:
    return attrs.get("kind") == "Pod"


def _is_entry(_: str, attrs: dict[str, Any]) -> bool:
    return bool(attrs.get("entry"))


def _is_secret(_: str, attrs: dict[str, Any]) -> bool:
    return attrs.get("crown_jewel") == SECRET


def _is_cluster_admin(vertex_id: str, attrs: dict[str, Any]) -> bool:
    return vertex_id == ids.CLUSTER_ADMIN or attrs.get("crown_jewel") == CLUSTER_ADMIN


def _is_node(_: str, attrs: dict[str, Any]) -> bool:
    return attrs.get("kind") in ("Node", "NodePool")


def _is_sensitive_workload(_: str, attrs: dict[str, Any]) -> bool:
    return attrs.get("crown_jewel") == SENSITIVE_WORKLOAD


def _is_aws_admin(_: str, attrs: dict[str, Any]) -> bool:
    return attrs.get("crown_jewel") == AWS_ADMIN


def _is_aws_secret(_: str, attrs: dict[str, Any]) -> bool:
    return attrs.get("crown_jewel") == SECRET and attrs.get("kind") in _AWS_SECRET_KINDS


def _is_bucket(_: str, attrs: dict[str, Any]) -> bool:
    return attrs.get("kind") == "S3Bucket"


def _is_data_store(_: str, attrs: dict[str, Any]) -> bool:
    return attrs.get("crown_jewel") == DATA_STORE


_SOURCE_CLASSES: dict[str, Predicate] = {"internet": _is_entry, "any-pod": _is_pod}
_TARGET_CLASSES: dict[str, Predicate] = {
    "secret": _is_secret, "cluster-admin": _is_cluster_admin, "node": _is_node,
    "sensitive": _is_sensitive_workload, "any-pod": _is_pod, "aws-admin": _is_aws_admin,
    "aws-secret": _is_aws_secret, "s3": _is_bucket, "data-store": _is_data_store,
}


def _fail(problem: str, forms: tuple[str, ...], suggestions: Iterable[str] = ()) -> SelectorError:
    hint = list(suggestions)
    close = f" Did you mean: {', '.join(hint)}?" if hint else ""
    return SelectorError(f"{problem}.{close} Valid forms: {', '.join(forms)}.")


def _selector_list(spec: str | Iterable[str], forms: tuple[str, ...]) -> list[str]:
    selectors = [spec] if isinstance(spec, str) else list(spec)
    if not selectors:
        raise _fail("no selector given", forms)
    return selectors


def _matching(graph: nx.MultiDiGraph, predicate: Predicate) -> set[str]:
    return {vertex for vertex, attrs in graph.nodes(data=True) if predicate(vertex, attrs)}


def _close_ids(graph: nx.MultiDiGraph, wanted: str) -> list[str]:
    """Ids of the same family (``k8s:Pod:``, ``hub:pods-exec:``, ...) that look like ``wanted``.

    Candidates from the same namespace are preferred, so a typo in a pod name is compared
    against that namespace's pods rather than the whole estate.
    """
    if wanted.count(":") < 2:
        return []
    family = wanted[: wanted.index(":", wanted.index(":") + 1) + 1]
    candidates = [vertex for vertex in graph if vertex.startswith(family)]
    namespace_prefix = wanted.rsplit("/", 1)[0] + "/" if "/" in wanted else None
    if namespace_prefix:
        same_namespace = [c for c in candidates if c.startswith(namespace_prefix)]
        candidates = same_namespace or candidates
    return difflib.get_close_matches(wanted, candidates, n=5)


def _reference_id(selector: str, forms: tuple[str, ...]) -> str:
    """The vertex id (or id glob) a ``pod:``/``sa:`` reference stands for."""
    prefix, _, rest = selector.partition(":")
    namespace, slash, name = rest.partition("/")
    if not (slash and namespace and name):
        raise _fail(f"selector {selector!r} must be {prefix}:<namespace>/<name>", forms)
    return ids.k8s_id(_REFERENCE_KINDS[prefix], name, namespace)


def _resolve_ids(graph: nx.MultiDiGraph, selector: str, forms: tuple[str, ...],
                 written: str) -> set[str]:
    """Resolve an exact id or a glob; ``written`` is the selector as the user typed it."""
    if selector in graph:
        return {selector}
    if _GLOB_CHARACTERS.intersection(selector):
        pattern = re.compile(fnmatch.translate(selector))
        found = {vertex for vertex in graph if pattern.match(vertex)}
        if not found:
            raise _fail(f"glob {written!r} matches no vertex", forms)
        return found
    holder = _replica_class(graph, selector)
    if holder is not None:
        return {holder}
    suggestions = _close_ids(graph, selector)
    if written != selector:
        prefix = written.partition(":")[0]
        parsed = (ids.parse(s) for s in suggestions)
        suggestions = [f"{prefix}:{p.namespace}/{p.name}" for p in parsed]
        raise _fail(f"{written!r} names no {ids.parse(selector).kind} in the graph", forms,
                    suggestions)
    raise _fail(f"no vertex has id {written!r}", forms, suggestions)


def _replica_class(graph: nx.MultiDiGraph, vertex_id: str) -> str | None:
    """The replica class vertex a live pod's id was folded into, if any."""
    if not vertex_id.startswith("k8s:Pod:"):
        return None
    wanted = ids.parse(vertex_id)
    return next((vertex for vertex, replicas in graph.nodes(data="replicas")
                 if replicas and wanted.name in replicas
                 and ids.parse(vertex).namespace == wanted.namespace), None)


def _resolve_one(graph: nx.MultiDiGraph, selector: str, classes: dict[str, Predicate],
                 forms: tuple[str, ...], role: str) -> set[str]:
    written = selector.strip()
    if not written:
        raise _fail(f"empty {role} selector", forms)
    predicate = classes.get(written)
    if predicate is not None:
        return _matching(graph, predicate)
    other_role, other = (("target", _TARGET_CLASSES) if classes is _SOURCE_CLASSES
                         else ("source", _SOURCE_CLASSES))
    if written in other:
        raise _fail(f"{written!r} is a {other_role} selector, not a {role} selector", forms)
    prefix = written.partition(":")[0]
    if prefix in _REFERENCE_KINDS:
        return _resolve_ids(graph, _reference_id(written, forms), forms, written)
    if ":" not in written and written not in graph:
        keywords = difflib.get_close_matches(written, list(classes), n=3)
        raise _fail(f"unknown {role} selector {written!r}", forms, keywords)
    return _resolve_ids(graph, written, forms, written)


def resolve_sources(graph: nx.MultiDiGraph, spec: str | Iterable[str]) -> set[str]:
    """The vertices a ``--from`` selector (or the union of several) stands for.

    Parameters
    ----------
    graph
        The attack graph.
    spec
        One selector or an iterable of them: ``internet`` (vertices with ``entry``),
        ``any-pod``, ``pod:<ns>/<name>``, ``sa:<ns>/<name>``, a vertex id, or an
        ``fnmatch`` glob on ids such as ``k8s:Pod:shop/*``.

    Returns
    -------
    set of str
        Vertex ids; empty when a class selector matches nothing.

    Raises
    ------
    riskgraph.errors.SelectorError
        A selector is malformed, or a reference, id or glob names no vertex.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("internet", kind="Internet", entry=True)
    >>> g.add_node("k8s:Pod:shop/web", kind="Pod")
    >>> g.add_node("k8s:Pod:shop/worker", kind="Pod")
    >>> sorted(resolve_sources(g, ["internet", "pod:shop/web"]))
    ['internet', 'k8s:Pod:shop/web']
    >>> sorted(resolve_sources(g, "k8s:Pod:shop/w*"))
    ['k8s:Pod:shop/web', 'k8s:Pod:shop/worker']
    >>> resolve_sources(g, "pod:shop/webb")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    riskgraph.errors.SelectorError: 'pod:shop/webb' names no Pod in the graph. Did you mean: ...
    """
    found: set[str] = set()
    for selector in _selector_list(spec, SOURCE_FORMS):
        found |= _resolve_one(graph, selector, _SOURCE_CLASSES, SOURCE_FORMS, "source")
    return found


def resolve_targets(graph: nx.MultiDiGraph, spec: str | Iterable[str],
                    sensitive: Iterable[str] = ()) -> set[str]:
    """The vertices a ``--to`` selector (or the union of several) stands for.

    Parameters
    ----------
    graph
        The attack graph.
    spec
        One selector or an iterable of them: ``secret`` (Kubernetes Secrets, Secrets
        Manager secrets and SecureString parameters, and the capability hubs that stand for
        any secret of a scope where the input holds none), ``cluster-admin``, ``node`` (nodes and
        node pools), ``sensitive``, ``aws-admin`` (full control of an AWS account),
        ``aws-secret`` (the AWS secrets alone), ``s3`` (buckets), ``data-store`` (buckets,
        ECR repositories, KMS keys, tables, RDS databases, ElastiCache caches, OpenSearch
        domains, Redshift clusters), ``any-pod``, ``pod:<ns>/<name>``,
        ``sa:<ns>/<name>``, a vertex id, or an ``fnmatch`` glob on ids.
    sensitive
        Extra target selectors whose vertices ``sensitive`` also stands for, besides the
        workloads marked ``riskgraph.io/sensitive``. They are checked even when ``spec``
        does not use ``sensitive``, so a typo never goes unnoticed.

    Returns
    -------
    set of str
        Vertex ids; empty when a class selector matches nothing.

    Raises
    ------
    riskgraph.errors.SelectorError
        A selector is malformed, or a reference, id or glob names no vertex.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("k8s:Secret:shop/db", kind="Secret", crown_jewel="secret")
    >>> g.add_node("k8s:Pod:shop/pay", kind="Pod", crown_jewel="sensitive-workload")
    >>> g.add_node("k8s:Pod:shop/cart", kind="Pod")
    >>> sorted(resolve_targets(g, "secret"))
    ['k8s:Secret:shop/db']
    >>> sorted(resolve_targets(g, "sensitive", sensitive=["pod:shop/cart"]))
    ['k8s:Pod:shop/cart', 'k8s:Pod:shop/pay']
    >>> resolve_targets(g, "node")
    set()
    """
    extra: set[str] = set()
    for selector in [sensitive] if isinstance(sensitive, str) else sensitive:
        extra |= _resolve_one(graph, selector, _TARGET_CLASSES, TARGET_FORMS, "sensitive")
    found: set[str] = set()
    for selector in _selector_list(spec, TARGET_FORMS):
        found |= _resolve_one(graph, selector, _TARGET_CLASSES, TARGET_FORMS, "target")
        if selector.strip() == "sensitive":
            found |= extra
    return found
