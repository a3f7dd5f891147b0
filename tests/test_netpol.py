"""NetworkPolicy semantics as truth tables, written for this project.

The estate: namespaces x, y, z (labelled ns=<name>), each with pods a, b, c (labelled
pod=<name>) serving TCP 80 ("serve-80"), TCP 81 ("serve-81") and UDP 80 ("serve-udp").
Each case adds policies and gives, per probe, a matrix: one row per source, one column per
target (x/a x/b x/c  y/a ... z/c), X = allowed, . = blocked. A pod always reaches itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import pytest

from ingest.k8s_files import inventory_from_text
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Pod
from riskgraph.netpol import NetworkPolicies, Port, PortSet

NAMESPACES = ("x", "y", "z")
POD_NAMES = ("a", "b", "c")
PODS = [f"{ns}/{name}" for ns in NAMESPACES for name in POD_NAMES]
PROBES = {"80/TCP": Port(80, "TCP"), "81/TCP": Port(81, "TCP"), "80/UDP": Port(80, "UDP")}

_POD = """
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: {ns}, labels: {{pod: {name}}}}}
spec:
  containers:
  - name: serve
    ports:
    - {{name: serve-80, containerPort: 80}}
    - {{name: serve-81, containerPort: 81}}
    - {{name: serve-udp, containerPort: 80, protocol: UDP}}
"""
ESTATE = "\n---\n".join(
    [f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}, labels: {{ns: {ns}}}}}"
     for ns in NAMESPACES]
    + [_POD.format(name=name, ns=ns) for ns in NAMESPACES for name in POD_NAMES])


def policy(ns: str, name: str, spec: str) -> str:
    """A NetworkPolicy document; ``spec`` is YAML flow style."""
    return (f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
            f"metadata: {{name: {name}, namespace: {ns}}}\nspec: {spec}\n")


def estate(*policies: str) -> Inventory:
    return inventory_from_text("\n---\n".join([ESTATE, *policies]))


def matrix(text: str) -> str:
    """A matrix normalised: rows ``x/a XXX XXX XXX`` in PODS order."""
    rows = [line.split() for line in text.strip().splitlines()]
    assert [r[0] for r in rows] == PODS, "rows must list every pod in order"
    return "\n".join(f"{r[0]} {' '.join(r[1:])}" for r in rows)


def observed(policies: NetworkPolicies, pods: dict[str, Pod], port: Port) -> str:
    rows = []
    for src in PODS:
        marks = "".join("X" if policies.allowed(pods[src], pods[dst], port).allowed else "."
                        for dst in PODS)
        rows.append(f"{src} {marks[0:3]} {marks[3:6]} {marks[6:9]}")
    return "\n".join(rows)


def pods_by_name(inv: Inventory) -> dict[str, Pod]:
    return {f"{p.metadata.namespace}/{p.name}": p for p in inv.pods}


ALL = """
x/a XXX XXX XXX
x/b XXX XXX XXX
x/c XXX XXX XXX
y/a XXX XXX XXX
y/b XXX XXX XXX
y/c XXX XXX XXX
z/a XXX XXX XXX
z/b XXX XXX XXX
z/c XXX XXX XXX
"""
NOTHING_INTO_X = """
x/a X.. XXX XXX
x/b .X. XXX XXX
x/c ..X XXX XXX
y/a ... XXX XXX
y/b ... XXX XXX
y/c ... XXX XXX
z/a ... XXX XXX
z/b ... XXX XXX
z/c ... XXX XXX
"""
NOTHING_OUT_OF_X = """
x/a X.. ... ...
x/b .X. ... ...
x/c ..X ... ...
y/a XXX XXX XXX
y/b XXX XXX XXX
y/c XXX XXX XXX
z/a XXX XXX XXX
z/b XXX XXX XXX
z/c XXX XXX XXX
"""


@dataclass(frozen=True)
class Case:
    """Policies and the expected matrix per probe (``tcp81``/``udp80`` default to ``tcp80``)."""

    name: str
    policies: tuple[str, ...]
    tcp80: str
    tcp81: str | None = None
    udp80: str | None = None

    def expected(self, probe: str) -> str:
        chosen = {"80/TCP": self.tcp80, "81/TCP": self.tcp81, "80/UDP": self.udp80}[probe]
        return matrix(chosen if chosen is not None else self.tcp80)


CASES = [
    Case("no policies", (), ALL),
    Case("deny-all ingress in x",
         (policy("x", "deny-all", "{podSelector: {}, policyTypes: [Ingress]}"),),
         NOTHING_INTO_X),
    Case("deny-all egress in x",
         (policy("x", "deny-all", "{podSelector: {}, policyTypes: [Egress]}"),),
         NOTHING_OUT_OF_X),
    Case("policyTypes defaulted to Ingress when there are no egress rules",
         (policy("x", "deny-all", "{podSelector: {}}"),), NOTHING_INTO_X),
    Case("empty egress list does not make an Egress policy",
         (policy("x", "deny-all", "{podSelector: {}, egress: []}"),), NOTHING_INTO_X),
    Case("allow same namespace",
         (policy("x", "same-ns", "{podSelector: {}, ingress: [{from: [{podSelector: {}}]}]}"),),
         """
         x/a XXX XXX XXX
         x/b XXX XXX XXX
         x/c XXX XXX XXX
         y/a ... XXX XXX
         y/b ... XXX XXX
         y/c ... XXX XXX
         z/a ... XXX XXX
         z/b ... XXX XXX
         z/c ... XXX XXX
         """),
    Case("namespaceSelector AND podSelector in one peer",
         (policy("x", "and", "{podSelector: {matchLabels: {pod: a}}, ingress: [{from: ["
                 "{namespaceSelector: {matchLabels: {ns: y}}, podSelector: {matchLabels: "
                 "{pod: b}}}]}]}"),),
         """
         x/a XXX XXX XXX
         x/b .XX XXX XXX
         x/c .XX XXX XXX
         y/a .XX XXX XXX
         y/b XXX XXX XXX
         y/c .XX XXX XXX
         z/a .XX XXX XXX
         z/b .XX XXX XXX
         z/c .XX XXX XXX
         """),
    Case("namespaceSelector OR podSelector in two peers",
         (policy("x", "or", "{podSelector: {matchLabels: {pod: a}}, ingress: [{from: ["
                 "{namespaceSelector: {matchLabels: {ns: y}}}, {podSelector: {matchLabels: "
                 "{pod: b}}}]}]}"),),
         """
         x/a XXX XXX XXX
         x/b XXX XXX XXX
         x/c .XX XXX XXX
         y/a XXX XXX XXX
         y/b XXX XXX XXX
         y/c XXX XXX XXX
         z/a .XX XXX XXX
         z/b .XX XXX XXX
         z/c .XX XXX XXX
         """),
    Case("empty namespaceSelector: pod b of every namespace",
         (policy("x", "any-ns-b", "{podSelector: {matchLabels: {pod: a}}, ingress: [{from: ["
                 "{namespaceSelector: {}, podSelector: {matchLabels: {pod: b}}}]}]}"),),
         """
         x/a XXX XXX XXX
         x/b XXX XXX XXX
         x/c .XX XXX XXX
         y/a .XX XXX XXX
         y/b XXX XXX XXX
         y/c .XX XXX XXX
         z/a .XX XXX XXX
         z/b XXX XXX XXX
         z/c .XX XXX XXX
         """),
    Case("namespaceSelector by the automatic kubernetes.io/metadata.name label",
         (policy("x", "from-z", "{podSelector: {}, ingress: [{from: [{namespaceSelector: "
                 "{matchLabels: {kubernetes.io/metadata.name: z}}}]}]}"),),
         """
         x/a X.. XXX XXX
         x/b .X. XXX XXX
         x/c ..X XXX XXX
         y/a ... XXX XXX
         y/b ... XXX XXX
         y/c ... XXX XXX
         z/a XXX XXX XXX
         z/b XXX XXX XXX
         z/c XXX XXX XXX
         """),
    Case("matchExpressions In / NotIn / Exists",
         (policy("x", "exprs", "{podSelector: {matchExpressions: [{key: pod, operator: In, "
                 "values: [a, b]}]}, ingress: [{from: [{namespaceSelector: {matchExpressions: "
                 "[{key: ns, operator: NotIn, values: [y]}, {key: ns, operator: Exists}]}, "
                 "podSelector: {matchExpressions: [{key: pod, operator: NotIn, values: [c]}]}}"
                 "]}]}"),),
         """
         x/a XXX XXX XXX
         x/b XXX XXX XXX
         x/c ..X XXX XXX
         y/a ..X XXX XXX
         y/b ..X XXX XXX
         y/c ..X XXX XXX
         z/a XXX XXX XXX
         z/b XXX XXX XXX
         z/c ..X XXX XXX
         """),
    Case("matchExpressions DoesNotExist selects nothing here",
         (policy("x", "unlabelled", "{podSelector: {matchExpressions: [{key: pod, operator: "
                 "DoesNotExist}]}, policyTypes: [Ingress]}"),), ALL),
    Case("named port: serve-80 only",
         (policy("x", "web", "{podSelector: {}, ingress: [{ports: [{port: serve-80}]}]}"),),
         ALL, NOTHING_INTO_X, NOTHING_INTO_X),
    Case("named port with its protocol: serve-udp over UDP",
         (policy("x", "dns", "{podSelector: {}, ingress: [{ports: [{port: serve-udp, "
                 "protocol: UDP}]}]}"),),
         NOTHING_INTO_X, NOTHING_INTO_X, ALL),
    Case("named port with the wrong protocol matches nothing",
         (policy("x", "wrong", "{podSelector: {}, ingress: [{ports: [{port: serve-udp}]}]}"),),
         NOTHING_INTO_X),
    Case("named port in an egress rule resolves at the destination",
         (policy("x", "out-81", "{podSelector: {}, policyTypes: [Egress], egress: [{ports: "
                 "[{port: serve-81}]}]}"),),
         NOTHING_OUT_OF_X, ALL, NOTHING_OUT_OF_X),
    Case("port and endPort: 81-8080",
         (policy("x", "range", "{podSelector: {}, ingress: [{ports: [{port: 81, endPort: "
                 "8080}]}]}"),),
         NOTHING_INTO_X, ALL, NOTHING_INTO_X),
    Case("port range 79-80 includes 80 only of the probes",
         (policy("x", "range", "{podSelector: {}, ingress: [{ports: [{protocol: TCP, port: 79,"
                 " endPort: 80}]}]}"),),
         ALL, NOTHING_INTO_X, NOTHING_INTO_X),
    Case("protocol UDP only, every port",
         (policy("x", "udp", "{podSelector: {}, ingress: [{ports: [{protocol: UDP}]}]}"),),
         NOTHING_INTO_X, NOTHING_INTO_X, ALL),
    Case("egress-only policy: x/a may talk to x/b only",
         (policy("x", "a-out", "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress],"
                 " egress: [{to: [{podSelector: {matchLabels: {pod: b}}}]}], ingress: [{from: "
                 "[{podSelector: {matchLabels: {pod: zzz}}}]}]}"),),
         """
         x/a XX. ... ...
         x/b XXX XXX XXX
         x/c XXX XXX XXX
         y/a XXX XXX XXX
         y/b XXX XXX XXX
         y/c XXX XXX XXX
         z/a XXX XXX XXX
         z/b XXX XXX XXX
         z/c XXX XXX XXX
         """),
    Case("policyTypes defaulted to both when there are egress rules",
         (policy("x", "to-y", "{podSelector: {}, egress: [{to: [{namespaceSelector: "
                 "{matchLabels: {ns: y}}}]}]}"),),
         """
         x/a X.. XXX ...
         x/b .X. XXX ...
         x/c ..X XXX ...
         y/a ... XXX XXX
         y/b ... XXX XXX
         y/c ... XXX XXX
         z/a ... XXX XXX
         z/b ... XXX XXX
         z/c ... XXX XXX
         """),
    Case("both directions: y/b takes from x and talks to z",
         (policy("y", "b", "{podSelector: {matchLabels: {pod: b}}, policyTypes: [Ingress, "
                 "Egress], ingress: [{from: [{namespaceSelector: {matchLabels: {ns: x}}}]}], "
                 "egress: [{to: [{namespaceSelector: {matchLabels: {ns: z}}}]}]}"),),
         """
         x/a XXX XXX XXX
         x/b XXX XXX XXX
         x/c XXX XXX XXX
         y/a XXX X.X XXX
         y/b ... .X. XXX
         y/c XXX X.X XXX
         z/a XXX X.X XXX
         z/b XXX X.X XXX
         z/c XXX X.X XXX
         """),
    Case("policies are unioned: x/a on 80, namespace y on 81",
         (policy("x", "a-80", "{podSelector: {}, ingress: [{from: [{podSelector: {matchLabels:"
                 " {pod: a}}}], ports: [{port: 80}]}]}"),
          policy("x", "y-81", "{podSelector: {}, ingress: [{from: [{namespaceSelector: "
                 "{matchLabels: {ns: y}}}], ports: [{port: 81}]}]}")),
         """
         x/a XXX XXX XXX
         x/b .X. XXX XXX
         x/c ..X XXX XXX
         y/a ... XXX XXX
         y/b ... XXX XXX
         y/c ... XXX XXX
         z/a ... XXX XXX
         z/b ... XXX XXX
         z/c ... XXX XXX
         """,
         """
         x/a X.. XXX XXX
         x/b .X. XXX XXX
         x/c ..X XXX XXX
         y/a XXX XXX XXX
         y/b XXX XXX XXX
         y/c XXX XXX XXX
         z/a ... XXX XXX
         z/b ... XXX XXX
         z/c ... XXX XXX
         """,
         NOTHING_INTO_X),
    Case("source egress and target ingress must both allow",
         (policy("x", "a-to-y", "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress],"
                 " egress: [{to: [{namespaceSelector: {matchLabels: {ns: y}}}]}]}"),
          policy("y", "from-b", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {}, "
                 "podSelector: {matchLabels: {pod: b}}}]}]}")),
         """
         x/a X.. ... ...
         x/b XXX XXX XXX
         x/c XXX ... XXX
         y/a XXX X.. XXX
         y/b XXX XXX XXX
         y/c XXX ..X XXX
         z/a XXX ... XXX
         z/b XXX XXX XXX
         z/c XXX ... XXX
         """),
    Case("ipBlock holding the whole cluster network matches pods",
         (policy("x", "out-but-imds", "{podSelector: {}, policyTypes: [Egress], egress: [{to: "
                 "[{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]}]}"),), ALL),
    Case("ipBlock with a hole in the cluster network does not match pods",
         (policy("x", "out-not-10", "{podSelector: {}, policyTypes: [Egress], egress: [{to: "
                 "[{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]}]}"),), NOTHING_OUT_OF_X),
    Case("ingress rule with no peers and no ports allows everything",
         (policy("x", "deny-all", "{podSelector: {}}"),
          policy("x", "allow-all", "{podSelector: {}, ingress: [{}]}")), ALL),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("probe", PROBES)
def test_truth_table(case: Case, probe: str) -> None:
    inv = estate(*case.policies)
    assert not inv.problems
    got = observed(NetworkPolicies.from_inventory(inv), pods_by_name(inv), PROBES[probe])
    assert got == case.expected(probe)


# Signatures: equal signatures, equal verdicts --------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_equal_signatures_get_equal_verdicts(case: Case) -> None:
    inv = estate(*case.policies)
    policies = NetworkPolicies.from_inventory(inv)
    pods = pods_by_name(inv)
    signature = {name: policies.signature(pod) for name, pod in pods.items()}
    for first, second in product(PODS, PODS):
        if first >= second or signature[first] != signature[second]:
            continue
        for third, port in product(set(PODS) - {first, second}, PROBES.values()):
            assert policies.allowed(pods[first], pods[third], port).allowed \
                == policies.allowed(pods[second], pods[third], port).allowed
            assert policies.allowed(pods[third], pods[first], port).allowed \
                == policies.allowed(pods[third], pods[second], port).allowed


def test_signatures_group_pods_the_policies_do_not_tell_apart() -> None:
    inv = estate(policy("x", "deny-all", "{podSelector: {}, policyTypes: [Ingress]}"))
    policies = NetworkPolicies.from_inventory(inv)
    groups = {policies.signature(p) for p in inv.pods}
    assert len(groups) == 2  # the pods of x, and all the others


TWO_WEB_PODS = """
apiVersion: v1
kind: Pod
metadata: {name: on-80, namespace: x, labels: {app: web}}
spec: {containers: [{name: c, ports: [{name: web, containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: on-81, namespace: x, labels: {app: web}}
spec: {containers: [{name: c, ports: [{name: web, containerPort: 81}]}]}
"""


def test_named_ports_resolve_per_target_and_are_part_of_the_signature() -> None:
    named = policy("x", "web", "{podSelector: {}, ingress: [{ports: [{port: web}]}]}")
    inv = inventory_from_text(TWO_WEB_PODS + "---\n" + named)
    policies = NetworkPolicies.from_inventory(inv)
    on_80, on_81 = inv.pods
    assert policies.signature(on_80) != policies.signature(on_81)
    assert policies.allowed(on_81, on_80, Port(80)).allowed
    assert not policies.allowed(on_81, on_80, Port(81)).allowed
    assert policies.allowed(on_80, on_81, Port(81)).allowed
    assert not policies.allowed(on_80, on_81, Port(80)).allowed


def test_port_names_no_policy_uses_do_not_split_signatures() -> None:
    inv = inventory_from_text(TWO_WEB_PODS)
    on_80, on_81 = inv.pods
    policies = NetworkPolicies.from_inventory(inv)
    assert policies.signature(on_80) == policies.signature(on_81)


# IP endpoints: ipBlock with except ------------------------------------------------------

IMDS = "169.254.169.254"
NO_IMDS = policy("x", "no-imds", "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress],"
                 " egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}],"
                 " ports: [{port: 80}, {port: serve-80}]}]}")


@pytest.mark.parametrize(("source", "ip", "port", "allowed"), [
    ("x/a", "8.8.8.8", Port(80), True),
    ("x/a", IMDS, Port(80), False),          # the except hole
    ("x/a", "8.8.8.8", Port(443), False),    # not a listed port
    ("x/a", "8.8.8.8", Port(80, "UDP"), False),
    ("x/a", "2001:db8::1", Port(80), False),  # an IPv4 block holds no IPv6 address
    ("x/b", IMDS, Port(80), True),           # not selected, so not isolated
    ("y/a", IMDS, Port(None, None), True),
])
def test_egress_to_an_ip(source: str, ip: str, port: Port, allowed: bool) -> None:
    inv = estate(NO_IMDS)
    policies = NetworkPolicies.from_inventory(inv)
    verdict = policies.allowed_to_ip(pods_by_name(inv)[source], ip, port)
    assert verdict.allowed is allowed


def test_named_port_never_matches_an_ip() -> None:
    named_only = policy("x", "named", "{podSelector: {}, policyTypes: [Egress], egress: [{to: "
                        "[{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: serve-80}]}]}")
    inv = estate(named_only)
    policies = NetworkPolicies.from_inventory(inv)
    pods = pods_by_name(inv)
    assert not policies.allowed_to_ip(pods["x/a"], "8.8.8.8", Port(80)).allowed
    assert policies.allowed(pods["x/a"], pods["y/a"], Port(80)).allowed


def test_ingress_from_an_ip() -> None:
    from_office = policy("x", "office", "{podSelector: {}, ingress: [{from: [{ipBlock: "
                         "{cidr: 203.0.113.0/24, except: [203.0.113.128/25]}}]}]}")
    inv = estate(from_office)
    policies = NetworkPolicies.from_inventory(inv)
    pods = pods_by_name(inv)
    assert policies.allowed_from_ip("203.0.113.7", pods["x/a"], Port(80)).allowed
    assert not policies.allowed_from_ip("203.0.113.200", pods["x/a"], Port(80)).allowed
    assert not policies.allowed_from_ip("198.51.100.1", pods["x/a"], Port(80)).allowed
    assert policies.allowed_from_ip("198.51.100.1", pods["y/a"], Port(80)).allowed
    assert not policies.allowed(pods["y/a"], pods["x/a"], Port(80)).allowed


def test_cluster_network_decides_whether_an_ipblock_holds_pods() -> None:
    only_ten = policy("x", "ten", "{podSelector: {}, ingress: [{from: [{ipBlock: "
                      "{cidr: 10.0.0.0/8}}]}]}")
    inv = estate(only_ten)
    pods = pods_by_name(inv)
    default = NetworkPolicies.from_inventory(inv)
    vpc = NetworkPolicies.from_inventory(inv, cluster_network=["10.20.0.0/16"])
    assert not default.allowed(pods["y/a"], pods["x/a"], Port(80)).allowed
    assert vpc.allowed(pods["y/a"], pods["x/a"], Port(80)).allowed


# hostNetwork pods -----------------------------------------------------------------------

HOST_POD = """
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: x, labels: {pod: a}}
spec: {hostNetwork: true, containers: [{name: c}]}
"""


def test_host_network_pods_are_never_isolated_nor_selected_as_peers() -> None:
    same_ns = policy("x", "same-ns", "{podSelector: {}, policyTypes: [Ingress, Egress], "
                     "ingress: [{from: [{podSelector: {}}]}], egress: [{to: [{podSelector: {}}]}]}")
    inv = estate(same_ns, HOST_POD)
    policies = NetworkPolicies.from_inventory(inv)
    pods = pods_by_name(inv)
    agent = pods["x/agent"]
    assert not policies.ingress_isolated(agent) and not policies.egress_isolated(agent)
    assert policies.ingress_isolated(pods["x/a"]) and policies.egress_isolated(pods["x/a"])
    assert policies.allowed(pods["y/a"], agent, Port(80)).allowed
    assert not policies.allowed(agent, pods["x/b"], Port(80)).allowed
    assert not policies.allowed(pods["x/b"], agent, Port(80)).allowed  # x/b's egress


def test_host_network_pods_match_ipblocks_holding_the_cluster_network() -> None:
    anywhere = policy("x", "ips", "{podSelector: {}, ingress: [{from: [{ipBlock: "
                      "{cidr: 0.0.0.0/0}}]}]}")
    inv = estate(anywhere, HOST_POD)
    policies = NetworkPolicies.from_inventory(inv)
    pods = pods_by_name(inv)
    assert policies.allowed(pods["x/agent"], pods["x/b"], Port(80)).allowed


# Pods and templates ---------------------------------------------------------------------

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: x}
spec:
  selector: {matchLabels: {pod: a}}
  template:
    metadata: {labels: {pod: a}}
    spec: {containers: [{name: c}]}
"""


def test_templates_are_selected_and_replicas_do_not_count_as_loopback() -> None:
    inv = estate(policy("x", "deny-all", "{podSelector: {matchLabels: {pod: a}}}"), DEPLOYMENT)
    policies = NetworkPolicies.from_inventory(inv)
    web = pods_by_name(inv)["x/web"]
    assert web.is_template
    assert not policies.allowed(web, web, Port(80)).allowed
    lone = pods_by_name(inv)["x/a"]
    assert policies.allowed(lone, lone, Port(80)).because == "allowed: x/a always reaches itself"


# Explanations ---------------------------------------------------------------------------

def test_blocked_names_the_isolating_policies() -> None:
    inv = estate(policy("y", "deny-all", "{podSelector: {}}"))
    pods = pods_by_name(inv)
    verdict = NetworkPolicies.from_inventory(inv).allowed(pods["x/a"], pods["y/b"], Port(80))
    assert not verdict.allowed
    assert verdict.deciding_policies == ("y/deny-all",)
    assert verdict.because == ("blocked: y/b is isolated for ingress by y/deny-all, which "
                               "allows nothing from x/a on 80/TCP")


def test_allowed_names_the_allowing_policies_of_both_directions() -> None:
    inv = estate(
        policy("y", "deny-all", "{podSelector: {}}"),
        policy("y", "allow-x", "{podSelector: {}, ingress: [{from: [{namespaceSelector: "
               "{matchLabels: {ns: x}}}]}]}"),
        policy("x", "allow-egress", "{podSelector: {}, egress: [{}], policyTypes: [Egress]}"))
    pods = pods_by_name(inv)
    verdict = NetworkPolicies.from_inventory(inv).allowed(pods["x/a"], pods["y/b"], Port(80))
    assert verdict.allowed
    assert verdict.ingress.isolating == ("y/deny-all", "y/allow-x")
    assert verdict.deciding_policies == ("x/allow-egress", "y/allow-x")
    assert verdict.because == "allowed by y/allow-x (ingress) and x/allow-egress (egress)"


def test_both_directions_blocking_are_both_named() -> None:
    inv = estate(policy("x", "no-out", "{podSelector: {}, policyTypes: [Egress]}"),
                 policy("y", "no-in", "{podSelector: {}}"))
    pods = pods_by_name(inv)
    verdict = NetworkPolicies.from_inventory(inv).allowed(pods["x/a"], pods["y/b"], Port(81))
    assert verdict.deciding_policies == ("x/no-out", "y/no-in")
    assert verdict.because == (
        "blocked: x/a is isolated for egress by x/no-out, which allows nothing to y/b on "
        "81/TCP; and y/b is isolated for ingress by y/no-in, which allows nothing from x/a "
        "on 81/TCP")


def test_any_port_needs_one_port_both_directions_allow() -> None:
    inv = estate(
        policy("x", "out-81", "{podSelector: {}, policyTypes: [Egress], egress: [{ports: "
               "[{port: 81}]}]}"),
        policy("y", "in-80", "{podSelector: {}, ingress: [{ports: [{port: 80}]}]}"),
        policy("y", "in-81-udp", "{podSelector: {}, ingress: [{ports: [{port: 81, protocol: "
               "UDP}]}]}"))
    policies = NetworkPolicies.from_inventory(inv)
    pods = pods_by_name(inv)
    tcp = policies.allowed(pods["x/a"], pods["y/b"], Port(None, "TCP"))
    assert not tcp.allowed
    assert tcp.because == ("blocked: egress from x/a allows only 81/TCP and ingress to y/b "
                           "only 80/TCP")
    to_z = policies.allowed(pods["x/a"], pods["z/b"], Port(None, None))
    assert to_z.allowed and to_z.ports == PortSet.of(("TCP", 81, 81))
    into_y = policies.allowed(pods["y/a"], pods["y/b"], Port(None, "UDP"))
    assert into_y.allowed and into_y.ingress.allowing == ("y/in-81-udp",)


def test_unisolated_sides_are_said_to_be_so() -> None:
    inv = estate(policy("y", "from-x", "{podSelector: {}, ingress: [{from: [{namespaceSelector:"
                        " {matchLabels: {ns: x}}}]}]}"))
    pods = pods_by_name(inv)
    verdict = NetworkPolicies.from_inventory(inv).allowed(pods["x/a"], pods["y/b"])
    assert verdict.because == "allowed by y/from-x (ingress); x/a is not isolated for egress"


# Ports ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "port"), [
    ("80/TCP", Port(80, "TCP")), ("53/udp", Port(53, "UDP")), ("80", Port(80, "TCP")),
    ("sctp", Port(None, "SCTP")), ("any", Port(None, None)), ("any/UDP", Port(None, "UDP")),
])
def test_port_parse(text: str, port: Port) -> None:
    assert Port.parse(text) == port


@pytest.mark.parametrize("text", ["80/ICMP", "0/TCP", "70000", "http"])
def test_port_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        Port.parse(text)


def test_sctp_is_a_protocol_of_its_own() -> None:
    inv = estate(policy("x", "sctp", "{podSelector: {}, ingress: [{ports: [{protocol: SCTP, "
                        "port: 80}]}]}"))
    policies = NetworkPolicies.from_inventory(inv)
    pods = pods_by_name(inv)
    assert policies.allowed(pods["y/a"], pods["x/a"], Port(80, "SCTP")).allowed
    assert not policies.allowed(pods["y/a"], pods["x/a"], Port(80, "TCP")).allowed


# Parsing --------------------------------------------------------------------------------

def test_policy_is_parsed_into_typed_fields() -> None:
    inv = estate(NO_IMDS)
    (parsed,) = inv.network_policies
    (rule,) = parsed.spec.egress
    assert parsed.spec.effective_policy_types == {"Egress"}
    assert rule.to[0].ip_block is not None
    assert rule.to[0].ip_block.except_ == ["169.254.169.254/32"]
    assert [(p.protocol, p.port) for p in rule.ports] == [("TCP", 80), ("TCP", "serve-80")]


@pytest.mark.parametrize(("spec", "complaint"), [
    ("{podSelector: {}, ingress: [{from: [{}]}]}", "a peer needs"),
    ("{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]}",
     "cannot be combined"),
    ("{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/8]}}]}]}",
     "is not inside"),
    ("{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: not-a-cidr}}]}]}", "not-a-cidr"),
    ("{podSelector: {}, ingress: [{ports: [{port: web, endPort: 90}]}]}", "numeric port"),
    ("{podSelector: {}, ingress: [{ports: [{port: 90, endPort: 80}]}]}", "endPort 80"),
    ("{podSelector: {}, ingress: [{ports: [{protocol: ICMP}]}]}", "unsupported protocol"),
    ("{podSelector: {}, ingress: [{ports: [{port: '80'}]}]}", "neither a number"),
    ("{podSelector: {matchExpressions: [{key: a, operator: Equals, values: [b]}]}}",
     "unknown operator"),
    ("{podSelector: {matchExpressions: [{key: a, operator: In}]}}", "needs values"),
    ("{podSelector: {matchExpressions: [{key: a, operator: Exists, values: [b]}]}}",
     "takes no values"),
    ("{podSelector: {}, policyTypes: [Sideways]}", "unknown policyTypes"),
])
def test_malformed_policy_becomes_a_problem(spec: str, complaint: str) -> None:
    inv = estate(policy("x", "bad", spec), policy("x", "good", "{podSelector: {}}"))
    assert [p.name for p in inv.network_policies] == ["good"]
    (problem,) = inv.problems
    assert problem.obj is not None and "bad" in problem.obj
    assert complaint in problem.message
    assert len(inv.pods) == 9
