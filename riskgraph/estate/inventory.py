"""The Inventory: every object read, with the API server's defaults applied and indexed.

Techniques read only the Inventory. Workload controllers become template pods here (one
per controller, named after it), so a live cluster and a folder of manifests look alike.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain, repeat

from riskgraph.errors import Problem
from riskgraph.estate.aws_auth import AwsAuthMapping, aws_auth_mappings
from riskgraph.estate.aws_inventory import AwsInventory
from riskgraph.estate.binding_checks import binding_problems
from riskgraph.estate.builtin_roles import builtin_roles
from riskgraph.estate.placed import PodPlacements
from riskgraph.estate.replicas import ReplicaClasses, controller_of
from riskgraph.estate.scheduling import NodePool, Placement
from riskgraph.models import (
    AWS_AUTH,
    WORKLOAD_KINDS,
    ConfigMap,
    Ingress,
    K8sObject,
    Namespace,
    NetworkPolicy,
    Node,
    Pod,
    PodMonitor,
    Role,
    RoleBinding,
    Secret,
    SecretProviderClass,
    SecurityGroupPolicy,
    Service,
    ServiceAccount,
    ServiceMonitor,
    WebhookConfiguration,
    Workload,
)

CLUSTER_SCOPED = frozenset({"Namespace", "Node", "ClusterRole", "ClusterRoleBinding",
                            "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"})

# A controller whose owner is also in the input adds nothing: the owner's template covers it.
_OWNER_COVERS = {"ReplicaSet": "Deployment", "Job": "CronJob"}


#: The Inventory list each model type goes to.
_LIST_OF: dict[type, str] = {
    Pod: "pods", ServiceAccount: "service_accounts", Secret: "secrets",
    ConfigMap: "config_maps", Role: "roles", RoleBinding: "bindings", Service: "services",
    Ingress: "ingresses", NetworkPolicy: "network_policies", Namespace: "namespaces",
    Node: "nodes", SecretProviderClass: "secret_provider_classes",
    SecurityGroupPolicy: "security_group_policies", ServiceMonitor: "service_monitors",
    PodMonitor: "pod_monitors", WebhookConfiguration: "webhook_configurations",
}


@dataclass
class Inventory:
    """Everything riskgraph knows about the estate, ready for techniques to read.

    Build it with :meth:`from_objects`; the lists are the objects as read (with defaults
    applied) and the methods are indexed lookups.
    """

    pods: list[Pod] = field(default_factory=list)
    service_accounts: list[ServiceAccount] = field(default_factory=list)
    secrets: list[Secret] = field(default_factory=list)
    config_maps: list[ConfigMap] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    bindings: list[RoleBinding] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    ingresses: list[Ingress] = field(default_factory=list)
    network_policies: list[NetworkPolicy] = field(default_factory=list)
    namespaces: list[Namespace] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    secret_provider_classes: list[SecretProviderClass] = field(default_factory=list)
    security_group_policies: list[SecurityGroupPolicy] = field(default_factory=list)
    service_monitors: list[ServiceMonitor] = field(default_factory=list)
    pod_monitors: list[PodMonitor] = field(default_factory=list)
    webhook_configurations: list[WebhookConfiguration] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    unknown_kinds: Counter[str] = field(default_factory=Counter)
    sources: list[str] = field(default_factory=list)
    #: Node pool name -> its nodes (see :mod:`riskgraph.estate.scheduling`).
    pools: dict[str, list[Node]] = field(default_factory=dict)
    #: The cluster-wide Pod Security ``enforce`` level for namespaces without the label
    #: (the PodSecurity admission plugin's ``defaults``); ``privileged`` unless configured.
    pod_security_default: str = "privileged"
    #: Whether NetworkPolicies are enforced (``--network-policy``); None: detect it from
    #: the input (see :mod:`riskgraph.netpol.enforcement`).
    network_policy_enforcement: bool | None = None
    #: Which listening ports reaching counts as compromising (``--assume-exploitable``):
    #: ``app`` ports (not metrics, health or webhook ones), ``all`` or ``none``.
    assume_exploitable: str = "app"
    #: The mappings of the kube-system/aws-auth ConfigMap, read once here.
    aws_auth: list[AwsAuthMapping] = field(default_factory=list)
    #: The AWS account(s) read alongside the cluster; empty when none was given.
    aws: AwsInventory = field(default_factory=AwsInventory)
    _origins: dict[tuple[str, str | None, str], str] = field(default_factory=dict, repr=False)
    #: Each object's file and line as one int, ``file index << 32 | line`` (150,000 pods).
    _places: dict[tuple[str, str | None, str], int] = field(default_factory=dict, repr=False)
    _place_files: list[str] = field(default_factory=list, repr=False)

    @classmethod
    def from_objects(
        cls,
        objects: Iterable[K8sObject],
        problems: Iterable[Problem] = (),
        unknown_kinds: Counter[str] | None = None,
        sources: Iterable[str] = (),
        origins: Iterable[str] | None = None,
        aws: AwsInventory | None = None,
        default_namespace: str = "default",
        lines: Sequence[int] = (),
        per_pod: bool = False,
        known_alike: Mapping[int, int] | None = None,
    ) -> Inventory:
        """Collect parsed objects, apply API defaults, expand workload templates, index.

        ``origins`` names the file (or API source) of each object, in the same order, so
        that problems found here can say where the object came from. ``aws`` is the AWS
        data read with them, not yet finished (see :meth:`AwsInventory.finish`).
        Namespaced objects read without a namespace go to ``default_namespace``, as
        ``kubectl apply -n`` would put them. ``lines``: each object's first line (0: unknown).
        Alike live replicas of a workload become one pod (:mod:`~riskgraph.estate.replicas`)
        unless ``per_pod``; ``known_alike`` groups pods the reader found alike, by ``id``
        (see :meth:`~riskgraph.estate.replicas.ReplicaClasses.fold`).
        """
        inv = cls(problems=list(problems), unknown_kinds=Counter(unknown_kinds or {}),
                  sources=list(sources), aws=aws if aws is not None else AwsInventory())
        workloads: list[Workload] = []
        seen: dict[tuple[str, str | None, str], str] = {}
        placed: dict[tuple[str, str], str] = {}
        files: dict[str, int] = {}
        for obj, origin, line in zip(objects, repeat("input") if origins is None else origins,
                                     chain(lines, repeat(0)), strict=False):
            if obj.kind not in CLUSTER_SCOPED and not obj.metadata.namespace:
                obj.metadata.namespace = default_namespace
                placed.setdefault((obj.kind, obj.metadata.name), origin)
            key = (obj.kind, obj.metadata.namespace, obj.metadata.name)
            if key in seen:
                inv.problems.append(Problem(origin, f"duplicate object, the copy in "
                                            f"{seen[key]} is kept", obj=obj.ref))
                continue
            seen[key] = origin
            inv._places[key] = files.setdefault(origin, len(files)) << 32 | line
            if obj.kind in WORKLOAD_KINDS or isinstance(obj, (RoleBinding, SecretProviderClass)) \
                    or key == ("ConfigMap", *AWS_AUTH):
                inv._origins[key] = origin
            inv.counts[obj.kind] += 1
            if isinstance(obj, Workload):
                workloads.append(obj)
            else:
                inv._add(obj)
        inv._place_files = list(files)
        inv._add_templates(workloads)
        if not per_pod:
            selectors = (inv.network_policies, inv.services, inv.security_group_policies,
                         inv.service_monitors, inv.pod_monitors)
            inv.pods = ReplicaClasses(" ".join(map(repr, chain(*selectors)))).fold(
                inv.pods, lambda pod: controller_of(pod.metadata), known_alike)
        inv._add_builtin_roles()
        inv._index()
        inv.problems.extend(binding_problems(
            inv.bindings, inv.role_for, lambda ns, name: (ns, name) in inv._sa_objects,
            inv._origin_of, placed, default_namespace))
        inv.aws_auth, aws_auth_problems = aws_auth_mappings(
            inv.config_maps, source=inv._origin_of("ConfigMap", *AWS_AUTH))
        inv.problems.extend(aws_auth_problems)
        for provider_class in inv.secret_provider_classes:
            inv.problems.extend(provider_class.aws_objects(source=inv._origin_of(
                provider_class.kind, provider_class.namespace, provider_class.name))[1])
        inv.problems.extend(inv.aws.finish(inv.nodes))
        return inv

    def location(self, kind: str, namespace: str | None, name: str) -> tuple[str, int] | None:
        """The file (or API source) and line (0: unknown) of an object read; else None."""
        packed = self._places.get((kind, namespace, name))
        return None if packed is None else (self._place_files[packed >> 32], packed & 0xFFFFFFFF)

    def _origin_of(self, kind: str, namespace: str | None, name: str) -> str:
        return self._origins.get((kind, namespace, name), "input")

    def _add(self, obj: K8sObject) -> None:
        getattr(self, _LIST_OF[type(obj)]).append(obj)

    def _add_templates(self, workloads: list[Workload]) -> None:
        present = {(w.kind, w.metadata.namespace, w.name) for w in workloads}
        for w in workloads:
            owner_kind = _OWNER_COVERS.get(w.kind)
            if owner_kind and any((o.kind, w.metadata.namespace, o.name) in present
                                  for o in w.metadata.owner_references if o.kind == owner_kind):
                continue
            template = w.spec.pod_template
            if template is None:
                self.problems.append(Problem(self._origin_of(w.kind, w.namespace, w.name),
                                             "workload has no pod template", obj=w.ref))
                continue
            meta = dataclasses.replace(template.metadata, name=w.name,
                                       namespace=w.metadata.namespace)
            self.pods.append(Pod(kind="Pod", api_version="v1", metadata=meta, spec=template.spec,
                                 template_of=f"{w.kind}/{w.name}", workload_metadata=w.metadata))

    def _add_builtin_roles(self) -> None:
        have = {(r.kind, r.metadata.namespace if r.kind == "Role" else None, r.name)
                for r in self.roles}
        self.roles.extend(r for r in builtin_roles()
                          if (r.kind, r.metadata.namespace, r.name) not in have)

    def _index(self) -> None:
        self._pods_by_ns: dict[str, list[Pod]] = defaultdict(list)
        self._label_index: dict[tuple[str, str, str], list[Pod]] = defaultdict(list)
        for pod in self.pods:
            ns = pod.metadata.namespace or "default"
            self._pods_by_ns[ns].append(pod)
            for key, value in pod.metadata.labels.items():
                self._label_index[(ns, key, value)].append(pod)
        self._roles = {(r.kind, r.metadata.namespace if r.kind == "Role" else None, r.name): r
                       for r in self.roles}
        self._sa_objects = {(sa.metadata.namespace or "default", sa.name): sa
                            for sa in self.service_accounts}
        sa_names: dict[str, set[str]] = defaultdict(lambda: {"default"})
        for ns, name in self._sa_objects:
            sa_names[ns].add(name)
        for pod in self.pods:
            sa_names[pod.metadata.namespace or "default"].add(pod.spec.effective_service_account)
        self._sa_names = {ns: sorted(names) for ns, names in sa_names.items()}
        self._secrets_by_ns: dict[str, list[Secret]] = defaultdict(list)
        for secret in self.secrets:
            self._secrets_by_ns[secret.metadata.namespace or "default"].append(secret)
        self._namespace_objects = {ns.name: ns for ns in self.namespaces}
        self._spcs = {(c.metadata.namespace or "default", c.name): c
                      for c in self.secret_provider_classes}
        self._placed = PodPlacements(self.nodes, self.pods, self._origin_of)
        self.pools = {name: pool.nodes for name, pool in self._placed.pools.items()}
        self.problems.extend(self._placed.problems)

    # Lookups -------------------------------------------------------------------------

    @cached_property
    def namespace_names(self) -> list[str]:
        """Every namespace the input mentions, sorted."""
        names = {ns.name for ns in self.namespaces}
        for objects in (self.pods, self.service_accounts, self.secrets, self.services,
                        self.ingresses, self.config_maps, self.network_policies):
            names.update(o.metadata.namespace or "default" for o in objects)
        names.update(b.metadata.namespace or "default" for b in self.bindings
                     if b.kind == "RoleBinding")
        return sorted(names)

    def namespace(self, name: str) -> Namespace | None:
        return self._namespace_objects.get(name)

    def pods_in(self, namespace: str) -> list[Pod]:
        return self._pods_by_ns.get(namespace, [])

    def pods_matching(self, namespace: str, selector: dict[str, str]) -> list[Pod]:
        """Pods of ``namespace`` whose labels include every pair of a non-empty ``selector``
        (an empty one selects nothing, as for a Service without a selector)."""
        if not selector:
            return []
        candidates = min((self._label_index.get((namespace, k, v), []) for k, v in
                          selector.items()), key=len)
        return [p for p in candidates
                if all(p.metadata.labels.get(k) == v for k, v in selector.items())]

    def secrets_in(self, namespace: str) -> list[Secret]:
        return self._secrets_by_ns.get(namespace, [])

    def service_account(self, namespace: str, name: str) -> ServiceAccount | None:
        return self._sa_objects.get((namespace, name))

    def service_account_names(self, namespace: str) -> list[str]:
        """Service accounts of a namespace: those read, those pods use, and ``default``."""
        return self._sa_names.get(namespace, ["default"])

    def secret_provider_class(self, namespace: str, name: str) -> SecretProviderClass | None:
        """A SecretProviderClass by namespace and name (what a CSI volume's
        ``secretProviderClass`` attribute names, in the pod's namespace)."""
        return self._spcs.get((namespace, name))

    def role_for(self, binding: RoleBinding) -> Role | None:
        """The Role or ClusterRole a binding grants, or None when it is not in the input."""
        ref = binding.role_ref
        namespace = binding.metadata.namespace if ref.kind == "Role" else None
        return self._roles.get((ref.kind, namespace, ref.name))

    @property
    def node_pools(self) -> dict[str, NodePool]:
        """The node pools with the labels and taints their nodes share, by name."""
        return self._placed.pools

    def placements(self, pod: Pod) -> list[Placement]:
        """The node a pod runs on, or the node pools it may land on (none when it fits
        none). The list may be shared with other pods: do not modify it."""
        return self._placed.of(pod)
