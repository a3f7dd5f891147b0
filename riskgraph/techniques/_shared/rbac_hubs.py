"""Aggregation hubs of the ``rbac.*`` techniques and the targets they lead to.

One grant that reaches many objects goes ``binding -> hub:<capability>:ns/<ns> -> each
object`` (a cluster-wide one through ``hub:<capability>:cluster`` first), so the edge count
is a sum of bindings, namespaces and objects, never a product.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from riskgraph import ids
from riskgraph.edges import Reason
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge
from riskgraph.techniques._shared.common import pod_id
from riskgraph.techniques._shared.rbac_rules import (
    Access,
    binding_vertex,
    grants_by_binding,
    home_namespace,
    json_text,
)

#: Cost of a step out of an aggregation hub: the grant itself was paid for on the way in.
HUB_COST = 0.1

PSA_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
_FORBIDS_PRIVILEGED = frozenset({"baseline", "restricted"})


class Target(NamedTuple):
    """An object a hub leads to; ``name`` is what ``resourceNames`` matches (None: nothing)."""

    vertex: str
    name: str | None
    reason: str | Reason
    evidence: tuple[str, ...] = ()



def hub_edges(
    inv: Inventory,
    capability: str,
    found: Iterable[Access],
    targets_in: Callable[[str], Iterable[Target]],
    doing: str,
    entered_elsewhere: Iterable[str | None] = (),
    enter_empty: bool = False,
) -> Iterator[Edge]:
    """Edges from bindings to what they reach, through one hub per (capability, scope).

    Parameters
    ----------
    inv
        The estate.
    capability
        Hub name part: ``binding -> hub:<capability>:ns/<ns> -> each target``, and for a
        cluster-wide binding ``-> hub:<capability>:cluster -> hub:<capability>:ns/<each>``.
    found
        The bindings' accesses; a named access goes straight to the named objects.
    targets_in
        The targets of one namespace.
    doing
        Completes "a cluster-wide grant to ..." in the cluster hub's reasons.
    entered_elsewhere
        Namespaces (None: the cluster hub) whose hubs the caller's own edges enter, so
        they fan out here too.
    enter_empty
        Enter a hub even when its scope holds no target in the input: the capability
        itself is worth reporting (reading every secret, when the input holds none).

    Yields
    ------
    Edge
        Entry edges with the access's confidence; hub fan-out edges ``certain`` at
        :data:`HUB_COST`. A hub is entered, and fans out, only when its scope holds a
        target, so the edge count is a sum of bindings, namespaces and objects.
    """
    cache: dict[str, list[Target]] = {}

    def targets(namespace: str) -> list[Target]:
        if namespace not in cache:
            cache[namespace] = list(targets_in(namespace))
        return cache[namespace]

    def hub(namespace: str) -> str:
        return ids.hub_id(capability, ids.ns_scope(namespace))

    namespaces = inv.namespace_names  # computed per call by the Inventory: read it once
    entered: dict[str, None] = {}
    cluster_hub = ids.hub_id(capability, ids.CLUSTER_SCOPE)
    cluster_entered = False
    by_name: dict[str, list[tuple[str, Target]]] | None = None
    for access in found:
        source, home = binding_vertex(access.binding), home_namespace(access.binding)
        if access.names is not None:
            if by_name is None:
                by_name = _name_index(namespaces, targets)
            for name in sorted(access.names):
                for namespace, target in by_name.get(name, ()):
                    if home is None or namespace == home:
                        yield Edge(source, target.vertex, access.reason, access.evidence,
                                   access.confidence)
        elif home is not None and (enter_empty or targets(home)):
            entered[home] = None
            yield Edge(source, hub(home), access.reason, access.evidence, access.confidence)
        elif home is None and (enter_empty or any(targets(ns) for ns in namespaces)):
            cluster_entered = True
            yield Edge(source, cluster_hub, access.reason, access.evidence, access.confidence)
    for scope in entered_elsewhere:
        if scope is None:
            cluster_entered = True
        elif targets(scope):
            entered[scope] = None
    if cluster_entered:
        for namespace in namespaces:
            if targets(namespace):
                entered[namespace] = None
                yield Edge(cluster_hub, hub(namespace),
                           f"a cluster-wide grant to {doing} applies in namespace {namespace}",
                           (), "certain", HUB_COST)
    for namespace in entered:
        for target in targets(namespace):
            yield Edge(hub(namespace), target.vertex, target.reason, target.evidence,
                       "certain", HUB_COST)


def _name_index(
    namespaces: Iterable[str], targets: Callable[[str], list[Target]]
) -> dict[str, list[tuple[str, Target]]]:
    index: dict[str, list[tuple[str, Target]]] = {}
    for namespace in namespaces:
        for target in targets(namespace):
            if target.name is not None:
                index.setdefault(target.name, []).append((namespace, target))
    return index


# Targets ------------------------------------------------------------------------------

def pod_targets(inv: Inventory, namespace: str, who: str, does: str) -> Iterator[Target]:
    """Each pod of the namespace ("<who> <does> pod ns/name"); live pods by name, so
    ``resourceNames`` can select them (a template's pods get generated names)."""
    for pod in inv.pods_in(namespace):
        yield Target(pod_id(pod), pod.name if pod.template_of is None else None,
                     Reason("{} {} pod {}/{}", who, does, namespace, pod.name))


def run_as_targets(inv: Inventory, namespace: str, who: str) -> Iterator[Target]:
    """Each service account of the namespace: a pod created there may run as it."""
    for name in inv.service_account_names(namespace):
        yield Target(ids.k8s_id("ServiceAccount", name, namespace), name,
                     f"{who} can run a pod as service account {namespace}/{name} and use "
                     "its token")


def _psa_label(inv: Inventory, namespace: str) -> str | None:
    ns_object = inv.namespace(namespace)
    return ns_object.metadata.labels.get(PSA_ENFORCE_LABEL) if ns_object else None


def psa_level(inv: Inventory, namespace: str) -> str | None:
    """The Pod Security Admission ``enforce`` level of a namespace: its label, else the
    cluster's configured default (None when that is ``privileged``, the built-in default)."""
    label = _psa_label(inv, namespace)
    if label is not None:
        return label
    default = inv.pod_security_default
    return None if default == "privileged" else default


def forbids_privileged(level: str | None) -> bool:
    """Whether a Pod Security level keeps privileged pods out (baseline and restricted)."""
    return level is not None and level.lower() in _FORBIDS_PRIVILEGED


def _psa_evidence(inv: Inventory, namespace: str, level: str) -> str:
    if _psa_label(inv, namespace) is None:
        return f"cluster: PodSecurity admission defaults.enforce={json_text(level)}"
    return (f"{ids.k8s_id('Namespace', namespace)}: "
            f"metadata.labels.{PSA_ENFORCE_LABEL}={json_text(level)}")


def pod_runner_targets(inv: Inventory, namespace: str, who: str) -> Iterator[Target]:
    """What running a pod of one's own choosing in a namespace reaches: its service accounts
    and, unless Pod Security forbids privileged pods there, every node pool."""
    yield from run_as_targets(inv, namespace, who)
    yield from privileged_pool_targets(inv, namespace, who)


def privileged_pool_targets(inv: Inventory, namespace: str, who: str) -> Iterator[Target]:
    """Each node pool, unless Pod Security Admission forbids privileged pods in the
    namespace (``enforce`` label ``baseline`` or ``restricted``)."""
    level = psa_level(inv, namespace)
    if forbids_privileged(level):
        return
    proof: tuple[str, ...] = ()
    if level is None:
        why = f"namespace {namespace} enforces no Pod Security level"
    else:
        why = f"namespace {namespace} enforces Pod Security level {level}"
        proof = (_psa_evidence(inv, namespace, level),)
    for pool in inv.pools:
        yield Target(ids.node_pool_id(pool), None,
                     f"{why}, so {who} can run a privileged pod on node pool {pool} and "
                     "escape to its nodes", proof)


def relabel_edges(inv: Inventory, capability: str, found: Iterable[Access],
                  who: str) -> Iterator[Edge]:
    """Node pools reached by bindings that run pods where Pod Security blocks privileged
    ones but may also patch (or update) that Namespace: they set its ``enforce`` label to
    ``privileged`` first.

    Goes ``binding -> hub:<capability>-relabel:cluster -> each pool``; the hub is entered
    and fans out only when some binding qualifies.
    """
    patchers = grants_by_binding(inv, ("patch", "update"), ("namespaces",))
    if not patchers:
        return
    blocked: dict[str, str] = {}
    for namespace in inv.namespace_names:
        level = psa_level(inv, namespace)
        if level is not None and forbids_privileged(level):
            blocked[namespace] = level
    hub = ids.hub_id(f"{capability}-relabel", ids.CLUSTER_SCOPE)
    entered = False
    for access in found:
        source = binding_vertex(access.binding)
        home = home_namespace(access.binding)
        if access.names is not None or source not in patchers:
            continue
        scope = [home] if home is not None else list(blocked)
        reachable = []
        for namespace in scope:
            if namespace in blocked:
                grant = next((g for g in patchers[source]
                              if g.names is None or namespace in g.names), None)
                if grant is not None:
                    reachable.append((namespace, grant))
        if not reachable:
            continue
        namespace, grant = reachable[0]
        more = f" (and {len(reachable) - 1} more)" if len(reachable) > 1 else ""
        entered = True
        yield Edge(source, hub,
                   f"{access.reason}; it also {grant.allowance}, so it "
                   f"can set label {PSA_ENFORCE_LABEL} of namespace {namespace}{more} from "
                   f"{blocked[namespace]} to privileged and run a privileged pod there",
                   tuple(dict.fromkeys((*access.evidence, *grant.evidence,
                                        _psa_evidence(inv, namespace,
                                                      blocked[namespace])))))
    if entered:
        for pool in inv.pools:
            yield Edge(hub, ids.node_pool_id(pool),
                       f"{who} in a namespace whose Pod Security label it may change can run a "
                       f"privileged pod on node pool {pool} and escape to its nodes", (),
                       "certain", HUB_COST)
