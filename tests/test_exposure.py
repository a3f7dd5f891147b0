"""Internet exposure: security-group matching, nodes with public IPs, load balancer schemes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ingest import inventory_from_text
from riskgraph.models.aws import IpPermission, SecurityGroup
from riskgraph.techniques import Edge
from riskgraph.techniques.net._exposure import PortRange, SecurityGroupIndex, covers
from riskgraph.techniques.net._lb_schemes import NODEPORT_COST, RESTRICTED_COST
from riskgraph.techniques.net.internet_exposed import find


def permission(**fields: Any) -> IpPermission:
    return IpPermission.model_validate(fields)


def group(group_id: str, *rules: dict[str, Any]) -> SecurityGroup:
    return SecurityGroup.model_validate({"GroupId": group_id, "IpPermissions": list(rules)})


OPEN_V4 = {"IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
OPEN_V6 = {"Ipv6Ranges": [{"CidrIpv6": "::/0"}]}


@pytest.mark.parametrize(("rule", "wanted", "expected"), [
    ({"IpProtocol": "-1"}, PortRange("TCP", 22, 22), True),
    ({"IpProtocol": "-1"}, PortRange("UDP", 1, 65535), True),
    ({"IpProtocol": "tcp", "FromPort": 30000, "ToPort": 32767}, PortRange("TCP", 30000, 30000),
     True),
    ({"IpProtocol": "tcp", "FromPort": 30000, "ToPort": 32767}, PortRange("TCP", 32767, 32767),
     True),
    ({"IpProtocol": "tcp", "FromPort": 30000, "ToPort": 32767}, PortRange("TCP", 32768, 32768),
     False),
    # A rule over part of a wanted range does not admit all of it.
    ({"IpProtocol": "tcp", "FromPort": 30000, "ToPort": 31000}, PortRange("TCP", 30000, 32767),
     False),
    ({"IpProtocol": "6", "FromPort": 443, "ToPort": 443}, PortRange("tcp", 443, 443), True),
    ({"IpProtocol": "udp", "FromPort": 53, "ToPort": 53}, PortRange("TCP", 53, 53), False),
    ({"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1}, PortRange("TCP", 80, 80), False),
    # Protocols without ports (SCTP here) admit every port of theirs.
    ({"IpProtocol": "132"}, PortRange("SCTP", 9000, 9000), True),
])
def test_rule_covers_protocol_and_ports(rule: dict[str, Any], wanted: PortRange,
                                        expected: bool) -> None:
    assert covers(permission(**rule), wanted) is expected


def test_only_zero_length_ranges_open_to_the_internet() -> None:
    index = SecurityGroupIndex([group(
        "sg-1",
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
         "IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "0.0.0.0/1"}]},
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-1"}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, **OPEN_V6},
    )])
    assert index.internet_admission(["sg-1"], PortRange("TCP", 80, 80)).openings == ()
    v6 = index.internet_admission(["sg-1"], PortRange("TCP", 443, 443))
    assert [(o.family, o.evidence) for o in v6.openings] == [
        (6, 'sg-1: IpPermissions[2].Ipv6Ranges[0].CidrIpv6="::/0"')]
    assert v6.first(4) is None


def test_groups_of_an_instance_are_a_union_and_missing_ones_are_named() -> None:
    index = SecurityGroupIndex([
        group("sg-a", {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, **OPEN_V6}),
        group("sg-b", {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, **OPEN_V4}),
    ])
    both = index.internet_admission(["sg-a", "sg-b", "sg-gone"], PortRange("TCP", 22, 22))
    assert [o.group_id for o in both.openings] == ["sg-b", "sg-a"]  # IPv4 first
    v4 = both.first(4)
    assert v4 is not None and v4.evidence == 'sg-b: IpPermissions[0].IpRanges[0].CidrIp="0.0.0.0/0"'
    assert both.missing == ("sg-gone",)
    assert index.internet_admission(["sg-a"], PortRange("UDP", 22, 22)).openings == ()
    assert "sg-a" in index and "sg-gone" not in index


# Nodes, instances and security groups --------------------------------------------------

def aws_docs(instances: list[dict[str, Any]], groups: list[dict[str, Any]] | None) -> str:
    docs = [{"Reservations": [{"OwnerId": "111122223333", "Instances": [
        {"Placement": {"AvailabilityZone": "us-east-1a"}, **i} for i in instances]}]}]
    if groups is not None:
        docs.append({"SecurityGroups": groups})
    return "".join(f"---\n{json.dumps(d)}\n" for d in docs)


def node(name: str, instance: str, labels: str = "{}") -> str:
    return (f"---\nkind: Node\nmetadata: {{name: {name}, labels: {labels}}}\n"
            f"spec: {{providerID: 'aws:///us-east-1a/{instance}'}}\n")


def instance(instance_id: str, public_ip: str | None, *groups: str) -> dict[str, Any]:
    found: dict[str, Any] = {"InstanceId": instance_id,
                             "SecurityGroups": [{"GroupId": g} for g in groups]}
    if public_ip:
        found["PublicIpAddress"] = public_ip
    return found


NODE_PORTS = {"GroupId": "sg-np", "IpPermissions": [
    {"IpProtocol": "tcp", "FromPort": 30000, "ToPort": 32767, **OPEN_V4}]}
NODE_PORTS_V6 = {"GroupId": "sg-np6", "IpPermissions": [
    {"IpProtocol": "tcp", "FromPort": 30000, "ToPort": 32767, **OPEN_V6}]}
NODE_PORT_SERVICE = """
---
kind: Service
metadata: {name: debug, namespace: shop}
spec: {type: NodePort, ports: [{port: 80, nodePort: 30080}]}
"""


def edges(text: str) -> dict[str, Edge]:
    inv = inventory_from_text(text, "test_exposure")
    assert not inv.problems, [str(p) for p in inv.problems]
    found = list(find(inv))
    by_target = {e.target: e for e in found}
    assert len(by_target) == len(found), "one edge per target"
    return by_target


SERVICE = "k8s:Service:shop/debug"


def test_node_port_is_certain_on_a_public_node_and_names_its_proof() -> None:
    text = node("n1", "i-priv") + node("n2", "i-pub") + NODE_PORT_SERVICE + aws_docs(
        [instance("i-priv", None, "sg-np"), instance("i-pub", "198.51.100.7", "sg-np")],
        [NODE_PORTS])
    edge = edges(text)[SERVICE]
    assert edge.confidence == "certain" and edge.cost is None
    assert "node n2" in edge.reason and "198.51.100.7" in edge.reason
    assert 'sg-np: IpPermissions[0].IpRanges[0].CidrIp="0.0.0.0/0"' in edge.evidence
    assert any(e.endswith('PublicIpAddress="198.51.100.7"') for e in edge.evidence)


def test_node_port_without_a_qualifying_node_has_no_edge() -> None:
    private = node("n1", "i-priv") + NODE_PORT_SERVICE + aws_docs(
        [instance("i-priv", None, "sg-np")], [NODE_PORTS])
    narrow = node("n1", "i-pub") + NODE_PORT_SERVICE + aws_docs(
        [instance("i-pub", "198.51.100.7", "sg-np")],
        [{"GroupId": "sg-np", "IpPermissions": [
            {"IpProtocol": "tcp", "FromPort": 30000, "ToPort": 30079, **OPEN_V4}]}])
    assert edges(private) == {}
    assert edges(narrow) == {}


def test_node_port_open_only_over_ipv6_or_through_unread_groups_is_likely() -> None:
    v6 = node("n1", "i-pub") + NODE_PORT_SERVICE + aws_docs(
        [instance("i-pub", "198.51.100.7", "sg-np6")], [NODE_PORTS_V6])
    unread = node("n1", "i-pub") + NODE_PORT_SERVICE + aws_docs(
        [instance("i-pub", "198.51.100.7", "sg-unread")], None)
    for text, named in ((v6, "::/0"), (unread, "sg-unread")):
        edge = edges(text)[SERVICE]
        assert (edge.confidence, edge.cost) == ("likely", NODEPORT_COST)
        assert named in edge.reason


def test_node_port_without_ec2_input_keeps_the_manifest_verdict() -> None:
    edge = edges(node("n1", "i-pub") + NODE_PORT_SERVICE)[SERVICE]
    assert (edge.confidence, edge.cost) == ("likely", NODEPORT_COST)


def test_unallocated_node_port_needs_the_whole_range_and_nodes_may_be_absent() -> None:
    service = NODE_PORT_SERVICE.replace(", nodePort: 30080", "")
    whole = service + aws_docs([instance("i-pub", "198.51.100.7", "sg-np")], [NODE_PORTS])
    part = service + aws_docs([instance("i-pub", "198.51.100.7", "sg-np")], [
        {"GroupId": "sg-np", "IpPermissions": [
            {"IpProtocol": "tcp", "FromPort": 30080, "ToPort": 30080, **OPEN_V4}]}])
    assert edges(whole)[SERVICE].confidence == "certain"  # no Node objects: the instances
    assert edges(part) == {}


HOST_PORT_POD = """
---
kind: Pod
metadata: {{name: {name}, namespace: ops}}
spec:
  nodeName: {node}
  hostNetwork: {host_network}
  containers: [{{name: app, image: app, ports: [{ports}]}}]
"""
WEB = {"GroupId": "sg-web", "IpPermissions": [
    {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, **OPEN_V4}]}


def test_host_port_reaches_the_container_on_the_node_it_runs_on() -> None:
    nodes = node("n1", "i-1") + node("n2", "i-2") + node("n3", "i-3")
    pods = (HOST_PORT_POD.format(name="on-v6", node="n3", host_network="false",
                                 ports="{containerPort: 80, hostPort: 8080}")
            + HOST_PORT_POD.format(name="on-open", node="n1", host_network="false",
                                   ports="{containerPort: 80, hostPort: 8080}")
            + HOST_PORT_POD.format(name="on-closed", node="n2", host_network="false",
                                   ports="{containerPort: 80, hostPort: 8080}")
            + HOST_PORT_POD.format(name="host-net", node="n1", host_network="true",
                                   ports="{containerPort: 8080}")
            + HOST_PORT_POD.format(name="other-port", node="n1", host_network="false",
                                   ports="{containerPort: 80, hostPort: 9090}"))
    web6 = {"GroupId": "sg-web6", "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, **OPEN_V6}]}
    aws = aws_docs([instance("i-1", "198.51.100.1", "sg-web"), instance("i-2", None, "sg-web"),
                    instance("i-3", "198.51.100.3", "sg-web6")], [WEB, web6])
    found = edges(nodes + pods + aws)
    assert set(found) == {"k8s:Container:ops/on-open/app", "k8s:Container:ops/host-net/app"}
    edge = found["k8s:Container:ops/on-open/app"]
    assert edge.confidence == "certain" and "node n1" in edge.reason
    assert edge.evidence[0] == "k8s:Pod:ops/on-open: spec.containers[0].ports[0].hostPort=8080"
    assert found["k8s:Container:ops/host-net/app"].evidence[0].endswith(
        "ports[0].containerPort=8080")
    # Without EC2 input nothing says a node is public.
    assert edges(nodes + pods) == {}


def test_host_port_of_a_template_on_a_partly_public_pool_is_possible() -> None:
    labels = "{eks.amazonaws.com/nodegroup: web}"
    text = node("n1", "i-1", labels) + node("n2", "i-2", labels) + """
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ops}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: app, ports: [{containerPort: 80, hostPort: 8080}]}]}
""" + aws_docs([instance("i-1", "198.51.100.1", "sg-web"), instance("i-2", None, "sg-web")],
               [WEB])
    edge = edges(text)["k8s:Container:ops/web/app"]
    assert edge.confidence == "possible"
    assert edge.evidence[0] == \
        "k8s:Deployment:ops/web: spec.template.spec.containers[0].ports[0].hostPort=8080"


# Load balancer schemes -------------------------------------------------------------------

def service(annotations: dict[str, str], extra: str = "") -> str:
    return (f"kind: Service\nmetadata: {{name: lb, namespace: shop, annotations: "
            f"{json.dumps(annotations)}}}\nspec: {{type: LoadBalancer, ports: [{{port: 80}}]"
            f"{extra}}}\n")


LB = "k8s:Service:shop/lb"
TYPE, SCHEME = ("service.beta.kubernetes.io/aws-load-balancer-type",
                "service.beta.kubernetes.io/aws-load-balancer-scheme")
INTERNAL = "service.beta.kubernetes.io/aws-load-balancer-internal"


@pytest.mark.parametrize(("annotations", "public"), [
    ({}, True),
    ({INTERNAL: "true"}, False),
    ({INTERNAL: "0.0.0.0/0"}, False),  # the in-tree provider reads any value but "false"
    ({INTERNAL: "false"}, True),
    ({SCHEME: "internal"}, False),
    ({TYPE: "external"}, False),  # the AWS Load Balancer Controller's default is internal
    ({TYPE: "nlb-ip"}, False),
    ({TYPE: "external", SCHEME: "internet-facing"}, True),
    ({TYPE: "external", INTERNAL: "false"}, True),
    ({TYPE: "external", SCHEME: "internal", INTERNAL: "false"}, False),  # scheme wins
    ({TYPE: "nlb"}, True),  # the in-tree provider's NLB
])
def test_load_balancer_scheme(annotations: dict[str, str], public: bool) -> None:
    assert (LB in edges(service(annotations))) is public


@pytest.mark.parametrize(("extra", "annotations", "confidence"), [
    (", loadBalancerClass: service.k8s.aws/nlb", {}, None),  # the controller: internal
    (", loadBalancerClass: service.k8s.aws/nlb", {SCHEME: "internet-facing"}, "likely"),
    (", loadBalancerClass: example.com/other-lb", {}, "possible"),  # scheme unknown
])
def test_load_balancer_class_names_the_controller(extra: str, annotations: dict[str, str],
                                                  confidence: str | None) -> None:
    found = edges(service(annotations, extra))
    assert (found[LB].confidence if LB in found else None) == confidence


def test_source_ranges_raise_the_cost_unless_open_or_overridden() -> None:
    ranges = "service.beta.kubernetes.io/load-balancer-source-ranges"
    groups = "service.beta.kubernetes.io/aws-load-balancer-security-groups"
    by_spec = edges(service({}, ", loadBalancerSourceRanges: [10.0.0.0/8]"))[LB]
    by_note = edges(service({ranges: "10.0.0.0/8, 192.0.2.0/24"}))[LB]
    assert by_spec.cost == by_note.cost == RESTRICTED_COST
    assert "10.0.0.0/8, 192.0.2.0/24" in by_note.reason
    assert edges(service({ranges: "10.0.0.0/8,0.0.0.0/0"}))[LB].cost is None
    assert edges(service({TYPE: "external", SCHEME: "internet-facing", groups: "sg-1",
                          ranges: "10.0.0.0/8"}))[LB].cost is None


# Ingresses -------------------------------------------------------------------------------

def ingress(name: str, annotations: dict[str, str], klass: str = "alb",
            namespace: str = "shop") -> str:
    spec = f"{{ingressClassName: {klass}}}" if klass else "{}"
    return (f"---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: {name}, "
            f"namespace: {namespace}, annotations: {json.dumps(annotations)}}}\nspec: {spec}\n")


ALB = "alb.ingress.kubernetes.io/"
FACING = {ALB + "scheme": "internet-facing"}


def test_alb_scheme_inbound_cidrs_and_waf() -> None:
    found = edges(
        ingress("open", FACING)
        + ingress("cidrs", {**FACING, ALB + "inbound-cidrs": "203.0.113.0/24"})
        + ingress("waf", {**FACING, ALB + "waf-acl-id": "499e8b99"})
        + ingress("no-waf", {**FACING, ALB + "wafv2-acl-arn": "none"})
        + ingress("shield", {**FACING, ALB + "shield-advanced-protection": "true"})
        + ingress("private", {ALB + "scheme": "internal"})
        + ingress("unset", {}))
    cost = {name: found[f"k8s:Ingress:shop/{name}"].cost for name in
            ("open", "cidrs", "waf", "no-waf", "shield", "unset")}
    assert cost == {"open": None, "cidrs": RESTRICTED_COST, "waf": 3.0, "no-waf": None,
                    "shield": 3.0, "unset": RESTRICTED_COST}
    assert found["k8s:Ingress:shop/unset"].confidence == "possible"
    assert "k8s:Ingress:shop/private" not in found


def test_ingress_group_shares_one_alb_across_namespaces() -> None:
    group = {ALB + "group.name": "edge"}
    found = edges(ingress("front", {**group, **FACING}, namespace="web")
                  + ingress("admin", group, namespace="ops")
                  + ingress("alone", {}, namespace="ops"))
    admin = found["k8s:Ingress:ops/admin"]
    assert admin.confidence == "likely" and "IngressGroup edge" in admin.reason
    assert admin.evidence[0].startswith("k8s:Ingress:web/front: ")
    assert found["k8s:Ingress:ops/alone"].confidence == "possible"


def test_only_the_alb_class_reads_alb_annotations() -> None:
    found = edges(ingress("nginx", {ALB + "scheme": "internal"}, klass="nginx")
                  + ingress("classless", {ALB + "scheme": "internal"}, klass=""))
    assert found["k8s:Ingress:shop/nginx"].confidence == "likely"
    assert "k8s:Ingress:shop/classless" not in found
