"""net.reach-aws: pods reach RDS databases their security groups admit; SecurityGroupPolicy
selection; pods with security groups are not isolated by NetworkPolicies (net.reach)."""

from __future__ import annotations

import json
import time

from ingest import inventory_from_text, load_k8s
from ingest.k8s_live import RESOURCES
from riskgraph import ids
from riskgraph.demo import demo_dir
from riskgraph.techniques import Edge
from riskgraph.techniques.net import reach as net_reach
from riskgraph.techniques.net import reach_aws as net_reach_aws

DB = "arn:aws:rds:us-east-1:111122223333:db:orders"
INSTANCE = "i-0aaa1111bbbb2222c"


def hub(*groups: str) -> str:
    return ids.hub_id("net-reach-aws", "sg/" + ",".join(groups))


def rds(port: int = 5432, groups: tuple[str, ...] = ("sg-db",)) -> str:
    return "\n---\n" + json.dumps({"DBInstances": [{
        "DBInstanceIdentifier": "orders", "DBInstanceArn": DB, "Engine": "postgres",
        "Endpoint": {"Address": "orders.example", "Port": port},
        "VpcSecurityGroups": [{"VpcSecurityGroupId": g, "Status": "active"} for g in groups]}]})


def groups(db_ingress: list[dict[str, object]], *senders: str,
           egress: list[dict[str, object]] | None = None) -> str:
    everywhere = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    return "\n---\n" + json.dumps({"SecurityGroups": [
        {"GroupId": "sg-db", "IpPermissions": db_ingress},
        *({"GroupId": s, "IpPermissionsEgress": everywhere if egress is None else egress}
          for s in senders)]})


def from_group(group: str, port: int = 5432) -> dict[str, object]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
            "UserIdGroupPairs": [{"GroupId": group}]}


def from_cidr(cidr: str) -> dict[str, object]:
    return {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
            "IpRanges": [{"CidrIp": cidr}]}


NODE = f"""
kind: Node
metadata: {{name: n1}}
spec: {{providerID: "aws:///us-east-1a/{INSTANCE}"}}
---
{json.dumps({"Reservations": [{"OwnerId": "111122223333", "Instances": [{
    "InstanceId": INSTANCE, "Placement": {"AvailabilityZone": "us-east-1a"},
    "SecurityGroups": [{"GroupId": "sg-nodes"}]}]}]})}
"""


def pod(name: str, labels: str = "{}", extra: str = "", sa: str = "default",
        namespace: str = "shop") -> str:
    return f"""
---
kind: Pod
metadata: {{name: {name}, namespace: {namespace}, labels: {labels}}}
spec:
  nodeName: n1
  serviceAccountName: {sa}
  {extra}
  containers: [{{name: {name}, image: app}}]
"""


def sgp(name: str, spec: str, group: str = "sg-pods", namespace: str = "shop") -> str:
    return f"""
---
apiVersion: vpcresources.k8s.aws/v1beta1
kind: SecurityGroupPolicy
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  {spec}
  securityGroups: {{groupIds: [{group}]}}
"""


def run(text: str) -> list[Edge]:
    return list(net_reach_aws.find(inventory_from_text(text)))


def pairs(edges: list[Edge]) -> set[tuple[str, str]]:
    return {(e.source, e.target) for e in edges}


def container(name: str, namespace: str = "shop") -> str:
    return f"k8s:Container:{namespace}/{name}/{name}"


def test_selection_by_pod_labels_service_account_labels_or_both() -> None:
    text = NODE + rds() + groups([from_group("sg-pods")], "sg-pods", "sg-nodes") \
        + pod("by-label", "{app: api}") \
        + pod("by-account", sa="payer") \
        + pod("both-ok", "{tier: db}", sa="payer") \
        + pod("both-half", "{tier: db}") \
        + pod("host", "{app: api}", extra="hostNetwork: true") \
        + pod("elsewhere", "{app: api}", namespace="other") + """
---
kind: ServiceAccount
metadata: {name: payer, namespace: shop, labels: {pays: "yes"}}
""" + sgp("labels", "podSelector: {matchLabels: {app: api}}") \
        + sgp("account", "serviceAccountSelector: {matchExpressions: "
              "[{key: pays, operator: In, values: ['yes']}]}") \
        + sgp("both", "podSelector: {matchLabels: {tier: db}}\n"
              "  serviceAccountSelector: {matchLabels: {pays: 'yes'}}") \
        + sgp("no-groups", "podSelector: {}", group="")
    found = pairs(run(text))
    into_pods = {s for s, t in found if t == hub("sg-pods")}
    # "both-half" matches the pod selector of "both" but not its account selector; hostNetwork
    # pods and pods of other namespaces keep the node's groups, which the database ignores.
    assert into_pods == {container("by-label"), container("by-account"), container("both-ok")}
    assert (hub("sg-pods"), DB) in found
    assert all(t != hub("sg-nodes") for _, t in found)


def test_node_groups_certain_and_cidr_likely() -> None:
    node_admitted = run(NODE + rds() + groups([from_group("sg-nodes")], "sg-nodes")
                        + pod("worker"))
    assert {(e.source, e.target): e.confidence for e in node_admitted} == {
        (container("worker"), hub("sg-nodes")): "certain", (hub("sg-nodes"), DB): "certain"}
    assert any("UserIdGroupPairs[0].GroupId" in proof for e in node_admitted
               for proof in e.evidence)
    for cidr, level in (("10.0.0.0/8", "likely"), ("0.0.0.0/0", "certain")):
        edges = run(NODE + rds() + groups([from_cidr(cidr)], "sg-nodes")
                    + pod("worker"))
        assert {e.confidence for e in edges if e.target == DB} == {level}


def test_wrong_port_other_group_or_closed_egress_reach_nothing() -> None:
    base = NODE + rds()
    assert run(base + groups([from_group("sg-nodes", 3306)], "sg-nodes") + pod("w")) == []
    assert run(base + groups([from_group("sg-bastion")], "sg-nodes") + pod("w")) == []
    closed = groups([from_group("sg-nodes")], "sg-nodes", egress=[])
    assert run(base + closed + pod("w")) == []
    to_db = groups([from_group("sg-nodes")], "sg-nodes", egress=[from_group("sg-db")])
    assert pairs(run(base + to_db + pod("w"))) == {(container("w"), hub("sg-nodes")),
                                                  (hub("sg-nodes"), DB)}


def test_unknown_sender_egress_is_likely_and_missing_database_groups_judge_nothing() -> None:
    base = NODE + rds()
    unknown_egress = run(base + groups([from_group("sg-nodes")]) + pod("w"))
    assert {e.confidence for e in unknown_egress if e.target == DB} == {"likely"}
    assert run(NODE + rds(groups=("sg-gone",))
               + groups([from_cidr("0.0.0.0/0")], "sg-nodes") + pod("w")) == []
    assert run(NODE + groups([from_group("sg-nodes")], "sg-nodes") + pod("w")) == []


def test_launch_template_groups_when_the_instance_is_missing() -> None:
    text = """
kind: Node
metadata: {name: n1, labels: {eks.amazonaws.com/nodegroup: general}}
---
{"nodegroup": {"nodegroupName": "general", "clusterName": "prod",
  "launchTemplate": {"id": "lt-0abc", "version": "2"}}}
---
{"LaunchTemplateVersions": [{"LaunchTemplateId": "lt-0abc", "VersionNumber": 2,
  "LaunchTemplateData": {"SecurityGroupIds": ["sg-lt"]}}]}
""" + rds() + groups([from_group("sg-lt")], "sg-lt") + pod("w")
    edges = run(text)
    assert pairs(edges) == {(container("w"), hub("sg-lt")), (hub("sg-lt"), DB)}
    assert any("LaunchTemplateData.SecurityGroupIds" in p for e in edges for p in e.evidence)


def test_template_on_a_pool_of_mixed_groups_is_possible() -> None:
    nodes = []
    for n, group in (("a", "sg-one"), ("b", "sg-two")):
        instance = f"i-0{n * 16}"
        nodes.append(f"""
kind: Node
metadata: {{name: {n}}}
spec: {{providerID: "aws:///us-east-1a/{instance}"}}
---
{json.dumps({"Reservations": [{"OwnerId": "111122223333", "Instances": [{
    "InstanceId": instance, "SecurityGroups": [{"GroupId": group}]}]}]})}
""")
    deployment = """
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web}]}
"""
    edges = run("---\n".join(nodes) + rds()
                + groups([from_group("sg-one")], "sg-one", "sg-two") + deployment)
    assert {(e.source, e.target): e.confidence for e in edges} == {
        (container("web"), hub("sg-one")): "possible", (hub("sg-one"), DB): "certain"}


def test_demo_pods_reach_payments_db_through_the_node_group() -> None:
    edges = list(net_reach_aws.find(load_k8s([demo_dir()])))
    demo_hub = hub("sg-0demo0nodes00001")
    payments = "arn:aws:rds:us-east-1:111122223333:db:payments-db"
    assert (demo_hub, payments) in pairs(edges)
    assert any(e.target == demo_hub for e in edges)


def test_one_hub_per_group_set_at_scale() -> None:
    pods = "".join(pod(f"p{i}", "{app: api}" if i % 2 else "{}") for i in range(2000))
    text = NODE + rds() \
        + groups([from_group("sg-pods"), from_group("sg-nodes")], "sg-pods", "sg-nodes") \
        + pods + sgp("api", "podSelector: {matchLabels: {app: api}}")
    inv = inventory_from_text(text)
    started = time.perf_counter()
    edges = list(net_reach_aws.find(inv))
    assert time.perf_counter() - started < 2.0
    assert {t for _, t in pairs(edges) if t.startswith("hub:")} == {hub("sg-pods"),
                                                                     hub("sg-nodes")}
    assert len(edges) == 2000 + 2


CALICO_DENY_ALL = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: calico-node, namespace: kube-system}
spec:
  template:
    spec:
      hostNetwork: true
      containers: [{name: calico-node, image: docker.io/calico/node:v3.27.0}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
kind: Pod
metadata: {name: client, namespace: shop}
spec: {containers: [{name: client, image: curl}]}
---
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: api, image: api, ports: [{containerPort: 8080}]}]}
"""


def test_pods_with_security_groups_are_not_isolated_by_network_policies() -> None:
    isolated = pairs(list(net_reach.find(inventory_from_text(CALICO_DENY_ALL))))
    assert not any(t == container("api") for _, t in isolated)
    with_groups = CALICO_DENY_ALL + sgp("api", "podSelector: {matchLabels: {app: api}}")
    reached = pairs(list(net_reach.find(inventory_from_text(with_groups))))
    assert any(t == container("api") for _, t in reached)


def test_live_reader_lists_security_group_policies() -> None:
    assert any(r.kind == "SecurityGroupPolicy" and r.api_version ==
               "vpcresources.k8s.aws/v1beta1" for r in RESOURCES)
