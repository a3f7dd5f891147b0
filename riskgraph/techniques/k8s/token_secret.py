"""k8s.token-secret: a ``kubernetes.io/service-account-token`` Secret holds a token of the
service account its ``kubernetes.io/service-account.name`` annotation names, so whoever
reads the Secret acts as that account.

The token controller writes a long-lived token into every such Secret whose account exists,
and the API server accepts it for as long as the Secret and the account live. So the step
is ``certain`` when the account is in the input. When it is not, the input may be a partial
view (manifests without the account): ``likely``, the assumption named. A token the API
server invalidated (the ``kubernetes.io/legacy-token-invalid-since`` label of the legacy
token cleaner) authenticates no one: no edge.

Every way to a Secret vertex (``rbac.secrets-read`` and its namespace hubs,
``pod.mounts-secret``, ``k8s.admin-reach``, ...) thus continues to the account. The family is
``k8s``: the step is the API server's token semantics, not a grant or a pod's setting.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from riskgraph import ids
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique

TOKEN_TYPE = "kubernetes.io/service-account-token"
ACCOUNT_ANNOTATION = "kubernetes.io/service-account.name"
INVALID_LABEL = "kubernetes.io/legacy-token-invalid-since"


def find(inv: Inventory) -> Iterator[Edge]:
    for secret in inv.secrets:
        account = secret.metadata.annotations.get(ACCOUNT_ANNOTATION)
        if secret.type != TOKEN_TYPE or not account or INVALID_LABEL in secret.metadata.labels:
            continue
        namespace = secret.metadata.namespace or "default"
        sid = ids.k8s_id("Secret", secret.name, namespace)
        proof = (f"{sid}: type={json.dumps(TOKEN_TYPE)}",
                 f"{sid}: metadata.annotations[{json.dumps(ACCOUNT_ANNOTATION)}]="
                 f"{json.dumps(account)}")
        reason = (f"secret {namespace}/{secret.name} holds a token of service account "
                  f"{namespace}/{account}, which authenticates as that account")
        known = inv.service_account(namespace, account) is not None
        yield Edge(sid, ids.k8s_id("ServiceAccount", account, namespace),
                   reason if known else reason + " (the account is not in the input; assumed "
                                                 "to exist, so the token controller filled "
                                                 "the secret)",
                   proof, "certain" if known else "likely")


_OPS_ADMIN = """
kind: ServiceAccount
metadata: {name: ops-admin, namespace: kube-system}
---
"""

_TOKEN = """
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  name: ops-admin-token
  namespace: kube-system
  annotations: {kubernetes.io/service-account.name: ops-admin}
"""

_SECRET, _ACCOUNT = ("k8s:Secret:kube-system/ops-admin-token",
                     "k8s:ServiceAccount:kube-system/ops-admin")

TECHNIQUE = Technique(
    id="k8s.token-secret",
    title="Service-account token Secret authenticates as its service account",
    severity="high",
    mitre="T1528",
    remediation="Delete kubernetes.io/service-account-token Secrets (Kubernetes 1.24+ needs "
                "none: pods get short-lived projected tokens, and kubectl create token issues "
                "one on demand); if one is needed, keep read access to its namespace's "
                "secrets to administrators.",
    cost=0.5,
    find=find,
    examples=(
        Example(
            "token Secret of an account in the input: certain",
            _OPS_ADMIN + _TOKEN,
            frozenset({(_SECRET, _ACCOUNT)}),
            {(_SECRET, _ACCOUNT): "certain"},
        ),
        Example(
            "token Secret of an account the input lacks: likely",
            _TOKEN,
            frozenset({(_SECRET, _ACCOUNT)}),
            {(_SECRET, _ACCOUNT): "likely"},
        ),
        Example(
            "an Opaque Secret with the annotation, a token Secret without it, and one the "
            "legacy token cleaner invalidated",
            _OPS_ADMIN + _TOKEN.replace("type: kubernetes.io/service-account-token",
                                        "type: Opaque") + """---
kind: Secret
type: kubernetes.io/service-account-token
metadata: {name: orphan, namespace: kube-system}
---
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  name: stale-token
  namespace: kube-system
  annotations: {kubernetes.io/service-account.name: ops-admin}
  labels: {kubernetes.io/legacy-token-invalid-since: "2026-01-01"}
""",
        ),
    ),
)
