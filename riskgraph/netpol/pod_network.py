"""The address ranges pods take their IPs from: what decides whether an ipBlock holds pods.

On EKS the Amazon VPC CNI gives pods addresses of the cluster's VPC, secondary CIDRs
included (custom networking puts pods in, say, 100.64.0.0/16). The VPC is the EKS cluster's
(``describe-cluster``: ``resourcesVpcConfig.vpcId``), else the VPCs of the nodes' instances;
its ranges come from ``ec2 describe-vpcs``. They are used when the VPC CNI gives the pods
their addresses: when ``aws-node`` or the ``vpc-cni`` add-on is seen, or when no other
network plugin is (EKS's default). A plugin with a pod network of its own (Calico, Cilium,
Flannel, ... without ``aws-node`` beside it) hands out addresses the input does not show,
so the default private ranges stay. Pods take addresses of the cluster's IP family
(``kubernetesNetworkConfig.ipFamily``: IPv4 unless the cluster was created for IPv6), so
only the VPC's ranges of that family are used; with nothing saying the family, IPv4.
Without a VPC in the input the default private ranges stay, and the source says so.

>>> from riskgraph.estate.inventory import Inventory
>>> pod_network(Inventory.from_objects([]))[0] == DEFAULT_CLUSTER_NETWORK
True
"""

from __future__ import annotations

from ipaddress import ip_network

from riskgraph.estate.inventory import Inventory
from riskgraph.netpol.enforcement import Plugins
from riskgraph.netpol.vpc_cni import vpc_cni_addon

#: Private and carrier-grade NAT ranges, where EKS pod and node IPs come from.
DEFAULT_CLUSTER_NETWORK = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
_DEFAULT = "default private ranges"
_HINT = "add `aws ec2 describe-vpcs` output to use the VPC's"


def pod_network(inv: Inventory) -> tuple[tuple[str, ...], str]:
    """The ranges holding every pod address, and where they come from (a sentence for
    the user, e.g. ``VPC vpc-0abc (10.0.0.0/16, 100.64.0.0/16) of EKS cluster prod``)."""
    vpc_ids, owner = _vpc_ids(inv)
    if not vpc_ids:
        return DEFAULT_CLUSTER_NETWORK, (
            f"{_DEFAULT}; add `aws eks describe-cluster` (or the nodes' `aws ec2 "
            f"describe-instances`) and `aws ec2 describe-vpcs` output to use the VPC's")
    named = ", ".join(vpc_ids)
    overlay = _other_plugin(inv)
    if overlay:
        return DEFAULT_CLUSTER_NETWORK, (f"{_DEFAULT}: {overlay} gives the pods their "
                                         f"addresses, not the VPC {named} {owner}")
    vpcs = {v: inv.aws.vpc(v) for v in vpc_ids}
    missing = [v for v, vpc in vpcs.items() if vpc is None]
    if missing:
        return DEFAULT_CLUSTER_NETWORK, f"{_DEFAULT} (VPC {', '.join(missing)} {owner} is " \
                                        f"not in the input); {_HINT}"
    family = ip_family(inv)
    chosen = tuple(dict.fromkeys(
        c for vpc in vpcs.values() if vpc is not None for c in vpc.cidrs
        if ip_network(c, strict=False).version == family))
    if not chosen:
        return DEFAULT_CLUSTER_NETWORK, (f"{_DEFAULT} (VPC {named} {owner} lists no IPv"
                                         f"{family} range)")
    return chosen, f"VPC {named} ({', '.join(chosen)}) {owner}"


def _vpc_ids(inv: Inventory) -> tuple[list[str], str]:
    """The VPCs the pods live in, and whose they are ("of EKS cluster prod")."""
    cluster = inv.aws.cluster
    if cluster is not None and cluster.resources_vpc_config.vpc_id:
        return [cluster.resources_vpc_config.vpc_id], f"of EKS cluster {cluster.name}"
    found: dict[str, str] = {}
    for node in inv.nodes:
        instance = inv.aws.instance_for(node)
        if instance is not None and instance.vpc_id:
            found.setdefault(instance.vpc_id, node.name)
    return sorted(found), "of the nodes' instances"


def _other_plugin(inv: Inventory) -> str:
    """The network plugin giving pods addresses of its own, when no VPC CNI is seen."""
    if vpc_cni_addon(inv) is not None:
        return ""
    plugins = Plugins.of(inv)
    if plugins.vpc_cni or not plugins.overlays:
        return ""
    engine, seen = next(iter(plugins.overlays.items()))
    return f"{engine} ({seen[0]}; no aws-node seen)"


def ip_family(inv: Inventory) -> int:
    """The IP version pods get addresses of: the EKS cluster's family, else 4."""
    cluster = inv.aws.cluster
    if cluster is not None and cluster.kubernetes_network_config.ip_family.lower() == "ipv6":
        return 6
    return 4
