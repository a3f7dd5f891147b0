"""The plan of a synthetic estate (its apps, namespaces and nodes) and how objects are encoded.

The builders of each kind of object live in ``bench._workloads`` and ``bench._objects``;
``bench.synth`` puts them together and writes the dump.
"""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii
from typing import Any, NamedTuple

PODS_PER_NAMESPACE = 300
PODS_PER_NODE = 30
NODE_GROUPS = 10
RISKS = ("privileged", "host-pid", "docker-sock", "sys-admin")
WORDS = ("api", "web", "cart", "checkout", "billing", "search", "auth", "orders", "ledger",
         "media", "notify", "report", "pricing", "catalog", "profile", "gateway")
TEAMS = ("payments", "shop", "data", "platform", "identity", "growth", "ml", "support")
ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
REGION = "us-east-1"
CLUSTER = "estate-prod"
REGISTRY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
IRSA_SHARE = 0.3  # of the service accounts apps have of their own
TS = "2024-05-01T10:00:00Z"
# Stand-ins for what differs between the replicas of one template (never in real values).
NAME, UID, NODE, HOST_IP, POD_IP, CID = "@@n@@", "@@u@@", "@@h@@", "@@hip@@", "@@pip@@", "@@c@@"


ITEM_PAD = " " * 8
_CONSTANTS = {True: "true", False: "false", None: "null"}


def indented(value: Any, pad: str) -> str:
    """``json.dumps(value, indent=4)`` nested at ``pad``, for the types a manifest holds.

    The standard library encodes indented JSON in pure Python; this is ~3x faster.
    """
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if kind is int:
        return str(value)
    if kind is not dict and kind is not list:
        return _CONSTANTS[value]
    if not value:
        return "{}" if kind is dict else "[]"
    inner = pad + "    "
    sep = ",\n" + inner
    if kind is dict:
        body = sep.join([f"{encode_basestring_ascii(k)}: {indented(v, inner)}"
                         for k, v in value.items()])
        return f"{{\n{inner}{body}\n{pad}}}"
    return f"[\n{inner}{sep.join([indented(v, inner) for v in value])}\n{pad}]"


def node_role_name(group: str) -> str:
    """The IAM role of a managed node group's instances."""
    return f"{CLUSTER}-{group}-node"


def role_arn(name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def user_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{name}"


ADMIN_ROLE = "platform-admin"
BREAKGLASS_USER = "ops-breakglass"


def deployer_role(team: str) -> str:
    return f"{team}-deployer"


def developer_user(team: str, index: int) -> str:
    return f"{team}-dev-{index}"


def aws_auth_data(groups: list[str]) -> dict[str, str]:
    """``kube-system/aws-auth``: the node roles, the admin and deployer roles, some users."""
    roles = [(role_arn(node_role_name(g)), "system:node:{{EC2PrivateDNSName}}",
              ["system:bootstrappers", "system:nodes"]) for g in groups]
    roles.append((role_arn(ADMIN_ROLE), "admin:{{SessionName}}", ["system:masters"]))
    roles += [(role_arn(deployer_role(t)), deployer_role(t), [f"{t}-developers"]) for t in TEAMS]
    users = [(user_arn(BREAKGLASS_USER), BREAKGLASS_USER, ["system:masters"])]
    users += [(user_arn(developer_user(t, 0)), developer_user(t, 0), [f"{t}-developers"])
              for t in TEAMS]

    def entries(key: str, rows: list[tuple[str, str, list[str]]]) -> str:
        return "".join(f"- {key}: {arn}\n  username: {name}\n  groups:\n"
                       + "".join(f"    - {g}\n" for g in kube_groups)
                       for arn, name, kube_groups in rows)

    return {"mapRoles": entries("rolearn", roles), "mapUsers": entries("userarn", users)}


class NodePlan(NamedTuple):
    name: str
    ip: str
    group: str
    zone: str
    instance_id: str


@dataclass
class App:
    kind: str  # Deployment, StatefulSet, CronJob, Job or DaemonSet
    name: str
    namespace: str
    replicas: int
    containers: int
    service_account: str
    risk: str | None = None
    service: str | None = None  # Service type, None when it has none
    ingress: bool = False
    template_hash: str = ""  # of a Deployment's current ReplicaSet, which owns the live pods
    irsa: bool = False  # its own service account is annotated with an IAM role (of its name)


class EstatePlan:
    """The plan of one synthetic estate, and the encoding every object builder shares."""

    def __init__(self, pods: int, seed: int, indent: bool, policies: int | None = None) -> None:
        self.rng = random.Random(seed)
        # Explicit policies (``None``: one default-deny per other namespace, and no engine)
        # draw from their own generator, so the rest of the estate holds the same objects.
        self.policies = policies
        self.policy_rng = random.Random(f"netpol-{seed}")
        # The AWS account draws from its own generator, so it is the same whether or not the
        # Kubernetes dump is written in the same run.
        self.aws_rng = random.Random(f"aws-{seed}")
        self.pods_wanted = pods
        self.indent = indent
        rng = self.rng
        n_nodes = max(3, pods // PODS_PER_NODE)
        self.groups = [f"ng-{('general', 'compute', 'memory', 'gpu', 'spot')[i % 5]}-{i}"
                       for i in range(min(NODE_GROUPS, n_nodes))]
        self.nodes = [NodePlan(
            f"ip-10-{1 + i // 65536}-{i // 256 % 256}-{i % 256}.ec2.internal",
            f"10.{1 + i // 65536}.{i // 256 % 256}.{i % 256}", self.groups[i % len(self.groups)],
            f"{REGION}{'abc'[i % 3]}", f"i-0{self.aws_rng.getrandbits(64):016x}")
            for i in range(n_nodes)]
        self.namespaces = [f"{TEAMS[i % len(TEAMS)]}-{i}"
                           for i in range(max(1, pods // PODS_PER_NAMESPACE))]
        n_ds = min(3, pods // (2 * n_nodes))
        self.apps = [App("DaemonSet", ds, "kube-system", n_nodes, 1, ds, risk)
                     for ds, risk in (("kube-proxy", "privileged"), ("aws-node", None),
                                      ("fluent-bit", None))[:n_ds]]
        budget = pods - n_ds * n_nodes
        while budget > 0:
            draw = rng.random()
            kind, replicas = (("StatefulSet", rng.randint(1, 3)) if draw < 0.05 else
                              ("CronJob", rng.randint(1, 2)) if draw < 0.065 else
                              ("Job", 1) if draw < 0.07 else
                              ("Deployment", rng.choice((1, 2, 2, 3, 3, 3, 4, 5, 6, 8, 12))))
            replicas = min(replicas, budget)
            budget -= replicas
            name = f"{rng.choice(WORDS)}-{len(self.apps)}"
            service = (None if kind in ("CronJob", "Job") else "ClusterIP" if draw < 0.9
                       else "NodePort" if draw < 0.95 else "LoadBalancer")
            self.apps.append(App(
                kind, name, rng.choice(self.namespaces), replicas, rng.choice((1, 1, 2, 2, 3)),
                name if rng.random() < 0.6 else "default",
                rng.choice(RISKS) if rng.random() < 0.01 else None, service,
                kind == "Deployment" and service == "ClusterIP" and rng.random() < 0.1,
                f"{rng.getrandbits(40):010x}"[:9]))
        for app in self.apps:
            app.irsa = app.service_account == app.name and self.aws_rng.random() < IRSA_SHARE

    # Encoding ----------------------------------------------------------------------------

    def enc(self, obj: dict[str, Any]) -> str:
        if not self.indent:
            return json.dumps(obj, separators=(",", ":"))
        return ITEM_PAD + indented(obj, ITEM_PAD)

    def hex(self, bits: int) -> str:
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def uid(self) -> str:
        h = self.hex(128)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def suffix(self, length: int) -> str:
        return "".join(self.rng.choices("bcdfghjklmnpqrstvwxz2456789", k=length))

    def fake(self) -> str:
        return base64.b64encode(f"synthetic-{self.hex(64)}".encode()).decode()

    def meta(self, name: str, ns: str | None = None, **extra: Any) -> dict[str, Any]:
        meta = {"creationTimestamp": TS, "name": name, "resourceVersion": str(
            self.rng.randint(1000, 99999999)), "uid": self.uid(), **extra}
        return meta if ns is None else {**meta, "namespace": ns}
