"""rbac.workload-patch: patch or update on a pod controller rewrites its pod template.

The controller then starts pods from the attacker's template: any service account of the
namespace, and (unless Pod Security forbids it) a privileged pod on any node pool, as for
``rbac.create-pod``. Jobs are left out: a Job's template is immutable. ``resourceNames``
does not narrow the reach (the template is the attacker's either way) but needs a
controller of that name in scope to patch. As for create-pod, a binding that may also
patch the Namespace relabels its Pod Security level away.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.rbac_hubs import (
    Target,
    hub_edges,
    pod_runner_targets,
    relabel_edges,
)
from riskgraph.techniques._shared.rbac_rules import (
    Grant,
    accesses,
    always_certain,
    binding_vertex,
    grants,
    home_namespace,
)

CAPABILITY = "workload-patch"

#: Controllers whose template can change after creation, by resource.
CONTROLLER_KINDS = {"deployments": "Deployment", "daemonsets": "DaemonSet",
                    "statefulsets": "StatefulSet", "replicasets": "ReplicaSet",
                    "replicationcontrollers": "ReplicationController", "cronjobs": "CronJob"}


def _targets(inv: Inventory, namespace: str) -> Iterator[Target]:
    return pod_runner_targets(inv, namespace, "whoever can rewrite a pod controller's "
                              f"template in namespace {namespace}")


def _named_entries(inv: Inventory, named: list[Grant]) -> Iterator[tuple[str, Edge]]:
    """(namespace, entry edge) for each named grant that names an existing controller."""
    controllers: dict[tuple[str, str], list[str]] = {}
    for pod in inv.pods:
        if pod.template_of is not None:
            kind, _, name = pod.template_of.partition("/")
            controllers.setdefault((kind, name), []).append(pod.metadata.namespace or "default")
    seen: set[tuple[str, str]] = set()
    for grant in named:
        source, home = binding_vertex(grant.binding), home_namespace(grant.binding)
        kind = CONTROLLER_KINDS[grant.resource]
        for name in sorted(grant.names or ()):
            for namespace in controllers.get((kind, name), ()):
                if (home is None or namespace == home) and (source, namespace) not in seen:
                    seen.add((source, namespace))
                    yield namespace, Edge(
                        source, ids.hub_id(CAPABILITY, ids.ns_scope(namespace)),
                        f"{grant.phrase}, and {kind} {namespace}/{name} exists", grant.evidence)


def find(inv: Inventory) -> Iterator[Edge]:
    found = list(grants(inv, ("patch", "update"), tuple(CONTROLLER_KINDS)))
    whole = accesses((g for g in found if g.names is None), always_certain)
    named = list(_named_entries(inv, [g for g in found if g.names is not None]))
    yield from (edge for _, edge in named)
    yield from hub_edges(inv, CAPABILITY, whole, lambda ns: _targets(inv, ns),
                         "rewrite pod templates", [namespace for namespace, _ in named])
    yield from relabel_edges(inv, CAPABILITY, whole,
                             "whoever can rewrite a pod controller's template")


def _binding(rule: str) -> str:
    return f"""
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec:
  template:
    spec:
      containers: [{{name: nginx, image: nginx}}]
---
kind: Role
metadata: {{name: deployer, namespace: shop}}
rules: [{rule}]
---
kind: RoleBinding
metadata: {{name: deployers, namespace: shop}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}}
subjects: [{{kind: ServiceAccount, name: ci}}]
"""


_REACH = frozenset({("k8s:RoleBinding:shop/deployers", "hub:workload-patch:ns/shop"),
                    ("hub:workload-patch:ns/shop", "k8s:ServiceAccount:shop/default"),
                    ("hub:workload-patch:ns/shop", "k8s:NodePool:any")})

TECHNIQUE = Technique(
    id="rbac.workload-patch",
    title="RBAC allows rewriting pod controllers",
    severity="high",
    mitre="T1610",
    remediation="Limit patch and update on deployments, daemonsets, statefulsets, "
                "replicasets, replicationcontrollers and cronjobs to deployment pipelines; "
                "enforce the 'baseline' or 'restricted' Pod Security level on the namespace "
                "and keep powerful service accounts out of namespaces where others can "
                "change workloads.",
    cost=2.0,
    find=find,
    fix_point="source",
    examples=(
        Example(
            "patch deployments runs as every account and, without PSA, on every pool",
            _binding("{apiGroups: [apps], resources: [deployments], verbs: [patch]}"),
            _REACH,
        ),
        Example(
            "update by the name of an existing deployment reaches just as far",
            _binding("{apiGroups: [apps], resources: [deployments], verbs: [update], "
                     "resourceNames: [web]}"),
            _REACH,
        ),
        Example(
            "jobs (immutable template), a name no controller has, get only, core group",
            _binding("{apiGroups: [batch], resources: [jobs], verbs: [patch]}, "
                     "{apiGroups: [apps], resources: [deployments], verbs: [patch], "
                     "resourceNames: [api]}, "
                     "{apiGroups: [apps], resources: [statefulsets], verbs: [get]}, "
                     '{apiGroups: [""], resources: [deployments], verbs: [patch]}'),
        ),
    ),
)
