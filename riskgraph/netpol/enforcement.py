"""Whether anything enforces NetworkPolicies: the API server stores them, only the
network plugin (or a policy engine beside it) acts on them.

Detection reads the pods and DaemonSet templates of the inventory for a known engine,
by name or image: Calico (``calico-node``), Cilium, Antrea, kube-router, Weave Net
(``weave-npc``). The Amazon VPC CNI ships its policy agent (``aws-eks-nodeagent``, image
``aws-network-policy-agent``) inside ``aws-node`` disabled; whether it was enabled is a
container argument or a ConfigMap value, which the inventory does not keep, so the agent
alone leaves the answer unknown and says so.

>>> from riskgraph.inventory import Inventory
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

from riskgraph.inventory import Inventory
from riskgraph.models import Container, Pod

#: Engine -> pattern matched against container images and pod or container names.
ENGINES: dict[str, re.Pattern[str]] = {
    "Calico": re.compile(r"calico[/-]node|^calico-node"),
    "Cilium": re.compile(r"cilium/cilium|^cilium(-agent)?(-[a-z0-9]{5})?$"),
    "Antrea": re.compile(r"antrea[/-]|^antrea-agent"),
    "kube-router": re.compile(r"kube-router"),
    "Weave Net": re.compile(r"weave-npc|weaveworks/weave-npc"),
}
_VPC_CNI_AGENT = re.compile(r"aws-network-policy-agent|^aws-eks-nodeagent$")


def _hits(pod: Pod, container: Container) -> list[tuple[str, str]]:
    """(what was seen, engine or "" for the VPC CNI agent) for one container."""
    image = container.image or ""
    seen = f"{pod.metadata.namespace or 'default'}/{pod.name} runs {image or container.name}"
    found = [(seen, engine) for engine, pattern in ENGINES.items()
             if pattern.search(image) or pattern.search(container.name)
             or pattern.search(pod.name)]
    if _VPC_CNI_AGENT.search(image) or _VPC_CNI_AGENT.search(container.name):
        found.append((seen, ""))
    return found


def detect(inv: Inventory) -> tuple[bool | None, tuple[str, ...]]:
    """Whether an enforcing policy engine runs in the cluster, and what shows it.

    Returns
    -------
    tuple
        ``(True, evidence)`` when a known engine runs; ``(None, evidence)`` when none is
        seen (evidence then names a VPC CNI policy agent whose state cannot be read, if
        any): an engine outside the input, or unknown to this list, may still enforce.
    """
    engines: list[str] = []
    agents: list[str] = []
    for pod in inv.pods:
        for container in pod.spec.all_containers:
            for seen, engine in _hits(pod, container):
                if engine:
                    engines.append(f"{engine}: {seen}")
                else:
                    agents.append(f"Amazon VPC CNI policy agent (enabled or not is not in "
                                  f"the input): {seen}")
    if engines:
        return True, tuple(dict.fromkeys(engines))
    return None, tuple(dict.fromkeys(agents))


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
    seen = f": {'; '.join(evidence)}" if evidence else ""
    return False, f"treated as not enforced (no enforcing engine found in the input{seen})"
