"""Which SecurityGroupPolicies (security groups for pods, ``vpcresources.k8s.aws``) select
a pod. A selected pod leaves with the policies' security groups (``net.reach-aws``) and, as
on EKS, no NetworkPolicy isolates it (:class:`~riskgraph.netpol.NetworkPolicies`).
"""

from __future__ import annotations

from collections.abc import Mapping

from riskgraph.estate.inventory import Inventory
from riskgraph.models import Pod
from riskgraph.models.sgp import SecurityGroupPolicy
from riskgraph.netpol.selectors import Selector


class PodSecurityGroups:
    """Which SecurityGroupPolicies select a pod, as the VPC resource controller decides:
    by pod labels, by its ServiceAccount's labels, or by both when both selectors are set."""

    def __init__(self, inv: Inventory) -> None:
        self._by_ns: dict[str, list[tuple[SecurityGroupPolicy, Selector | None,
                                          Selector | None]]] = {}
        for policy in inv.security_group_policies:
            spec = policy.spec
            self._by_ns.setdefault(policy.namespace or "default", []).append((
                policy,
                Selector.compile(spec.pod_selector) if spec.pod_selector else None,
                Selector.compile(spec.service_account_selector)
                if spec.service_account_selector else None))
        # Labels of the service accounts SecurityGroupPolicies may select by; kept apart
        # from the inventory so that a cached holder of this object holds no cycle.
        self._account_labels = {
            (account.metadata.namespace or "default", account.name): account.metadata.labels
            for account in inv.service_accounts
            if (account.metadata.namespace or "default") in self._by_ns}

    def policies_for(self, pod: Pod) -> list[SecurityGroupPolicy]:
        """The policies giving ``pod`` their groups (none for a pod on the host network)."""
        namespace = pod.metadata.namespace or "default"
        candidates = self._by_ns.get(namespace)
        if not candidates or pod.spec.host_network:
            return []
        account_labels: Mapping[str, str] = self._account_labels.get(
            (namespace, pod.spec.effective_service_account), {})
        found = []
        for policy, by_pod, by_account in candidates:
            if not policy.group_ids:
                continue
            pod_match = by_pod is not None and by_pod.matches(pod.metadata.labels)
            account_match = by_account is not None and by_account.matches(account_labels)
            both = by_pod is not None and by_account is not None
            if (pod_match and account_match) if both else (pod_match or account_match):
                found.append(policy)
        return found
