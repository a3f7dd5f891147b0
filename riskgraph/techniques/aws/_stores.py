"""The AWS data stores ``aws.data-read`` reaches, the reads that expose each kind, how a
store's own policy (bucket, secret, key, repository policy) takes part in a decision, and
the edges a store's policy alone decides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from riskgraph import ids
from riskgraph.estate.aws_inventory import AwsInventory, IamPrincipal
from riskgraph.iam import AccountAccess, Decision, Policy, admits_account, policy_admits
from riskgraph.iam.resource import root_arn
from riskgraph.models.aws import account_of
from riskgraph.techniques import Edge
from riskgraph.techniques.aws._common import (
    HUB_COST,
    OUTSIDER,
    because,
    bucket_owner,
    confidence_of,
    resource_policy,
)
from riskgraph.techniques.aws._index import all_of
from riskgraph.techniques.aws._reach import Shared


class Read(NamedTuple):
    """Actions that together read a store, and the request resource they act on."""

    actions: tuple[str, ...]
    probe: str  # a resource ARN with {p} for PROBE and {account}
    request: Callable[[str, str], str] = lambda arn, pattern: arn
    index_key: Callable[[str], str] = str


def _object(arn: str, pattern: str) -> str:
    return f"{arn}/{pattern.split('/', 1)[1]}" if "/" in pattern else f"{arn}/*"


#: Store kind -> the reads that expose it.
KINDS: dict[str, tuple[Read, ...]] = {
    "s3": (Read(("s3:GetObject",), "arn:aws:s3:::{p}/{p}", _object,
                lambda pattern: pattern.split("/", 1)[0]),
           Read(("s3:ListBucket",), "arn:aws:s3:::{p}")),
    "secretsmanager": (Read(("secretsmanager:GetSecretValue",),
                            "arn:aws:secretsmanager:{p}:{account}:secret:{p}"),),
    "ssm": (Read(("ssm:GetParameter",), "arn:aws:ssm:{p}:{account}:parameter/{p}"),
            Read(("ssm:GetParameters",), "arn:aws:ssm:{p}:{account}:parameter/{p}")),
    "kms": (Read(("kms:Decrypt",), "arn:aws:kms:{p}:{account}:key/{p}"),),
    "ecr": (Read(("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
                 "arn:aws:ecr:{p}:{account}:repository/{p}"),),
}


#: Store kind -> what its stores are called in reasons.
LABELS = {"s3": "S3 bucket", "secretsmanager": "secret", "ssm": "SSM parameter",
          "kms": "KMS key", "ecr": "ECR repository"}


class Store(NamedTuple):
    """A data store: its ARN, owning account (``""`` unknown), kind (a key of
    :data:`KINDS`), its compiled resource policy, and whether that policy is AWS's default
    assumed for a KMS key whose policy the input lacks."""

    arn: str
    account: str
    kind: str
    policy: Policy | None
    assumed: bool = False


def stores(access: AccountAccess, aws: AwsInventory) -> Iterator[Store]:
    def compiled(arn: str, document: object) -> Policy | None:
        return resource_policy(access, arn, document) if isinstance(document, dict) else None

    owner = bucket_owner(aws)
    for bucket in aws.buckets:
        yield Store(bucket.arn, owner, "s3",
                    compiled(bucket.arn, bucket.policy))
    for secret in aws.secrets:
        yield Store(secret.arn, account_of(secret.arn), "secretsmanager",
                    compiled(secret.arn, secret.resource_policy))
    for parameter in aws.parameters:
        yield Store(parameter.arn, account_of(parameter.arn), "ssm", None)
    for key in aws.kms_keys:
        account = account_of(key.key_arn)
        # Without the key policy in the input, assume the default one: it delegates to IAM.
        default = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": root_arn(account)},
                                  "Action": "kms:*", "Resource": "*"}]}
        yield Store(key.key_arn, account, "kms", compiled(key.key_arn, key.policy or default),
                    key.policy is None)
    for repo in aws.repositories:
        yield Store(repo.repository_arn, repo.registry_id or account_of(repo.repository_arn),
                    "ecr", compiled(repo.repository_arn, repo.policy))


def decide(access: AccountAccess, principal: IamPrincipal, store: Store, pattern: str,
           read: Read) -> Decision:
    request = read.request(store.arn, pattern)
    decision = all_of(access.can(principal, action, request, store.policy,
                                 resource_account=store.account or None)
                      for action in read.actions)
    if decision.allowed and store.kind == "kms" and store.policy is not None and \
            policy_admits(access, principal, store.policy, read.actions[0],
                          request).allow is None:
        return Decision(False, "certain", (), f"the key policy of {store.arn} does not "
                        f"admit {principal.arn} or its account")
    return _assumed(store, decision)


def _assumed(store: Store, decision: Decision) -> Decision:
    """A decision that rests on a key policy the input lacks is only ``likely``."""
    if not (store.assumed and decision.allowed):
        return decision
    return decision._replace(confidence="likely", because=f"{decision.because} (the key "
                             "policy is not in the input: assumed AWS's default, which "
                             "delegates to IAM)")


def admits(store: Store, account: str) -> Decision | None:
    """Whether a store's own policy lets principals of ``account`` read it (given their
    identity grant): no Deny for the account, and an Allow when one is needed."""
    if store.policy is None:
        return Decision(True, "certain", (), f"{store.arn} has no resource policy: an identity "
                        "grant of its own account suffices") if account == store.account else None
    for read in KINDS[store.kind]:
        said = admits_account(store.policy, read.actions[0], read.request(store.arn, "*"),
                              account)
        needs_allow = account != store.account or store.kind == "kms"
        if said.denied or (needs_allow and said.allow is None):
            continue
        reason = f"{said.allow} admits principals of account {account}" if said.allow \
            else f"{store.arn} resource policy denies nothing to its account"
        return _assumed(store, Decision(True, "likely" if said.unknown else "certain",
                                        said.unknown, reason))
    return None


# Edges a store's own policy decides ---------------------------------------------------------


def public_edges(store: Store) -> Iterator[Edge]:
    """``internet -> store`` when its policy lets any AWS principal read it unconditionally."""
    assert store.policy is not None
    for read in KINDS[store.kind]:
        said = admits_account(store.policy, read.actions[0], read.request(store.arn, "*"),
                              OUTSIDER)
        if said.allow is not None and not said.unknown and not said.denied:
            yield Edge(ids.INTERNET, store.arn,
                       f"the policy of {store.arn} lets any AWS principal "
                       f"{'+'.join(read.actions)} with no condition",
                       (f"{said.allow} admits everyone",), "likely")
            return


def named_edges(access: AccountAccess, principal: IamPrincipal, store: Store
                ) -> Iterator[Edge]:
    """The edge of a principal the store's policy names, when some read is allowed."""
    for read in KINDS[store.kind]:
        decision = decide(access, principal, store, "*", read)
        if decision.allowed:
            yield Edge(principal.arn, store.arn, f"{principal.arn} may "
                       f"{'+'.join(read.actions)} {store.arn}", because(decision),
                       confidence_of(decision))
            return


def pattern_edges(vertex: str, account: str, shared: Shared[Store]) -> Iterator[Edge]:
    """A pattern hub's edges: to each store the pattern matches whose own policy lets
    principals of ``account`` read it (a bucket naming no account is taken as theirs)."""
    for store in shared.items:
        decision = admits(store if store.account else store._replace(account=account),
                          account)
        if decision is not None:
            yield Edge(vertex, store.arn, f"{LABELS[store.kind]} {ids.parse(store.arn).name} "
                       f"matches {shared.pattern} and lets principals of account {account} "
                       "read it", because(decision), confidence_of(decision), HUB_COST)
