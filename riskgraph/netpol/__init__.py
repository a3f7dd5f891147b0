"""Exact Kubernetes NetworkPolicy semantics, as a library.

>>> from riskgraph.models import NetworkPolicy, Pod
>>> deny_all = NetworkPolicy.model_validate(
...     {"metadata": {"name": "deny-all", "namespace": "y"}, "spec": {"podSelector": {}}})
>>> a = Pod.model_validate({"metadata": {"name": "a", "namespace": "x"}})
>>> b = Pod.model_validate({"metadata": {"name": "b", "namespace": "y"}})
>>> policies = NetworkPolicies([deny_all])
>>> verdict = policies.allowed(a, b, Port(80, "TCP"))
>>> verdict.allowed, verdict.deciding_policies
(False, ('y/deny-all',))
>>> verdict.because
'blocked: y/b is isolated for ingress by y/deny-all, which allows nothing from x/a on 80/TCP'
>>> policies.allowed(b, a).because
'allowed: x/a is not isolated for ingress and y/b is not isolated for egress'

See :mod:`riskgraph.netpol.evaluate` for the rules and the choices made where the
Kubernetes documentation leaves behaviour to the network plugin.
"""

from riskgraph.netpol.evaluate import (
    NAMESPACE_NAME_LABEL,
    Endpoint,
    NetworkPolicies,
    Signature,
)
from riskgraph.netpol.pod_network import DEFAULT_CLUSTER_NETWORK
from riskgraph.netpol.ports import Port, PortSet
from riskgraph.netpol.verdict import Decision, Verdict

__all__ = [
    "DEFAULT_CLUSTER_NETWORK", "NAMESPACE_NAME_LABEL", "Decision", "Endpoint",
    "NetworkPolicies", "Port", "PortSet", "Signature", "Verdict",
]
