"""pod.irsa: a service account's token buys the IAM roles that trust it through the cluster's
OIDC provider (IAM Roles for Service Accounts).

The role's trust policy decides, evaluated with ``sts:AssumeRoleWithWebIdentity``, the
provider ``arn:aws:iam::<role's account>:oidc-provider/<issuer>``, the subject
``system:serviceaccount:<ns>:<name>`` and the audience ``sts.amazonaws.com``. The issuer is
the EKS cluster's; without a cluster document, the one EKS issuer that trust policies name
(``likely``). The ``eks.amazonaws.com/role-arn`` annotation is only a hint: an annotated
account whose role does not trust it gets no edge, and a role that trusts an account without
the annotation naming it gets a ``likely`` edge, because the IRSA webhook then mounts no token
for ``sts.amazonaws.com``: one must be requested (TokenRequest, or a projected volume in a
pod spec the attacker writes).

Roles are first indexed by the OIDC issuer their trust names, so only those are looked at.
A trust whose subject is unconstrained or a wildcard admitting every account
(``system:serviceaccount:*``) is reached through ``hub:pod-irsa:cluster``, one admitting every
account of a namespace (``system:serviceaccount:<ns>:*``) through ``hub:pod-irsa:ns/<ns>``;
each service account feeds its hubs once. Subjects, exact or wildcard, are matched against
the service accounts the input knows (those read, those pods use, and each namespace's
``default``): a trust naming an account the input lacks gets no edge. A Deny that spares
some accounts of a hub's scope is not modelled per account.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from riskgraph import ids
from riskgraph.confidence import Confidence, weakest
from riskgraph.estate.inventory import Inventory
from riskgraph.iam import Decision, access_for
from riskgraph.iam.matching import glob_matches, has_wildcard
from riskgraph.models.aws import IamRole
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.aws_nodes import role_name
from riskgraph.techniques._shared.common import json_value

ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"
AUDIENCE = "sts.amazonaws.com"
SUBJECT = "system:serviceaccount:"
CAPABILITY = "pod-irsa"
# No Kubernetes name holds "_": a subject built from these matches only a wildcard.
ANY_NAMESPACE, ANY_ACCOUNT = "riskgraph_any_namespace", "riskgraph_any_account"
HUB_COST = 0.1
_PINNING = frozenset({"stringequals", "stringlike", "stringequalsignorecase"})

Scope = tuple[str, ...]  # ("cluster",), ("ns", ns) or ("sa", ns, name)


class Issuer(NamedTuple):
    host: str
    confidence: Confidence
    evidence: tuple[str, ...]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _allow_statements(role: IamRole) -> list[dict[str, Any]]:
    statements = (role.assume_role_policy_document or {}).get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    return [s for s in statements if isinstance(s, dict) and s.get("Effect") == "Allow"]


def _issuers(statement: dict[str, Any]) -> set[str]:
    """Issuers (lower case) whose provider the statement names; ``*`` for anyone."""
    principal = statement.get("Principal")
    if principal == "*":
        return {"*"}
    federated = _strings(principal.get("Federated")) if isinstance(principal, dict) else []
    return {"*" if f == "*" else f.split(":oidc-provider/", 1)[1].lower()
            for f in federated if f == "*" or ":oidc-provider/" in f}


def _subject_patterns(statement: dict[str, Any], issuer: str) -> list[str] | None:
    """The subjects a statement pins ``<issuer>:sub`` to; None when it pins none."""
    key, patterns, pinned = f"{issuer}:sub".lower(), [], False
    condition = statement.get("Condition")
    for operator, block in (condition.items() if isinstance(condition, dict) else ()):
        base = operator.lower().rsplit(":", 1)[-1].removesuffix("ifexists")
        if base not in _PINNING or not isinstance(block, dict):
            continue
        for name, value in block.items():
            if name.lower() == key:
                pinned = True
                patterns.extend(_strings(value))
    return patterns if pinned else None


def _scopes(patterns: list[str] | None, known: dict[str, list[str]],
            pairs: set[tuple[str, str]]) -> set[Scope]:
    if patterns is None:
        return {("cluster",)}
    scopes: set[Scope] = set()
    for pattern in patterns:
        if not has_wildcard(pattern):
            ns, _, name = pattern.removeprefix(SUBJECT).partition(":")
            if pattern.startswith(SUBJECT) and (ns, name) in pairs:
                scopes.add(("sa", ns, name))
        elif glob_matches(pattern, f"{SUBJECT}{ANY_NAMESPACE}:{ANY_ACCOUNT}"):
            scopes.add(("cluster",))
        else:
            for ns, names in _namespaces(pattern, known):
                if glob_matches(pattern, f"{SUBJECT}{ns}:{ANY_ACCOUNT}"):
                    scopes.add(("ns", ns))
                else:
                    scopes.update(("sa", ns, n) for n in names
                                  if glob_matches(pattern, f"{SUBJECT}{ns}:{n}"))
    return scopes


def _namespaces(pattern: str, known: dict[str, list[str]]) -> Iterable[tuple[str, list[str]]]:
    """The namespaces (and their accounts) a subject pattern may match: one, when it
    spells the namespace out (no namespace holds a ``:``), else every one."""
    namespace, colon, _ = pattern.removeprefix(SUBJECT).partition(":")
    if not pattern.startswith(SUBJECT) or not colon or has_wildcard(namespace):
        return known.items()
    return [(namespace, known[namespace])] if namespace in known else []


def _issuer(inv: Inventory, by_issuer: dict[str, list[IamRole]]) -> Issuer | None:
    cluster = inv.aws.cluster
    if cluster is not None:
        host = cluster.oidc_issuer
        return Issuer(host, "certain", (f"{cluster.arn}: identity.oidc.issuer="
                                        f"{json_value('https://' + host)}",)) if host else None
    eks = [host for host in by_issuer if host.startswith("oidc.eks.")]
    return Issuer(eks[0], "likely", ()) if len(eks) == 1 else None


def _annotations(inv: Inventory) -> dict[tuple[str, str], tuple[str, str]]:
    """(namespace, account) -> (annotated role ARN, evidence)."""
    found = {}
    for sa in inv.service_accounts:
        arn = sa.metadata.annotations.get(ROLE_ANNOTATION)
        if arn:
            ns = sa.metadata.namespace or "default"
            found[(ns, sa.name)] = (arn, f"{ids.k8s_id('ServiceAccount', sa.name, ns)}: "
                                         f'metadata.annotations["{ROLE_ANNOTATION}"]='
                                         f"{json_value(arn)}")
    return found


def find(inv: Inventory) -> Iterator[Edge]:
    by_issuer: dict[str, list[IamRole]] = defaultdict(list)
    for role in inv.aws.roles:
        for host in set().union(*map(_issuers, _allow_statements(role))):
            by_issuer[host].append(role)
    issuer = _issuer(inv, by_issuer)
    if issuer is None:
        return
    access = access_for(inv.aws)
    host = issuer.host

    def decide(role: IamRole, ns: str, name: str) -> Decision:
        return access.trust_allows(
            role, action="sts:AssumeRoleWithWebIdentity",
            federated=f"arn:aws:iam::{role.account}:oidc-provider/{host}",
            context={f"{host}:sub": f"{SUBJECT}{ns}:{name}", f"{host}:aud": AUDIENCE})

    known = {ns: inv.service_account_names(ns) for ns in inv.namespace_names}
    pairs = {(ns, name) for ns, names in known.items() for name in names}
    annotated = _annotations(inv)
    hubs: dict[Scope, list[tuple[str, Decision]]] = defaultdict(list)
    direct: dict[tuple[str, str, str], Decision] = {}
    seen: set[str] = set()
    for role in by_issuer.get(host.lower(), []) + by_issuer.get("*", []):
        if role.arn in seen:
            continue
        seen.add(role.arn)
        scopes: set[Scope] = set()
        for statement in _allow_statements(role):
            if _issuers(statement) & {host.lower(), "*"}:
                scopes |= _scopes(_subject_patterns(statement, host), known, pairs)
        covered: set[str] = set()  # "" for the cluster, else namespaces a hub covers
        for scope in sorted(scopes, key=lambda s: (len(s), s)):
            ns = scope[1] if len(scope) > 1 else ""
            if "" in covered or (len(scope) == 3 and ns in covered):
                continue
            decision = decide(role, ns or ANY_NAMESPACE, scope[2] if len(scope) == 3
                              else ANY_ACCOUNT)
            if not decision.allowed:
                continue
            if len(scope) == 3:
                direct[(ns, scope[2], role.arn)] = decision
            else:
                hubs[scope].append((role.arn, decision))
                covered.add(ns)
    # An annotated account reaches its own role directly, even when a hub covers it too.
    for (ns, name), (arn, _) in annotated.items():
        hinted = inv.aws.role(arn)
        if hinted is not None and arn in seen and (ns, name, arn) not in direct:
            decision = decide(hinted, ns, name)
            if decision.allowed:
                direct[(ns, name, arn)] = decision
    yield from _direct_edges(direct, annotated, issuer)
    yield from _hub_edges(hubs, known, issuer)


def _direct_edges(direct: dict[tuple[str, str, str], Decision],
                  annotated: dict[tuple[str, str], tuple[str, str]],
                  issuer: Issuer) -> Iterator[Edge]:
    for (ns, name, arn), decision in direct.items():
        hint = annotated.get((ns, name))
        subject = f"{SUBJECT}{ns}:{name}"
        if hint is not None and hint[0] == arn:
            how: Confidence = "certain"
            tail = "and the account's annotation names it, so its pods get the web identity token"
            proof: tuple[str, ...] = (hint[1],)
        else:
            how, proof = "likely", ()
            tail = ("but no annotation names it, so a token for sts.amazonaws.com must be "
                    "requested (TokenRequest or a projected volume)")
        yield Edge(ids.k8s_id("ServiceAccount", name, ns), arn,
                   f"the trust policy of IAM role {role_name(arn)} admits {subject} from the "
                   f"cluster's OIDC provider, {tail}",
                   (*proof, decision.because, *issuer.evidence),
                   weakest(how, decision.confidence, issuer.confidence))


def _hub_edges(hubs: dict[Scope, list[tuple[str, Decision]]],
               known: dict[str, list[str]], issuer: Issuer) -> Iterator[Edge]:
    for scope, roles in sorted(hubs.items()):
        ns = scope[1] if len(scope) > 1 else None
        hub = ids.hub_id(CAPABILITY, ids.ns_scope(ns) if ns else ids.CLUSTER_SCOPE)
        where = f"namespace {ns}" if ns else "the cluster"
        for space, names in known.items():
            if ns is None or space == ns:
                for name in names:
                    yield Edge(ids.k8s_id("ServiceAccount", name, space), hub,
                               f"service account {space}/{name} is one of the accounts of "
                               f"{where}; a token of it for sts.amazonaws.com must be "
                               "requested unless the IRSA webhook mounts one", (), "likely",
                               HUB_COST)
        for arn, decision in roles:
            yield Edge(hub, arn,
                       f"the trust policy of IAM role {role_name(arn)} admits any service account "
                       f"of {where} from the cluster's OIDC provider (no subject condition, "
                       "or a wildcard one)", (decision.because, *issuer.evidence),
                       weakest(decision.confidence, issuer.confidence))


_CLUSTER = """
---
{"cluster": {"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
  "identity": {"oidc": {"issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/ABC123"}}}}
"""


def _role(name: str, subject_condition: str) -> str:
    return f"""
  {{"RoleName": "{name}", "Arn": "arn:aws:iam::111122223333:role/{name}",
   "AssumeRolePolicyDocument": {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow",
     "Principal": {{"Federated":
       "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123"}},
     "Action": "sts:AssumeRoleWithWebIdentity",
     "Condition": {{{subject_condition}}}}}]}}}}"""


_AUD = '"StringEquals": {"oidc.eks.us-east-1.amazonaws.com/id/ABC123:aud": "sts.amazonaws.com"}'
_SUB = '"oidc.eks.us-east-1.amazonaws.com/id/ABC123:sub": "system:serviceaccount:{}"'

TECHNIQUE = Technique(
    id="pod.irsa",
    title="Service account assumes the IAM roles that trust it (IRSA)",
    severity="high",
    mitre="T1078.004",
    remediation="Pin every IRSA trust policy to one subject (StringEquals on "
                "<issuer>:sub = system:serviceaccount:<ns>:<name>) and its audience; never "
                "leave the subject out or use a wildcard.",
    cost=0.5,
    find=find,
    examples=(
        Example(
            "annotated account, un-annotated account, and a trust with no subject condition",
            """
kind: ServiceAccount
metadata:
  name: uploader
  namespace: shop
  annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::111122223333:role/uploader"}
---
kind: ServiceAccount
metadata: {name: reporter, namespace: shop}
""" + _CLUSTER + "---\n{\"RoleDetailList\": [" + ",".join((
                _role("uploader", '"StringEquals": {' + _SUB.format("shop:uploader") + "}"),
                _role("reports", '"StringEquals": {' + _SUB.format("shop:reporter") + "}"),
                _role("open", _AUD))) + "], \"Policies\": []}\n",
            frozenset({
                ("k8s:ServiceAccount:shop/uploader", "arn:aws:iam::111122223333:role/uploader"),
                ("k8s:ServiceAccount:shop/reporter", "arn:aws:iam::111122223333:role/reports"),
                ("k8s:ServiceAccount:shop/uploader", "hub:pod-irsa:cluster"),
                ("k8s:ServiceAccount:shop/reporter", "hub:pod-irsa:cluster"),
                ("k8s:ServiceAccount:shop/default", "hub:pod-irsa:cluster"),
                ("hub:pod-irsa:cluster", "arn:aws:iam::111122223333:role/open")}),
            {("k8s:ServiceAccount:shop/uploader", "arn:aws:iam::111122223333:role/uploader"):
                "certain",
             ("k8s:ServiceAccount:shop/reporter", "arn:aws:iam::111122223333:role/reports"):
                "likely"},
        ),
        Example(
            "annotation names a role that trusts another account, and another cluster's issuer",
            """
kind: ServiceAccount
metadata:
  name: web
  namespace: shop
  annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::111122223333:role/batch"}
""" + _CLUSTER + "---\n{\"RoleDetailList\": [" + ",".join((
                _role("batch", '"StringEquals": {' + _SUB.format("jobs:batch") + "}"),
                _role("elsewhere", _AUD).replace("ABC123", "OTHER9"))) + "], \"Policies\": []}\n",
        ),
    ),
)
