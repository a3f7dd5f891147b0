"""Kubernetes NetworkPolicy semantics: which traffic between pods (and IPs) is allowed.

The rules, as the Kubernetes documentation states them:

* A pod is isolated for a direction only when some policy of its namespace selects it
  (``spec.podSelector``) and has that direction in ``policyTypes`` (defaulted: Ingress
  always, Egress when the policy has egress rules). An isolated pod allows, in that
  direction, the union of what those policies' rules allow; a pod that is not isolated
  allows everything.
* Traffic needs both the source's egress and the target's ingress to allow it.
* A rule allows a peer on a port: no peers means every peer, no ports every port. In one
  peer, ``podSelector`` and ``namespaceSelector`` are ANDed (a missing namespaceSelector
  means the policy's namespace, a missing podSelector every pod); separate peers are ORed.
* A named port resolves against the destination pod's container ports (same name and
  protocol), for ingress and egress rules alike; it never matches an IP endpoint.
* A pod can always reach itself.
* hostNetwork pods: the documentation leaves this to the network plugin; the common case,
  modelled here, is that their traffic is the node's, so they are never isolated and no
  podSelector or namespaceSelector peer matches them.
* ipBlock peers match IPs (``cidr`` minus ``except``). Pod IPs are not in the inventory,
  so an ipBlock matches a pod (or a hostNetwork pod's node) only when it holds the whole
  ``cluster_network``: the VPC's ranges on EKS with the VPC CNI, else private ranges
  (:mod:`riskgraph.netpol.pod_network`).

Not modelled here: traffic between a pod and its own node is always allowed (pod IPs and
placements are not what this engine reads; ``net.reach`` adds it for hostNetwork pods bound
to a node); Services rewrite destinations (ask about the backing pods).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from ipaddress import ip_address, ip_network

from riskgraph.estate.derived import derived
from riskgraph.estate.inventory import Inventory
from riskgraph.models import NetworkPolicy, Pod
from riskgraph.netpol.model import (
    CompiledPolicy,
    IpAddress,
    IpNetwork,
    NamedPort,
    PeerIndex,
    Rule,
    compile_policies,
)
from riskgraph.netpol.pod_network import DEFAULT_CLUSTER_NETWORK, pod_network
from riskgraph.netpol.ports import Port, PortSet
from riskgraph.netpol.security_groups import PodSecurityGroups
from riskgraph.netpol.selectors import Selector, SelectorIndex
from riskgraph.netpol.verdict import Allowed, Verdict, decision

#: The label the API server gives every namespace, set to its name.
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True, slots=True)
class Signature:
    """Everything NetworkPolicy evaluation reads about a pod.

    Two pods with equal signatures get the same verdicts, as source or as target, against
    any other endpoint (loopback aside): group pods by signature and ask once per group.
    ``ingress`` and ``egress`` are the indexes of the policies isolating the pod,
    ``peers`` the numbers of the selector peers matching it, and ``named_ports`` its
    container ports whose names some policy uses.
    """

    ingress: tuple[int, ...]
    egress: tuple[int, ...]
    peers: frozenset[int]
    named_ports: frozenset[NamedPort]


#: One end of a question: a pod's signature or an IP address.
Endpoint = Signature | IpAddress


class NetworkPolicies:
    """Compiled NetworkPolicies of an estate, answering reachability questions.

    Parameters
    ----------
    policies
        The parsed NetworkPolicies.
    namespace_labels
        Labels of each namespace (the automatic ``kubernetes.io/metadata.name`` is added).
    cluster_network
        CIDRs holding every pod and node IP (see the module notes on ipBlock).
    cluster_network_source
        Where ``cluster_network`` comes from, for the user; kept as
        :attr:`cluster_network_source`.
    exempt
        Says whether no policy isolates a pod (pods a SecurityGroupPolicy selects, as on
        EKS); such a pod still counts as a peer where it is selected.
    """

    def __init__(self, policies: Iterable[NetworkPolicy],
                 namespace_labels: Mapping[str, Mapping[str, str]] | None = None,
                 cluster_network: Sequence[str] = DEFAULT_CLUSTER_NETWORK,
                 cluster_network_source: str | None = None,
                 exempt: Callable[[Pod], object] | None = None) -> None:
        self._exempt = exempt
        self.cluster_network = tuple(cluster_network)
        self.cluster_network_source = cluster_network_source or (
            "default private ranges" if self.cluster_network == DEFAULT_CLUSTER_NETWORK
            else f"given ({', '.join(self.cluster_network)})")
        networks: list[IpNetwork] = [ip_network(c, strict=False) for c in cluster_network]
        self.policies: tuple[CompiledPolicy, ...] = tuple(compile_policies(policies, networks))
        self._namespace_labels = dict(namespace_labels or {})
        self._peers = PeerIndex(self.policies)
        by_namespace: dict[str, list[int]] = defaultdict(list)
        for index, policy in enumerate(self.policies):
            by_namespace[policy.namespace].append(index)
        self._selecting = {namespace: SelectorIndex((self.policies[i].selector, i)
                                                    for i in indexes)
                           for namespace, indexes in by_namespace.items()}
        self._port_names = frozenset(p.name for policy in self.policies
                                     for rule in (*policy.ingress, *policy.egress)
                                     for p in rule.ports if p.name is not None)
        # Only these label keys can change what selects a pod: the memo of selections is
        # keyed on them, so replicas differing in pod-template-hash share one entry.
        self._label_keys = tuple(sorted(
            {r.key for policy in self.policies for r in policy.selector.requirements}
            | {r.key for policy in self.policies for peer in policy.peers
               if peer.pod_selector is not None for r in peer.pod_selector.requirements}))
        self._candidates: dict[str, SelectorIndex[frozenset[int]]] = {}
        self._memo: dict[tuple[str, tuple[str | None, ...]],
                         tuple[tuple[int, ...], tuple[int, ...], frozenset[int]]] = {}
        # Classes of pods put the same question to the same policies many times.
        self._directions: dict[tuple[object, ...], Allowed] = {}
        self._probes: dict[Port, PortSet] = {}

    @classmethod
    def from_inventory(cls, inv: Inventory, cluster_network: Sequence[str] | None = None
                       ) -> NetworkPolicies:
        """The inventory's NetworkPolicies, with its namespaces' labels; the cluster network
        is ``cluster_network`` when given, else read from the inventory
        (:func:`~riskgraph.netpol.pod_network.pod_network`). Pods its SecurityGroupPolicies
        select are exempt (:mod:`riskgraph.netpol.security_groups`)."""
        source = None
        if cluster_network is None:
            cluster_network, source = pod_network(inv)
        with_groups = PodSecurityGroups(inv)
        return cls(inv.network_policies, {ns.name: ns.metadata.labels for ns in inv.namespaces},
                   cluster_network, source, with_groups.policies_for)

    @classmethod
    def of(cls, inv: Inventory) -> NetworkPolicies:
        """:meth:`from_inventory`, compiled once per inventory and shared by every caller
        (``net.reach``, ``pod.imds``, ``riskgraph reach``), signatures memo included."""
        return derived(inv, "network-policies", lambda: cls.from_inventory(inv))

    # Signatures ----------------------------------------------------------------------

    def signature(self, pod: Pod) -> Signature:
        """What evaluation reads about ``pod``; meaningful only to this instance (it holds
        policy indexes and peer numbers). Cached per namespace and values of the label
        keys some selector reads."""
        named = frozenset((c_port.name, c_port.protocol, c_port.container_port)
                          for c in pod.spec.all_containers for c_port in c.ports
                          if c_port.name in self._port_names)
        if pod.spec.host_network:
            return Signature((), (), frozenset(), named)
        namespace = pod.metadata.namespace or "default"
        labels = pod.metadata.labels
        key = (namespace, tuple(labels.get(k) for k in self._label_keys))
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._selections(namespace, labels)
        if self._exempt is not None and self._exempt(pod):
            return Signature((), (), found[2], named)
        return Signature(*found, named)

    def _selections(self, namespace: str, labels: Mapping[str, str]
                    ) -> tuple[tuple[int, ...], tuple[int, ...], frozenset[int]]:
        policies = self._selecting.get(namespace)
        selecting = [] if policies is None else policies.matching(labels)
        peers = frozenset().union(*self._peer_candidates(namespace).matching(labels))
        return (tuple(i for i in selecting if self.policies[i].isolates_ingress),
                tuple(i for i in selecting if self.policies[i].isolates_egress), peers)

    def _peer_candidates(self, namespace: str) -> SelectorIndex[frozenset[int]]:
        """Selector peers whose namespace part admits ``namespace``, grouped by their pod
        part (None: every pod) so that each distinct pod selector is tried once a pod."""
        found = self._candidates.get(namespace)
        if found is None:
            labels = {**self._namespace_labels.get(namespace, {}),
                      NAMESPACE_NAME_LABEL: namespace}
            grouped: dict[Selector | None, set[int]] = defaultdict(set)
            for peer in self._peers.selecting(namespace, labels):
                grouped[peer.pod_selector].add(peer.number)
            found = self._candidates[namespace] = SelectorIndex(
                (selector, frozenset(numbers)) for selector, numbers in grouped.items())
        return found

    # Questions -------------------------------------------------------------------------

    def ingress_isolated(self, pod: Pod) -> bool:
        """Whether some policy isolates ``pod`` for ingress."""
        return bool(self.signature(pod).ingress)

    def egress_isolated(self, pod: Pod) -> bool:
        """Whether some policy isolates ``pod`` for egress."""
        return bool(self.signature(pod).egress)

    def allowed(self, source: Pod, target: Pod, port: Port | None = None) -> Verdict:
        """Whether ``source`` may open a connection to ``target`` on ``port`` (default:
        some TCP port), with the policies that decide it."""
        verdict = self.decide(self.signature(source), self.signature(target),
                              port or Port(), _name(source), _name(target))
        if source is target and not source.is_template and len(source.replicas) < 2:
            return replace(verdict, loopback=True)
        node = own_node(source, target)
        if node:
            return replace(verdict, own_node=node,
                           host_side="source" if source.spec.host_network else "target")
        return verdict

    def allowed_to_ip(self, source: Pod, ip: str, port: Port | None = None) -> Verdict:
        """Whether ``source`` may reach the address ``ip`` (outside the pod network)."""
        return self.decide(self.signature(source), ip_address(ip), port or Port(),
                           _name(source), ip)

    def allowed_from_ip(self, ip: str, target: Pod, port: Port | None = None) -> Verdict:
        """Whether traffic from the address ``ip`` may reach ``target``."""
        return self.decide(ip_address(ip), self.signature(target), port or Port(),
                           ip, _name(target))

    def decide(self, source: Endpoint, target: Endpoint, port: Port,
               source_name: str = "source", target_name: str = "target") -> Verdict:
        """The verdict between two endpoints (signatures or IPs): the engine's core, for
        callers that group pods by :meth:`signature`.

        Parameters
        ----------
        source, target
            Pod signatures or IP addresses.
        port
            The probe; a None number or protocol means "some".
        source_name, target_name
            How the explanation names the endpoints.
        """
        probe = self._probes.get(port)
        if probe is None:
            probe = self._probes[port] = port.as_set()
        named = target.named_ports if isinstance(target, Signature) else frozenset()
        egress = self._direction("egress", source, target, named, probe)
        ingress = self._direction("ingress", target, source, named, probe)
        both = (probe if egress is None else egress.ports) \
            & (probe if ingress is None else ingress.ports)
        return Verdict(source_name, target_name, port,
                       decision("egress", source_name, isinstance(source, Signature), egress,
                                probe, both),
                       decision("ingress", target_name, isinstance(target, Signature), ingress,
                                probe, both), both)

    def _direction(self, direction: str, pod: Endpoint, peer: Endpoint,
                   named: frozenset[NamedPort], probe: PortSet) -> Allowed | None:
        """The isolating policies of ``pod`` with the probed ports each allows ``peer``;
        None when nothing isolates ``pod`` (an IP, or a pod no policy selects)."""
        if not isinstance(pod, Signature):
            return None
        indexes = pod.ingress if direction == "ingress" else pod.egress
        if not indexes:
            return None
        # A peer shows its rules only its matching peer numbers (or its address).
        key = (direction, indexes, peer.peers if isinstance(peer, Signature) else peer, named,
               probe)
        found = self._directions.get(key)
        if found is None:
            per_policy = []
            for index in indexes:
                policy = self.policies[index]
                rules = policy.ingress if direction == "ingress" else policy.egress
                per_policy.append((policy.ref, PortSet.of(*(
                    r for rule in rules if _admits(rule, peer)
                    for r in rule.allowed_ports(named).ranges)) & probe))
            found = self._directions[key] = Allowed.of(per_policy)
        return found


def _admits(rule: Rule, peer: Endpoint) -> bool:
    if isinstance(peer, Signature):
        return rule.admits_pod(peer.peers)
    return rule.admits_ip(peer)


def _name(pod: Pod) -> str:
    return f"{pod.metadata.namespace or 'default'}/{pod.name}"


def own_node(source: Pod, target: Pod) -> str:
    """The node both run on when exactly one of them uses its host network: Kubernetes
    always allows traffic between a pod and its own node, so no policy decides it. Empty
    otherwise (a template pod has no node).

    >>> on = lambda name, host: Pod.model_validate({"metadata": {"name": name},
    ...     "spec": {"nodeName": "n1", "hostNetwork": host}})
    >>> own_node(on("agent", True), on("db", False)), own_node(on("db", False), on("agent", True))
    ('n1', 'n1')
    >>> own_node(on("web", False), on("db", False))
    ''
    """
    if source.spec.host_network == target.spec.host_network:
        return ""
    nodes = target.placed_on
    # Replica classes run on several nodes: some replica of each shares the first in common.
    return next((node for node in source.placed_on if node in nodes), "")
