"""Whether anything enforces NetworkPolicies: the API server stores them, only the
network plugin (or a policy engine beside it) acts on them.

Detection reads the pods and DaemonSet templates of the inventory for a known engine,
by name or image: Calico (``calico-node``), Cilium, Antrea, kube-router, Weave Net
(``weave-npc``). The Amazon VPC CNI ships its policy agent (``aws-eks-nodeagent``, image
``aws-network-policy-agent``) inside ``aws-node``, disabled unless switched on; the switch
is read (:mod:`riskgraph.netpol.vpc_cni`) from the EKS add-on ``vpc-cni``'s configuration
(``enableNetworkPolicy``) or the ``kube-system/amazon-vpc-cni`` ConfigMap
(``enable-network-policy-controller``). With neither in the input, the agent alone leaves
the answer unknown and says so; a switch read off says the VPC CNI does not enforce (an
engine outside the input still may).

>>> from riskgraph.estate.inventory import Inventory
>>> from riskgraph.models import Pod
>>> calico = Pod.model_validate({"metadata": {"name": "calico-node-x2", "namespace":
...     "calico-system"}, "spec": {"containers": [{"name": "calico-node",
...     "image": "docker.io/calico/node:v3.27.0"}]}})
>>> detect(Inventory.from_objects([calico]))
(True, ('Calico: calico-system/calico-node-x2 runs docker.io/calico/node:v3.27.0',))
>>> detect(Inventory.from_objects([]))
(None, ())
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from riskgraph.estate.derived import derived
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Container, Pod
from riskgraph.netpol.vpc_cni import policy_switch

#: Engine -> pattern matched against container images and pod or container names.
ENGINES: dict[str, re.Pattern[str]] = {
    "Calico": re.compile(r"calico[/-]node|^calico-node"),
    "Cilium": re.compile(r"cilium/cilium|^cilium(-agent)?(-[a-z0-9]{5})?$"),
    "Antrea": re.compile(r"antrea[/-]|^antrea-agent"),
    "kube-router": re.compile(r"kube-router"),
    "Weave Net": re.compile(r"weave-npc|weaveworks/weave-npc"),
}
#: Network plugins that give pods addresses of their own (an overlay, or their own IPAM)
#: when no VPC CNI runs beside them.
OVERLAYS: dict[str, re.Pattern[str]] = {
    **ENGINES, "Flannel": re.compile(r"flannel"),
    "Weave Net": re.compile(r"weave-npc|weaveworks/weave-kube|^weave$"),
}
_VPC_CNI_AGENT = re.compile(r"aws-network-policy-agent|^aws-eks-nodeagent$")
#: The VPC CNI itself: image ``amazon-k8s-cni``, container or DaemonSet ``aws-node``.
_VPC_CNI = re.compile(r"amazon-k8s-cni|^aws-node$")
_VPC_CNI_POD = re.compile(r"^aws-node(-[a-z0-9]{5})?$")
#: Any of the above: one search rules out most containers.
_ANY = re.compile("|".join(p.pattern for p in (*OVERLAYS.values(), _VPC_CNI_AGENT, _VPC_CNI,
                                                _VPC_CNI_POD)))


@dataclass
class Plugins:
    """What the pods show of network plugins, each entry ``<ns>/<pod> runs <image>``."""

    engines: dict[str, list[str]] = field(default_factory=dict)
    overlays: dict[str, list[str]] = field(default_factory=dict)
    vpc_cni: list[str] = field(default_factory=list)
    policy_agents: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, inv: Inventory) -> Plugins:
        """What the inventory's pods and workload templates show, scanned once per
        inventory."""
        return derived(inv, "network-plugins", lambda: cls._scan(inv))

    @classmethod
    def _scan(cls, inv: Inventory) -> Plugins:
        found = cls()
        # Images and container names repeat across replicas: each pair is searched once.
        seen: dict[tuple[str, str], bool] = {}
        for pod in inv.pods:
            for container in pod.spec.all_containers:
                image = container.image or ""
                hit = seen.get((image, container.name))
                if hit is None:
                    hit = seen[image, container.name] = bool(
                        _ANY.search(image) or _ANY.search(container.name))
                if hit or _ANY.search(pod.name):
                    found._add(pod, container, image)
        return found

    def _add(self, pod: Pod, container: Container, image: str) -> None:
        seen = f"{pod.metadata.namespace or 'default'}/{pod.name} runs {image or container.name}"
        for table, patterns in ((self.engines, ENGINES), (self.overlays, OVERLAYS)):
            for engine, pattern in patterns.items():
                if pattern.search(image) or pattern.search(container.name) \
                        or pattern.search(pod.name):
                    table.setdefault(engine, []).append(seen)
        if _VPC_CNI_AGENT.search(image) or _VPC_CNI_AGENT.search(container.name):
            self.policy_agents.append(seen)
        elif _VPC_CNI.search(image) or _VPC_CNI.search(container.name) \
                or _VPC_CNI_POD.search(pod.name):
            self.vpc_cni.append(seen)


def detect(inv: Inventory) -> tuple[bool | None, tuple[str, ...]]:
    """Whether an enforcing policy engine runs in the cluster, and what shows it.

    Returns
    -------
    tuple
        ``(True, evidence)`` when a known engine runs or the VPC CNI's network policy switch
        is on; ``(False, evidence)`` when no engine runs and the switch is off; ``(None,
        evidence)`` otherwise (evidence then names a VPC CNI policy agent whose state is not
        in the input, or a switch that could not be read): an engine outside the input, or
        unknown to this list, may still enforce.
    """
    plugins = Plugins.of(inv)
    engines = [f"{engine}: {seen}" for engine, seen_list in plugins.engines.items()
               for seen in seen_list]
    switch, said = policy_switch(inv)
    if switch:
        engines.append(f"Amazon VPC CNI network policy is on: {said}")
    if engines:
        return True, tuple(dict.fromkeys(engines))
    if switch is False:
        return False, (f"Amazon VPC CNI network policy is off: {said}",)
    agents = [f"Amazon VPC CNI policy agent (enabled or not is not in the input): {seen}"
              for seen in plugins.policy_agents]
    return None, tuple(dict.fromkeys([*agents, *([said] if said else [])]))


def enforcement(inv: Inventory) -> tuple[bool, str]:
    """Whether policies count, and why: the inventory's override, else :func:`detect`.

    Returns
    -------
    tuple
        ``(enforced, explanation)``; the explanation fits after "network policies are".
    """
    forced = inv.network_policy_enforcement
    if forced is not None:
        return forced, f"{'enforced' if forced else 'not enforced'} (set by the user)"
    found, evidence = detect(inv)
    if found:
        return True, f"enforced ({'; '.join(evidence)})"
    if found is False:
        return False, f"not enforced ({'; '.join(evidence)}; no other engine found)"
    seen = f": {'; '.join(evidence)}" if evidence else ""
    return False, f"treated as not enforced (no enforcing engine found in the input{seen})"
