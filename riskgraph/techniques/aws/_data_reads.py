"""How one principal reaches the data stores of one kind for ``aws.data-read``: the
stores it reads directly, the pattern hubs it enters and the account hubs it enters by
reading every store of the kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial

from riskgraph.confidence import Confidence
from riskgraph.estate.aws_inventory import IamPrincipal
from riskgraph.iam import AccountAccess, Decision
from riskgraph.iam.matching import arn_matches
from riskgraph.techniques import Edge
from riskgraph.techniques.aws._common import because, confidence_of, pattern_hub, scoped_hub
from riskgraph.techniques.aws._index import PROBE, ArnIndex, all_of
from riskgraph.techniques.aws._reach import Shared, Sharing, reach
from riskgraph.techniques.aws._stores import LABELS, Read, Store, decide, pattern_edges


def _owner(store: Store) -> str:
    return store.account


def _covered(store: Store, account: str, entered: Iterable[Shared[Store]]) -> bool:
    """Whether a pattern hub the principal surely entered leads to ``store``."""
    return any(shared.decision.confidence == "certain" and
               shared.owner == (store.account or account) and
               arn_matches(shared.pattern, store.arn) for shared in entered)


def _unless_reached(access: AccountAccess, principal: IamPrincipal,
                    reached: dict[str, Confidence], store: Store, pattern: str, read: Read
                    ) -> Decision:
    """:func:`decide`, but a store another read already reached for certain is passed over
    (refused here): it needs no second decision, nor a second edge."""
    if reached.get(store.arn) == "certain":
        return Decision(False, "certain", (), f"{store.arn} is reached already")
    return decide(access, principal, store, pattern, read)


def principal_reads(access: AccountAccess, principal: IamPrincipal, kind: str,
                    reads: tuple[Read, ...], index: ArnIndex[Store], owners: set[str],
                    fanned: set[str]) -> Iterator[Edge]:
    """The edges of ``principal`` reading the stores of ``kind`` in ``index``: to each store
    it reaches directly, to each pattern hub it enters (with the hub's own edges to its
    stores unless ``fanned``, which this extends, already holds the hub), and, when it may
    read every store of the kind, to the account hub of each of ``owners`` (the accounts
    whose stores admit the principal's account)."""
    account = principal.account
    entered: dict[str, Shared[Store]] = {}
    reached: dict[str, Confidence] = {}
    for read in reads:
        probe = read.probe.format(p=PROBE, account=account)
        found = reach(access, principal, read.actions, probe, index,
                      partial(_unless_reached, access, principal, reached, read=read),
                      read.index_key, sharing=Sharing(_owner, read.request))
        doing = "+".join(read.actions)
        for shared in found.shared:
            vertex = pattern_hub(f"aws-data-read-{kind}", account, shared.owner,
                                 shared.pattern)
            if vertex not in entered:
                entered[vertex] = shared
                yield Edge(principal.arn, vertex, f"{principal.arn} may {doing} every "
                           f"{LABELS[kind]} matching {shared.pattern}",
                           because(shared.decision), confidence_of(shared.decision))
            if vertex not in fanned:
                fanned.add(vertex)
                yield from pattern_edges(vertex, account, shared)
        for store, decision in found.targets:
            confidence = confidence_of(decision)
            before = reached.get(store.arn)
            # Skip what another read already reached as surely, or a pattern hub covers.
            if before in (None, "likely") and before != confidence and \
                    not _covered(store, account, entered.values()):
                reached[store.arn] = confidence
                yield Edge(principal.arn, store.arn, f"{principal.arn} may {doing} "
                           f"{store.arn}", because(decision), confidence)
        if found.everywhere is None:
            continue
        for owner in sorted(owners):
            decision = found.everywhere if owner == account else all_of(
                access.can(principal, a, read.probe.format(p=PROBE, account=owner),
                           resource_account=account) for a in read.actions)
            if decision.allowed:
                yield Edge(principal.arn, scoped_hub(f"aws-data-read-{kind}", account, owner),
                           f"{principal.arn} may {doing} every {LABELS[kind]} of account "
                           f"{owner}", because(decision), confidence_of(decision))
        return
