"""The pod network as AWS describes it: the VPC's ranges as the cluster network, and the
VPC CNI's network policy switch read from the EKS add-on or the amazon-vpc-cni ConfigMap."""

from __future__ import annotations

import json

import pytest

from ingest import inventory_from_text
from ingest._scrub import strip_k8s
from riskgraph.estate.inventory import Inventory
from riskgraph.netpol import DEFAULT_CLUSTER_NETWORK, NetworkPolicies, Port
from riskgraph.netpol.enforcement import detect, enforcement
from riskgraph.techniques import get

PODS = """
---
kind: Pod
metadata: {name: client, namespace: shop}
spec: {nodeName: n1, containers: [{name: curl, image: curl}]}
---
kind: Pod
metadata: {name: pg, namespace: db}
spec:
  nodeName: n1
  containers: [{name: postgres, image: postgres, ports: [{containerPort: 5432}]}]
---
kind: Node
metadata: {name: n1}
spec: {providerID: "aws:///us-east-1a/i-0aaa1111bbbb2222c"}
"""

CLUSTER = """
---
{"cluster": {"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
  "resourcesVpcConfig": {"vpcId": "vpc-0abc"}}}
"""

INSTANCE = """
---
{"Reservations": [{"OwnerId": "111122223333", "Instances": [
  {"InstanceId": "i-0aaa1111bbbb2222c", "VpcId": "vpc-0node",
   "Placement": {"AvailabilityZone": "us-east-1a"}}]}]}
"""

VPCS = """
---
{"Vpcs": [
  {"VpcId": "vpc-0abc", "OwnerId": "111122223333", "CidrBlock": "10.0.0.0/16",
   "CidrBlockAssociationSet": [{"CidrBlock": "10.0.0.0/16"}, {"CidrBlock": "100.64.0.0/16"}],
   "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f14::/56"}]},
  {"VpcId": "vpc-0node", "OwnerId": "111122223333", "CidrBlock": "172.31.0.0/16"}]}
"""

AWS_NODE = """
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: aws-node, namespace: kube-system}
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - {name: aws-node, image: 602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18.0}
      - {name: aws-eks-nodeagent,
         image: 602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-network-policy-agent:v1.1.0}
"""

CILIUM = """
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: cilium, namespace: kube-system}
spec:
  template:
    spec:
      hostNetwork: true
      containers: [{name: cilium-agent, image: quay.io/cilium/cilium:v1.15.0}]
"""


def ingress_from(cidr: str, *holes: str) -> str:
    block = f"{{cidr: {cidr}" + (f", except: [{', '.join(holes)}]" if holes else "") + "}"
    return f"""
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: from-block, namespace: db}}
spec:
  podSelector: {{}}
  ingress: [{{from: [{{ipBlock: {block}}}]}}]
"""


def allowed(inv: Inventory) -> bool:
    pods = {p.name: p for p in inv.pods}
    return NetworkPolicies.from_inventory(inv).allowed(pods["client"], pods["pg"],
                                                       Port(5432)).allowed


# The cluster network ----------------------------------------------------------------------

@pytest.mark.parametrize(("aws", "block", "covers"), [
    # The VPC's primary and secondary ranges both hold pods: a block must cover both.
    (CLUSTER + VPCS, ("0.0.0.0/1",), "VPC"),
    (CLUSTER + VPCS, ("0.0.0.0/0", "192.168.0.0/16"), "VPC"),
    (CLUSTER + VPCS, ("10.0.0.0/16",), None),
    (CLUSTER + VPCS, ("10.0.0.0/15",), None),
    (CLUSTER + VPCS, ("0.0.0.0/0", "100.64.0.0/16"), None),
    (CLUSTER + VPCS, ("0.0.0.0/1", "10.0.128.0/17"), None),
    # Without the Vpcs document the default private ranges stay.
    (CLUSTER, ("10.0.0.0/8", "10.0.128.0/17"), "default"),
    (CLUSTER, ("0.0.0.0/0", "192.168.0.0/16"), "default"),
    (CLUSTER, ("0.0.0.0/1",), "default"),
    ("", ("10.0.0.0/8",), "default"),
    # No cluster document: the nodes' instances name their VPC.
    (INSTANCE + VPCS, ("172.31.0.0/16",), "VPC"),
    (INSTANCE + VPCS, ("0.0.0.0/1",), None),
    (INSTANCE, ("172.31.0.0/16",), "default"),
])
def test_an_ipblock_holds_pods_when_it_covers_the_vpc_ranges(
        aws: str, block: tuple[str, ...], covers: str | None) -> None:
    inv = inventory_from_text(PODS + aws + ingress_from(*block))
    network = NetworkPolicies.from_inventory(inv)
    if covers == "default":
        assert network.cluster_network == DEFAULT_CLUSTER_NETWORK
        assert network.cluster_network_source.startswith("default private ranges")
        assert allowed(inv) is False  # no block of the table covers the private ranges
        return
    assert network.cluster_network_source.startswith("VPC vpc-0")
    assert allowed(inv) is (covers == "VPC")


def test_the_source_names_the_vpc_its_ranges_and_whose_it_is() -> None:
    network = NetworkPolicies.from_inventory(inventory_from_text(PODS + CLUSTER + VPCS))
    # IPv4 only: the cluster's IP family is not in the input, and EKS defaults to IPv4.
    assert network.cluster_network == ("10.0.0.0/16", "100.64.0.0/16")
    ipv6 = CLUSTER.replace('"resourcesVpcConfig"',
                           '"kubernetesNetworkConfig": {"ipFamily": "ipv6"}, "resourcesVpcConfig"')
    assert NetworkPolicies.from_inventory(inventory_from_text(PODS + ipv6 + VPCS)
                                          ).cluster_network == ("2600:1f14::/56",)
    assert network.cluster_network_source == \
        "VPC vpc-0abc (10.0.0.0/16, 100.64.0.0/16) of EKS cluster prod"
    by_node = NetworkPolicies.from_inventory(inventory_from_text(PODS + INSTANCE + VPCS))
    assert by_node.cluster_network_source == \
        "VPC vpc-0node (172.31.0.0/16) of the nodes' instances"


def test_a_missing_vpc_document_or_no_aws_input_keeps_the_default_and_says_why() -> None:
    missing = NetworkPolicies.from_inventory(inventory_from_text(PODS + CLUSTER))
    assert "VPC vpc-0abc of EKS cluster prod is not in the input" in \
        missing.cluster_network_source
    assert "aws ec2 describe-vpcs" in missing.cluster_network_source
    nothing = NetworkPolicies.from_inventory(inventory_from_text(PODS))
    assert nothing.cluster_network == DEFAULT_CLUSTER_NETWORK
    assert "aws eks describe-cluster" in nothing.cluster_network_source


def test_an_explicit_cluster_network_wins_over_the_vpc() -> None:
    inv = inventory_from_text(PODS + CLUSTER + VPCS + ingress_from("0.0.0.0/1"))
    given = NetworkPolicies.from_inventory(inv, cluster_network=["192.168.0.0/16"])
    assert given.cluster_network_source == "given (192.168.0.0/16)"
    pods = {p.name: p for p in inv.pods}
    assert not given.allowed(pods["client"], pods["pg"], Port(5432)).allowed
    assert allowed(inv)


@pytest.mark.parametrize(("plugins", "vpc_ranges"), [
    (CILIUM, False),  # Cilium alone gives the pods addresses of its own
    (CILIUM + AWS_NODE, True),  # Cilium chained on the VPC CNI: VPC addresses
    (AWS_NODE, True),
    # An aws-node pod of the DaemonSet, whatever its image (a mirror, a custom build).
    (CILIUM + "\n---\nkind: Pod\nmetadata: {name: aws-node-x7k2p, namespace: kube-system}\n"
     "spec: {hostNetwork: true, containers: [{name: main, image: mirror/cni:1}]}\n", True),
    ("", True),  # nothing seen: EKS's default CNI
])
def test_the_vpc_is_the_pod_network_only_under_the_vpc_cni(plugins: str,
                                                           vpc_ranges: bool) -> None:
    inv = inventory_from_text(PODS + plugins + CLUSTER + VPCS + ingress_from("0.0.0.0/1"))
    network = NetworkPolicies.from_inventory(inv)
    assert network.cluster_network_source.startswith("VPC") is vpc_ranges
    assert allowed(inv) is vpc_ranges
    if not vpc_ranges:
        assert "Cilium" in network.cluster_network_source \
            and "no aws-node seen" in network.cluster_network_source


def test_the_vpc_cni_add_on_makes_the_vpc_the_pod_network_beside_an_overlay() -> None:
    inv = inventory_from_text(PODS + CILIUM + CLUSTER + VPCS + addon(None))
    assert NetworkPolicies.from_inventory(inv).cluster_network_source.startswith("VPC")


# The VPC CNI's network policy switch ------------------------------------------------------

def addon(values: str | None) -> str:
    document = {"addon": {"addonName": "vpc-cni", "clusterName": "prod",
                          "addonArn": "arn:aws:eks:us-east-1:111122223333:addon/prod/vpc-cni/x",
                          **({"configurationValues": values} if values is not None else {})}}
    return "\n---\n" + json.dumps(document) + "\n"


def config_map(value: str) -> str:
    return f"""
---
kind: ConfigMap
metadata: {{name: amazon-vpc-cni, namespace: kube-system}}
data: {{enable-network-policy-controller: "{value}", warm-ip-target: "5"}}
"""


DENY = """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: db}
spec: {podSelector: {}}
"""


@pytest.mark.parametrize(("extra", "state", "said"), [
    (addon('{"enableNetworkPolicy": "true"}'), True,
     'EKS add-on vpc-cni of cluster prod: configurationValues.enableNetworkPolicy="true"'),
    (addon("enableNetworkPolicy: true\nenv: {ENABLE_PREFIX_DELEGATION: 'true'}"), True,
     "EKS add-on vpc-cni of cluster prod: configurationValues.enableNetworkPolicy=true"),
    (config_map("true"), True,
     'ConfigMap kube-system/amazon-vpc-cni: data.enable-network-policy-controller="true"'),
    (addon('{"enableNetworkPolicy": "false"}'), False,
     'EKS add-on vpc-cni of cluster prod: configurationValues.enableNetworkPolicy="false"'),
    (config_map("False"), False,
     'ConfigMap kube-system/amazon-vpc-cni: data.enable-network-policy-controller="False"'),
    # The add-on's own value wins over the ConfigMap's.
    (addon('{"enableNetworkPolicy": "false"}') + config_map("true"), False,
     "configurationValues.enableNetworkPolicy"),
    # The add-on silent: the ConfigMap decides.
    (addon("{}") + config_map("true"), True, "data.enable-network-policy-controller"),
])
def test_the_vpc_cni_switch_decides_enforcement(extra: str, state: bool, said: str) -> None:
    inv = inventory_from_text(AWS_NODE + PODS + CLUSTER + DENY + extra)
    found, evidence = detect(inv)
    assert found is state
    assert any(said in line for line in evidence), evidence
    enforced, why = enforcement(inv)
    assert enforced is state and said in why
    if not state:
        assert why.startswith("not enforced (Amazon VPC CNI network policy is off")
    reaches_pg = any(e.target == "k8s:Container:db/pg/postgres"
                     for e in get("net.reach").find(inv))
    assert reaches_pg is not state


def test_an_engine_enforces_even_when_the_vpc_cni_switch_is_off() -> None:
    calico = AWS_NODE.replace("aws-node", "calico-node").replace(
        "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18.0",
        "docker.io/calico/node:v3.27.0")
    inv = inventory_from_text(calico + PODS + CLUSTER + addon('{"enableNetworkPolicy": "false"}'))
    found, evidence = detect(inv)
    assert found is True and evidence[0].startswith("Calico: ")


@pytest.mark.parametrize(("extra", "said"), [
    ("", ""),
    (addon(None), "sets no configurationValues.enableNetworkPolicy"),
    (addon("{"), "configurationValues is neither JSON nor YAML"),
    (addon("[1, 2]"), "configurationValues is list, not a mapping"),
    (addon('{"enableNetworkPolicy": "sometimes"}'), "neither true nor false: unknown"),
    (config_map("maybe"), "neither true nor false: unknown"),
])
def test_a_switch_absent_or_unreadable_leaves_enforcement_unknown(extra: str,
                                                                   said: str) -> None:
    inv = inventory_from_text(AWS_NODE + PODS + CLUSTER + extra)
    found, evidence = detect(inv)
    assert found is None
    assert evidence[0].startswith("Amazon VPC CNI policy agent (enabled or not is not in the "
                                  "input)")
    assert (said in evidence[-1]) if said else len(evidence) == 1
    enforced, why = enforcement(inv)
    assert not enforced and why.startswith("treated as not enforced")


def test_an_add_on_of_another_cluster_is_not_read() -> None:
    other = addon('{"enableNetworkPolicy": "true"}').replace('"clusterName": "prod"',
                                                              '"clusterName": "staging"')
    assert detect(inventory_from_text(PODS + CLUSTER + other))[0] is None


# Only the switch of the amazon-vpc-cni ConfigMap is kept -------------------------------------

def test_the_model_keeps_only_the_switch_of_the_vpc_cni_config_map() -> None:
    other = config_map("true").replace("amazon-vpc-cni", "app-settings")
    inv = inventory_from_text(PODS + config_map("true") + other)
    data = {cm.name: cm.data for cm in inv.config_maps}
    assert data == {"amazon-vpc-cni": {"enable-network-policy-controller": "true"},
                    "app-settings": {}}


def test_the_live_reader_keeps_only_the_switch_of_the_vpc_cni_config_map() -> None:
    def item(name: str) -> dict[str, object]:
        return {"metadata": {"namespace": "kube-system", "name": name},
                "data": {"enable-network-policy-controller": "true", "token": "s3cr3t"},
                "binaryData": {"blob": "AAAA"}}

    cni, aws_auth, other = item("amazon-vpc-cni"), item("aws-auth"), item("app-settings")
    for raw in (cni, aws_auth, other):
        strip_k8s("ConfigMap", raw)
    assert cni["data"] == {"enable-network-policy-controller": "true"}
    assert aws_auth["data"] == {"enable-network-policy-controller": "true", "token": "s3cr3t"}
    assert "data" not in other
    assert not any("binaryData" in raw for raw in (cni, aws_auth, other))



def test_a_config_map_switch_says_the_node_agent_flag_is_not_in_the_input() -> None:
    # Self-managed installs also need the node agent's flag, which the input does not keep;
    # the add-on switches both, so its evidence needs no such caveat.
    for extra, caveat in ((config_map("true"), True),
                          (addon('{"enableNetworkPolicy": "true"}'), False)):
        _, why = enforcement(inventory_from_text(AWS_NODE + PODS + CLUSTER + DENY + extra))
        assert ("--enable-network-policy=true, which the input does not show" in why) \
            is caveat
