"""aws.data-read: a principal reads an S3 bucket, a Secrets Manager secret, an SSM parameter,
a KMS key (decrypts with it) or an ECR repository (pulls its images).

Identity policy and resource policy combine as AWS combines them; a KMS key policy must
admit the caller (or its account) even within the account, and a key whose policy the input
lacks is taken to have AWS's default one (``likely``). A read grant over every store of
a kind goes through ``hub:aws-data-read-<kind>:aws/<account>``, which fans out to each of
the account's stores whose policy does not deny the account, and, through
``.../aws/<account>/to/<owner>``, to other accounts' stores whose policy admits it. The
account's admin enters its hubs. A grant pattern matching many stores (``team-*``, held by
every role attaching one team policy) goes through a hub of its own,
``hub:aws-data-read-<kind>:aws/<account>/<pattern>``, entered by each principal holding that
pattern unnarrowed (see :func:`~riskgraph.techniques.aws._reach.reach`) and fanning out,
under the account hubs' rule, to the stores it matches; fewer than
:data:`~riskgraph.techniques.aws._reach.SHARED_MIN` matches give direct edges. A store whose
policy admits every AWS principal with no condition is read from ``internet``
(``likely``). S3 bucket ARNs name no account: buckets join the account hubs only when the
input holds one account.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from riskgraph import ids
from riskgraph.estate.inventory import Inventory
from riskgraph.iam import Decision
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques.aws._common import (
    HUB_COST,
    because,
    confidence_of,
    named_principals,
    scoped_hub,
    setup,
)
from riskgraph.techniques.aws._data_reads import principal_reads
from riskgraph.techniques.aws._index import ArnIndex
from riskgraph.techniques.aws._reach import may_use, service_of
from riskgraph.techniques.aws._stores import (
    KINDS,
    LABELS,
    Store,
    admits,
    named_edges,
    public_edges,
    stores,
)

#: Store kind -> the services whose actions its reads start with.
_SERVICES = {kind: frozenset(service_of(read.actions[0]) for read in reads)
             for kind, reads in KINDS.items()}


def find(inv: Inventory) -> Iterator[Edge]:
    if inv.aws.empty:
        return
    access, actors = setup(inv)
    accounts = inv.aws.accounts
    by_arn = {p.arn.lower(): p for p in inv.aws.principals}
    found = list(stores(access, inv.aws))
    named: dict[str, list[Store]] = defaultdict(list)
    admitted: dict[tuple[str, str, str], list[tuple[Store, Decision]]] = defaultdict(list)
    for store in found:
        names = {name for read in KINDS[store.kind] if store.policy is not None
                 for name in named_principals(store.policy, read.actions[0])}
        if "*" in names:
            yield from public_edges(store)
        for account in ((accounts if "*" in names else names & accounts) | {store.account}):
            decision = admits(store, account) if account else None
            if decision is not None:
                admitted[(store.kind, account, store.account)].append((store, decision))
        for name in names:
            if name in by_arn:
                named[by_arn[name].arn].append(store)
    for principal in inv.aws.principals:
        for store in named.get(principal.arn, ()):
            yield from named_edges(access, principal, store)
    indexes = {kind: ArnIndex((s.arn, s) for s in found if s.kind == kind) for kind in KINDS}
    targets: dict[tuple[str, str], set[str]] = defaultdict(set)
    for kind, account, owner in admitted:
        targets[(kind, account)].add(owner)
    fanned: set[str] = set()
    for principal in actors:
        for kind, reads in KINDS.items():
            # A read whose service no Allow of the principal names reaches nothing (the
            # test each read's grant scan starts with, made once for every kind).
            if len(indexes[kind]) and may_use(access, principal, *_SERVICES[kind]):
                yield from principal_reads(access, principal, kind, reads, indexes[kind],
                                           targets.get((kind, principal.account), set()), fanned)
    for (kind, account, owner), reached in sorted(admitted.items(), key=lambda i: i[0]):
        vertex = scoped_hub(f"aws-data-read-{kind}", account, owner)
        yield Edge(ids.admin_id(account), vertex,
                   f"an administrator of account {account} may read every {LABELS[kind]} "
                   "that admits the account", (f"{ids.admin_id(account)}: full control of "
                                               f"account {account}",))
        for store, decision in reached:
            yield Edge(vertex, store.arn, f"{LABELS[kind]} {ids.parse(store.arn).name} lets "
                       f"principals of account {account} read it", because(decision),
                       confidence_of(decision), HUB_COST)


_ONE_ACCOUNT = """
RoleDetailList:
- RoleName: reports
  Arn: arn:aws:iam::111122223333:role/reports
  RolePolicyList:
  - PolicyName: read-reports
    PolicyDocument:
      Statement:
      - {Effect: Allow, Action: s3:GetObject, Resource: "arn:aws:s3:::exports/reports/*"}
- RoleName: app
  Arn: arn:aws:iam::111122223333:role/app
  RolePolicyList:
  - PolicyName: app-secrets
    PolicyDocument:
      Statement:
      - Effect: Allow
        Action: secretsmanager:GetSecretValue
        Resource: "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/*"
- RoleName: auditor
  Arn: arn:aws:iam::111122223333:role/auditor
  RolePolicyList:
  - PolicyName: read-all-s3
    PolicyDocument:
      Statement: [{Effect: Allow, Action: ["s3:Get*", "s3:List*"], Resource: "*"}]
---
Buckets: [{Name: exports}, {Name: vault}, {Name: site}]
---
Bucket: vault
Policy:
  Statement: [{Effect: Deny, Principal: "*", Action: "s3:*", Resource: "*"}]
---
Bucket: site
Policy:
  Statement:
  - Effect: Allow
    Principal: "*"
    Action: s3:GetObject
    Resource: "arn:aws:s3:::site/*"
---
SecretList:
- {Name: app/db, ARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/db-AbCdEf"}
"""

_KEYS_AND_REPOSITORIES = """
RoleDetailList:
- RoleName: crypto
  Arn: arn:aws:iam::111122223333:role/crypto
- RoleName: wide
  Arn: arn:aws:iam::111122223333:role/wide
  RolePolicyList:
  - PolicyName: decrypt-all
    PolicyDocument:
      Statement: [{Effect: Allow, Action: kms:Decrypt, Resource: "*"}]
UserDetailList:
- UserName: puller
  Arn: arn:aws:iam::444455556666:user/puller
  UserPolicyList:
  - PolicyName: pull-anything
    PolicyDocument:
      Statement: [{Effect: Allow, Action: "ecr:*", Resource: "*"}]
---
KeyMetadata:
  KeyId: 1234abcd-12ab-34cd-56ef-1234567890ab
  Arn: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
---
KeyId: 1234abcd-12ab-34cd-56ef-1234567890ab
PolicyName: default
Policy:
  Statement:
  - Effect: Allow
    Principal: {AWS: "arn:aws:iam::111122223333:role/crypto"}
    Action: kms:Decrypt
    Resource: "*"
---
repositories:
- repositoryName: base
  repositoryArn: arn:aws:ecr:us-east-1:111122223333:repository/base
  registryId: "111122223333"
---
repositoryName: base
policyText:
  Statement:
  - Effect: Allow
    Principal: {AWS: "arn:aws:iam::444455556666:root"}
    Action: [ecr:BatchGetImage, ecr:GetDownloadUrlForLayer]
"""

_NOTHING = """
RoleDetailList:
- RoleName: wide
  Arn: arn:aws:iam::111122223333:role/wide
  RolePolicyList:
  - PolicyName: read-everything
    PolicyDocument:
      Statement: [{Effect: Allow, Action: ["s3:GetObject", "kms:Decrypt"], Resource: "*"}]
---
Buckets: [{Name: vault}]
---
Bucket: vault
Policy:
  Statement: [{Effect: Deny, Principal: "*", Action: "s3:*", Resource: "*"}]
---
KeyMetadata:
  KeyId: 1234abcd-12ab-34cd-56ef-1234567890ab
  Arn: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
---
KeyId: 1234abcd-12ab-34cd-56ef-1234567890ab
Policy:
  Statement:
  - Effect: Allow
    Principal: {AWS: "arn:aws:iam::999988887777:role/vendor"}
    Action: kms:Decrypt
    Resource: "*"
"""

_A, _B = "111122223333", "444455556666"
_SECRET = f"arn:aws:secretsmanager:us-east-1:{_A}:secret:app/db-AbCdEf"
_KEY = f"arn:aws:kms:us-east-1:{_A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
_REPO = f"arn:aws:ecr:us-east-1:{_A}:repository/base"

TECHNIQUE = Technique(
    id="aws.data-read",
    title="Principal reads an AWS data store",
    severity="high",
    mitre="T1530",
    remediation="Grant read actions on the named buckets, secrets, parameters, keys and "
                "repositories a workload needs, not on \"*\"; deny the rest in resource "
                "policies and keep KMS key policies to named principals.",
    cost=1.0,
    find=find,
    examples=(
        Example(
            "a prefix grant, a secret path, a read-all role, a denying and a public bucket",
            _ONE_ACCOUNT,
            frozenset({
                (f"arn:aws:iam::{_A}:role/reports", "arn:aws:s3:::exports"),
                (f"arn:aws:iam::{_A}:role/app", _SECRET),
                (f"arn:aws:iam::{_A}:role/auditor", f"hub:aws-data-read-s3:aws/{_A}"),
                (f"aws:Admin:{_A}", f"hub:aws-data-read-s3:aws/{_A}"),
                (f"hub:aws-data-read-s3:aws/{_A}", "arn:aws:s3:::exports"),
                (f"hub:aws-data-read-s3:aws/{_A}", "arn:aws:s3:::site"),
                (f"aws:Admin:{_A}", f"hub:aws-data-read-secretsmanager:aws/{_A}"),
                (f"hub:aws-data-read-secretsmanager:aws/{_A}", _SECRET),
                ("internet", "arn:aws:s3:::site"),
            }),
            {("internet", "arn:aws:s3:::site"): "likely"},
        ),
        Example(
            "a key policy naming one role, a repository shared with another account",
            _KEYS_AND_REPOSITORIES,
            frozenset({
                (f"arn:aws:iam::{_A}:role/crypto", _KEY),
                (f"aws:Admin:{_A}", f"hub:aws-data-read-ecr:aws/{_A}"),
                (f"hub:aws-data-read-ecr:aws/{_A}", _REPO),
                (f"arn:aws:iam::{_B}:user/puller", f"hub:aws-data-read-ecr:aws/{_B}/to/{_A}"),
                (f"aws:Admin:{_B}", f"hub:aws-data-read-ecr:aws/{_B}/to/{_A}"),
                (f"hub:aws-data-read-ecr:aws/{_B}/to/{_A}", _REPO),
            }),
        ),
        Example("a bucket denying everyone, a key policy naming only an outsider", _NOTHING),
    ),
)
