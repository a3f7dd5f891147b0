"""Network-class hubs are named by their policy class, not after an arbitrary member pod."""

from __future__ import annotations

from ingest import inventory_from_text
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import get

CLASSES = """
kind: Pod
metadata: {name: client, namespace: shop, labels: {app: client}}
spec: {containers: [{name: curl, image: curl}]}
---
kind: Pod
metadata: {name: pg, namespace: db, labels: {app: pg}}
spec: {containers: [{name: postgres, image: postgres, ports: [{containerPort: 5432}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: pg-from-client, namespace: db}
spec:
  podSelector: {matchLabels: {app: pg}}
  ingress:
  - from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: client}}}]
"""

EARLY_POD = """
---
kind: Pod
metadata: {name: aaa, namespace: db, labels: {app: pg}}
spec: {containers: [{name: aaa, image: postgres, ports: [{containerPort: 5432}]}]}
"""


def hubs(inv: Inventory) -> dict[str, set[str]]:
    """Hub id -> the containers entering it (from-hubs) or it leads to (to-hubs)."""
    found: dict[str, set[str]] = {}
    for edge in get("net.reach").find(inv):
        if edge.target.startswith("hub:net-reach-from:"):
            found.setdefault(edge.target, set()).add(edge.source)
        elif edge.source.startswith("hub:net-reach-to:") \
                and edge.target.startswith("k8s:Container:"):
            found.setdefault(edge.source, set()).add(edge.target)
    return found


def enforced(text: str) -> Inventory:
    inv = inventory_from_text(text)
    inv.network_policy_enforcement = True
    return inv


def test_hubs_are_named_by_the_policies_isolating_the_class() -> None:
    named = hubs(enforced(CLASSES))
    [to_pg] = [h for h in named if h.startswith("hub:net-reach-to:")]
    assert to_pg.startswith("hub:net-reach-to:ingress=db/pg-from-client/")
    assert named[to_pg] == {"k8s:Container:db/pg/postgres"}
    assert all("class-of" not in h and "client/curl" not in h for h in named)


def test_a_new_member_sorting_first_leaves_the_names_alone() -> None:
    before = hubs(enforced(CLASSES))
    after = hubs(enforced(CLASSES + EARLY_POD))
    assert set(after) == set(before)
    [to_pg] = [h for h in after if h.startswith("hub:net-reach-to:")]
    assert "k8s:Container:db/aaa/aaa" in after[to_pg]


def test_classes_isolated_by_the_same_policies_get_distinct_names() -> None:
    other_port = EARLY_POD.replace("containerPort: 5432", "containerPort: 6432")
    named = hubs(enforced(CLASSES + other_port))
    to_hubs = [h for h in named if h.startswith("hub:net-reach-to:ingress=db/pg-from-client/")]
    assert len(to_hubs) == 2 and len({h.rsplit("/", 1)[1] for h in to_hubs}) == 2
