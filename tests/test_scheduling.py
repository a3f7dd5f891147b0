"""Node pools and exact placement: selectors, node affinity operators, taints and tolerations."""

from __future__ import annotations

from typing import Any

import yaml

from ingest import inventory_from_text
from queries import attack_paths
from riskgraph.builder import build_graph
from riskgraph.estate.inventory import Inventory

GROUP = "eks.amazonaws.com/nodegroup"


def node(name: str, group: str | None = None, labels: dict[str, str] | None = None,
         taints: tuple[dict[str, str], ...] = ()) -> dict[str, Any]:
    all_labels = {**(labels or {}), **({GROUP: group} if group else {})}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": all_labels},
            "spec": {"taints": list(taints)}}


def workload(name: str = "app", kind: str = "Deployment", **spec: Any) -> dict[str, Any]:
    pod_spec = {"containers": [{"name": "c", "image": "x"}], **spec}
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name, "namespace": "ns"},
            "spec": {"template": {"spec": pod_spec}}}


def inventory(*objects: dict[str, Any]) -> Inventory:
    return inventory_from_text(yaml.safe_dump_all(objects))


def placed(inv: Inventory, name: str = "app") -> dict[str, str]:
    """Pool (or node) name -> confidence of where the named pod lands."""
    (pod,) = (p for p in inv.pods if p.name == name)
    return {place.target.split(":", 2)[2]: place.confidence for place in inv.placements(pod)}


def taint(key: str, value: str = "", effect: str = "NoSchedule") -> dict[str, str]:
    return {"key": key, "value": value, "effect": effect}


def pools_fitting(*objects: dict[str, Any]) -> set[str]:
    return set(placed(inventory(*objects)))


# Pools -------------------------------------------------------------------------------------


def test_node_group_labels_name_pools_eks_first_then_karpenter_then_eksctl() -> None:
    inv = inventory(
        node("n1", "managed", {"karpenter.sh/nodepool": "ignored"}),
        node("n2", labels={"karpenter.sh/nodepool": "burst"}),
        node("n3", labels={"alpha.eksctl.io/nodegroup-name": "legacy"}))
    assert {name: [n.name for n in nodes] for name, nodes in inv.pools.items()} == {
        "managed": ["n1"], "burst": ["n2"], "legacy": ["n3"]}


def test_unlabelled_nodes_group_by_labels_and_taints_but_not_hostname_or_instance_id() -> None:
    inv = inventory(*(node(f"w{i}", labels={"kubernetes.io/hostname": f"w{i}",
                                            "alpha.eksctl.io/instance-id": f"i-{i}"})
                      for i in range(3)))
    assert list(inv.pools) == ["default"]
    split = inventory(node("w1"), node("w2", taints=(taint("dedicated", "db"),)))
    assert len(split.pools) == 2 and all(name.startswith("default-") for name in split.pools)


def test_condition_taints_do_not_split_a_pool_but_still_block_placement() -> None:
    cordoned = node("w2", taints=(taint("node.kubernetes.io/unschedulable"),))
    inv = inventory(node("w1"), cordoned, workload())
    assert list(inv.pools) == ["default"]
    assert placed(inv) == {"default": "certain"}
    alone = inventory(cordoned, workload())
    assert placed(alone) == {}


def test_node_role_labels_name_an_unlabelled_pool() -> None:
    inv = inventory(node("cp", labels={"node-role.kubernetes.io/control-plane": ""}),
                    node("w1"))
    assert set(inv.pools) == {"control-plane", "default"}


def test_pool_labels_and_taints_are_those_every_node_carries() -> None:
    zone = "topology.kubernetes.io/zone"
    inv = inventory(node("n1", "g", {zone: "a", "tier": "x"}, (taint("t", "1"),)),
                    node("n2", "g", {zone: "b", "tier": "x"}, (taint("t", "1"), taint("u"))))
    pool = inv.node_pools["g"]
    assert pool.labels == {GROUP: "g", "tier": "x"}
    assert [str(t) for t in pool.taints] == ["t=1:NoSchedule"]


# Selectors and node affinity ---------------------------------------------------------------

LABELLED = node("n1", "labelled", {"size": "5", "tier": "gold", "disk": "ssd"})
BARE = node("n2", "bare")


def required(*terms: list[dict[str, Any]], fields: list[dict[str, Any]] | None = None,
             ) -> dict[str, Any]:
    term_list: list[dict[str, Any]] = [{"matchExpressions": t} for t in terms]
    if fields is not None:
        term_list.append({"matchFields": fields})
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": term_list}}}


def fits_expression(key: str, operator: str, *values: str) -> set[str]:
    expression: dict[str, Any] = {"key": key, "operator": operator}
    if values:
        expression["values"] = list(values)
    return pools_fitting(LABELLED, BARE, workload(affinity=required([expression])))


def test_node_selector_needs_every_pair() -> None:
    assert pools_fitting(LABELLED, BARE, workload(nodeSelector={"tier": "gold"})) == {"labelled"}
    assert pools_fitting(LABELLED, BARE, workload(
        nodeSelector={"tier": "gold", "disk": "hdd"})) == set()


def test_operator_in_needs_the_label_with_one_of_the_values() -> None:
    assert fits_expression("tier", "In", "silver", "gold") == {"labelled"}
    assert fits_expression("tier", "In", "silver") == set()


def test_operator_not_in_matches_nodes_without_the_label() -> None:
    assert fits_expression("tier", "NotIn", "gold") == {"bare"}
    assert fits_expression("tier", "NotIn", "silver") == {"labelled", "bare"}


def test_operator_exists_and_does_not_exist() -> None:
    assert fits_expression("disk", "Exists") == {"labelled"}
    assert fits_expression("disk", "DoesNotExist") == {"bare"}


def test_operator_gt_and_lt_compare_integers() -> None:
    assert fits_expression("size", "Gt", "4") == {"labelled"}
    assert fits_expression("size", "Gt", "5") == set()
    assert fits_expression("size", "Lt", "6") == {"labelled"}
    assert fits_expression("size", "Lt", "5") == set()


def test_operator_gt_never_matches_a_non_integer_label_or_bound() -> None:
    assert fits_expression("tier", "Gt", "1") == set()
    assert fits_expression("size", "Gt", "one") == set()


def test_unknown_operator_matches_nothing() -> None:
    assert fits_expression("tier", "Equals", "gold") == set()


def test_affinity_terms_are_ored_and_expressions_within_a_term_anded() -> None:
    gold = {"key": "tier", "operator": "In", "values": ["gold"]}
    hdd = {"key": "disk", "operator": "In", "values": ["hdd"]}
    no_tier = {"key": "tier", "operator": "DoesNotExist"}
    assert pools_fitting(LABELLED, BARE, workload(affinity=required([gold, hdd]))) == set()
    assert pools_fitting(LABELLED, BARE, workload(affinity=required([gold], [no_tier]))) == {
        "labelled", "bare"}


def test_empty_term_and_empty_term_list_select_no_node() -> None:
    assert pools_fitting(LABELLED, BARE, workload(affinity=required([]))) == set()
    assert pools_fitting(LABELLED, BARE, workload(affinity=required())) == set()


def test_node_selector_and_required_affinity_must_both_hold() -> None:
    bare_only = required([{"key": "tier", "operator": "DoesNotExist"}])
    assert pools_fitting(LABELLED, BARE, workload(nodeSelector={"tier": "gold"},
                                                  affinity=bare_only)) == set()


def test_preferred_affinity_never_restricts() -> None:
    preferred = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 1, "preference": {"matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["gold"]}]}}]}}
    assert pools_fitting(LABELLED, BARE, workload(affinity=preferred)) == {"labelled", "bare"}


def test_match_fields_on_metadata_name_selects_the_pool_holding_that_node() -> None:
    by_name = required(fields=[{"key": "metadata.name", "operator": "In", "values": ["n2"]}])
    assert pools_fitting(LABELLED, BARE, workload(affinity=by_name)) == {"bare"}
    other_field = required(fields=[{"key": "spec.x", "operator": "In", "values": ["n2"]}])
    assert pools_fitting(LABELLED, BARE, workload(affinity=other_field)) == set()


def test_hostname_selector_is_matched_node_by_node() -> None:
    nodes = [node(f"n{i}", "g", {"kubernetes.io/hostname": f"n{i}"}) for i in range(3)]
    inv = inventory(*nodes, workload(nodeSelector={"kubernetes.io/hostname": "n1"}))
    assert placed(inv) == {"g": "certain"}
    assert placed(inventory(*nodes, workload(
        nodeSelector={"kubernetes.io/hostname": "gone"}))) == {}


def test_a_pod_fits_a_pool_when_one_of_its_nodes_fits() -> None:
    zone = "topology.kubernetes.io/zone"
    inv = inventory(node("n1", "g", {zone: "a"}), node("n2", "g", {zone: "b"}),
                    workload(nodeSelector={zone: "b"}))
    assert placed(inv) == {"g": "certain"}


# Taints and tolerations --------------------------------------------------------------------

TAINTED = node("t1", "tainted", taints=(taint("dedicated", "db"),))
PLAIN = node("p1", "plain")


def fits_tolerating(*tolerations: dict[str, str], taints: tuple[dict[str, str], ...] = (
        taint("dedicated", "db"),)) -> set[str]:
    return pools_fitting(node("t1", "tainted", taints=taints), PLAIN,
                         workload(tolerations=list(tolerations)))


def test_no_schedule_taint_blocks_a_pod_that_does_not_tolerate_it() -> None:
    assert fits_tolerating() == {"plain"}


def test_no_execute_taint_blocks_a_pod_that_does_not_tolerate_it() -> None:
    assert fits_tolerating(taints=(taint("dedicated", "db", "NoExecute"),)) == {"plain"}


def test_prefer_no_schedule_never_blocks() -> None:
    assert fits_tolerating(taints=(taint("dedicated", "db", "PreferNoSchedule"),)) == {
        "tainted", "plain"}


def test_equal_is_the_default_operator_and_compares_values() -> None:
    assert fits_tolerating({"key": "dedicated", "value": "db"}) == {"tainted", "plain"}
    assert fits_tolerating({"key": "dedicated", "value": "web"}) == {"plain"}
    assert fits_tolerating({"key": "dedicated", "operator": "Equal", "value": "db",
                            "effect": "NoSchedule"}) == {"tainted", "plain"}


def test_exists_with_a_key_tolerates_any_value_of_it() -> None:
    assert fits_tolerating({"key": "dedicated", "operator": "Exists"}) == {"tainted", "plain"}
    assert fits_tolerating({"key": "other", "operator": "Exists"}) == {"plain"}


def test_exists_without_a_key_tolerates_every_taint() -> None:
    assert fits_tolerating({"operator": "Exists"}, taints=(
        taint("a"), taint("b", "1", "NoExecute"))) == {"tainted", "plain"}


def test_empty_effect_matches_every_effect_and_a_given_effect_must_match() -> None:
    assert fits_tolerating({"key": "dedicated", "value": "db"},
                           taints=(taint("dedicated", "db", "NoExecute"),)) == {"tainted", "plain"}
    assert fits_tolerating({"key": "dedicated", "value": "db", "effect": "NoExecute"}) == {"plain"}


def test_every_blocking_taint_must_be_tolerated() -> None:
    assert fits_tolerating({"key": "a", "operator": "Exists"},
                           taints=(taint("a"), taint("b"))) == {"plain"}


def test_daemonset_pods_get_the_controllers_automatic_tolerations() -> None:
    condition = (taint("node.kubernetes.io/not-ready", effect="NoExecute"),
                 taint("node.kubernetes.io/unreachable", effect="NoExecute"),
                 *(taint(f"node.kubernetes.io/{c}") for c in
                   ("disk-pressure", "memory-pressure", "pid-pressure", "unschedulable")))
    troubled = node("sick", "sick", taints=condition)
    assert pools_fitting(troubled, PLAIN, workload(kind="DaemonSet")) == {"sick", "plain"}
    assert pools_fitting(troubled, PLAIN, workload()) == {"plain"}


def test_daemonset_tolerates_network_unavailable_only_with_host_network() -> None:
    offline = node("off", "off", taints=(taint("node.kubernetes.io/network-unavailable"),))
    assert pools_fitting(offline, PLAIN, workload(kind="DaemonSet")) == {"plain"}
    assert pools_fitting(offline, PLAIN, workload(kind="DaemonSet", hostNetwork=True)) == {
        "off", "plain"}


def test_daemonset_still_needs_other_taints_tolerated_and_selectors_met() -> None:
    inv = inventory(TAINTED, PLAIN, node("p2", "gold", {"tier": "gold"}),
                    workload(kind="DaemonSet", nodeSelector={"tier": "gold"}))
    assert placed(inv) == {"gold": "certain"}


def test_daemonset_on_part_of_a_pool_is_only_possibly_on_its_nodes() -> None:
    inv = inventory(node("n1", "g", {"tier": "gold"}), node("n2", "g"),
                    workload(kind="DaemonSet", nodeSelector={"tier": "gold"}))
    assert placed(inv) == {"g": "possible"}


# Placement as a whole ----------------------------------------------------------------------


def test_a_pod_that_fits_no_pool_is_a_problem_and_has_no_placement() -> None:
    inv = inventory(TAINTED, PLAIN, workload(nodeSelector={"tier": "gold"}))
    assert placed(inv) == {}
    (problem,) = inv.problems
    assert problem.obj == "Deployment ns/app"
    assert problem.message.startswith("fits no node pool: ")
    assert "nodeSelector tier=gold" in problem.message
    graph = build_graph(inv)
    placing = {"schedule.on", "node.controls-pod"}
    assert not [edge for edge in graph.edges(keys=True) if edge[2] in placing]


def test_without_nodes_every_unbound_pod_lands_on_the_any_pool() -> None:
    inv = inventory(workload(nodeSelector={"tier": "gold"}, tolerations=[]))
    assert placed(inv) == {"any": "certain"}
    assert not inv.problems


def test_a_live_pod_is_on_its_node_whatever_its_constraints() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app", "namespace": "ns"},
           "spec": {"nodeName": "t1", "nodeSelector": {"tier": "gold"},
                    "containers": [{"name": "c"}]}}
    inv = inventory(TAINTED, pod)
    assert placed(inv) == {"t1": "certain"}
    assert not inv.problems


def test_pods_asking_for_the_same_placement_share_one_answer() -> None:
    inv = inventory(TAINTED, PLAIN, workload("a", nodeSelector={"x": "y"}),
                    workload("b"), workload("c"))
    a, b, c = (next(p for p in inv.pods if p.name == n) for n in "abc")
    assert inv.placements(b) is inv.placements(c)
    assert inv.placements(a) == []


# The card's example, end to end ------------------------------------------------------------

PUBLIC_AND_SENSITIVE = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx, securityContext: {privileged: true}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: payments, namespace: pay, labels: {riskgraph.io/sensitive: "true"}}
spec:
  template:
    metadata: {labels: {app: payments}}
    spec:
      PLACEMENT
      containers: [{name: api, image: pay, volumeMounts: [{name: creds, mountPath: /creds}]}]
      volumes: [{name: creds, secret: {secretName: db-creds}}]
---
apiVersion: v1
kind: Secret
metadata: {name: db-creds, namespace: pay}
---
apiVersion: v1
kind: Node
metadata: {name: ip-10-0-1-1.ec2.internal, labels: {eks.amazonaws.com/nodegroup: general}}
---
apiVersion: v1
kind: Node
metadata:
  name: ip-10-0-2-1.ec2.internal
  labels: {eks.amazonaws.com/nodegroup: payments, workload: payments}
spec: {taints: [{key: dedicated, value: payments, effect: NoSchedule}]}
"""
ISOLATED = """nodeSelector: {workload: payments}
      tolerations: [{key: dedicated, operator: Equal, value: payments, effect: NoSchedule}]"""


def routes_to_secrets(placement: str) -> list[tuple[str, ...]]:
    inv = inventory_from_text(PUBLIC_AND_SENSITIVE.replace("PLACEMENT", placement))
    assert not inv.problems
    return [path.vertices for path in attack_paths(build_graph(inv), "internet", "secret")]


def test_public_pod_reaches_the_sensitive_workloads_secret_through_a_shared_pool() -> None:
    (route,) = routes_to_secrets("")
    assert route[0] == "internet" and "k8s:Container:shop/web/web" in route
    assert route[-4:] == ("k8s:NodePool:general", "k8s:Pod:pay/payments",
                          "k8s:Container:pay/payments/api", "k8s:Secret:pay/db-creds")


def test_isolating_the_sensitive_workload_on_a_tainted_pool_removes_the_path() -> None:
    assert routes_to_secrets(ISOLATED) == []
