"""``riskgraph reach``: may one pod connect to another under the NetworkPolicies, and the
matrix of whole namespaces.

Nothing here prints: :func:`reach_command` returns the text to write and the exit code,
and warnings go through the ``say`` callback ``riskgraph.cli`` passes in.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence

from riskgraph.estate import Inventory
from riskgraph.netpol import NetworkPolicies, Port
from riskgraph.netpol.enforcement import detect, enforcement
from riskgraph.netpol.questions import ANY_PORT, Answer, Matrix, answer, matrix, row_name

EXIT_ALLOWED, EXIT_BLOCKED = 0, 1
ALLOWED_MARK, BLOCKED_MARK = "Y", "-"
ASSUMPTION = "(assuming the CNI enforces NetworkPolicy)"

Say = Callable[[str], None]

REACH_EXAMPLES = """examples:
  riskgraph reach --k8s ./manifests --from pod:web/frontend --to pod:payments/api \\
      --port 8443/TCP
  riskgraph reach --demo --from pod:web/storefront --to pod:payments/payments-api
  riskgraph reach --demo --from pod:payments/payments-api --to pod:web/storefront --port any
  riskgraph reach --demo --matrix --namespace payments --namespace web
  riskgraph reach --k8s cluster.json --matrix --port 5432/TCP --format json -o matrix.json

pods:
  pod:NS/NAME names a pod, or the pod template of a workload (Deployment, StatefulSet,
  DaemonSet, Job, CronJob, ...) as pod:NS/<workload name>.

json output:
  one question, one --port: {"from": id, "to": id, "port": "80/TCP", "allowed": bool,
    "because": "...", "policies": ["ns/name", ...], "enforced": bool or null}
  otherwise a list of those objects, one per port asked (default: each declared port).
  "policies" are the deciding ones: those allowing it, or those isolating when blocked.
  With --network-policy flat every answer is allowed, "policies" is empty and
  "if_enforced": {"allowed": bool, "policies": [...]} says what the policies would do.
  --matrix: {"namespaces": [...], "pods": [id, ...], "members": [[id, ...], ...],
    "port": "any/any", "allowed": [[bool, ...], ...], "enforced": bool or null};
    allowed[i][j] is whether pods[i] may connect to pods[j]; members[i] are the pods of
    row i (the replicas of one owner share a row); several --port: a list, one per port;
    flat: every cell true and "if_enforced" holds the policies' cells.
  "enforced" is whether the cluster enforces NetworkPolicy (null: not known).
  A workload's template pod stands for all its replicas: its diagonal cell in the matrix
  answers whether one replica may connect to another.
"""

REACH_EXIT_CODES = """exit codes:
  0  allowed on every port asked (or the matrix was printed)
  1  blocked on some port asked (for CI gates)
  2  usage error: bad option, or a pod or namespace not in the input
  3  the input could not be read at all (or the cluster could not be reached)
"""


def _port(text: str) -> Port:
    try:
        return Port.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def add_reach_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser],
                     parents: Sequence[argparse.ArgumentParser]) -> None:
    """Add the ``reach`` subcommand; ``parents`` hold the shared input and output options."""
    reach = commands.add_parser(
        "reach", help="may one pod connect to another under the NetworkPolicies",
        description="Answer whether NetworkPolicies allow a connection from one pod to\n"
                    "another, and name the policies that decide it; or print the matrix\n"
                    "of every pod of some namespaces. Both the source's egress and the\n"
                    "target's ingress must allow it. Answers follow the policies'\n"
                    "semantics: they hold where the CNI enforces NetworkPolicy, so a\n"
                    "warning says when no enforcing engine (Calico, Cilium, ...) is in\n"
                    "the input.",
        parents=list(parents),
        epilog=REACH_EXAMPLES + "\n" + REACH_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    question = reach.add_argument_group("question")
    question.add_argument("--from", dest="source", metavar="POD",
                          help="the pod opening the connection: pod:NS/NAME")
    question.add_argument("--to", dest="target", metavar="POD",
                          help="the pod receiving it: pod:NS/NAME")
    question.add_argument("--port", dest="ports", metavar="PORT/PROTO", type=_port,
                          action="append",
                          help="80/TCP, 53/UDP, 8443 (TCP), tcp (some TCP port) or any "
                               "(some port); repeatable (default: each port the target's "
                               "containers declare, or any when they declare none; with "
                               "--matrix: any, and one matrix per port)")
    question.add_argument("--matrix", action="store_true",
                          help="print the matrix of every pod of the namespaces: rows are "
                               "sources, columns targets, Y allowed, - blocked")
    question.add_argument("--namespace", dest="namespaces", metavar="NS", action="append",
                          default=[],
                          help="with --matrix: a namespace to include (repeatable; default "
                               "every namespace with pods)")


def check_reach_usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Exit through ``parser.error`` on option combinations ``reach`` cannot answer."""
    if args.matrix:
        if args.source or args.target:
            parser.error("--matrix answers for every pod of the namespaces: it takes no "
                         "--from or --to")
    elif not (args.source and args.target):
        parser.error("give --from pod:NS/NAME and --to pod:NS/NAME, or --matrix")
    elif args.namespaces:
        parser.error("--namespace chooses the pods of --matrix: give --matrix too")


def answers_table(answers: Sequence[Answer], note: str) -> str:
    """One block per answer: the verdict, why, and the deciding policies."""
    blocks = []
    for a in answers:
        verdict = a.verdict
        policies = ", ".join(a.policies) or "none"
        blocks.append(f"{'ALLOWED' if a.allowed else 'BLOCKED'}  {verdict.source} -> "
                      f"{verdict.target} on {verdict.port}\n"
                      f"  {a.because}\n  deciding policies: {policies}")
    return "\n".join(blocks) + f"\n{note}"


def matrix_table(grid: Matrix, note: str) -> str:
    """Rows are sources and columns targets, both numbered; cells Y (allowed), - (blocked).
    The replicas of one owner share a row; on a flat network a last line counts the cells
    the policies would block."""
    names = [row_name(row) for row in grid.rows]
    number_width = len(str(len(names)))
    name_width = max((len(n) for n in names), default=0)
    cell_width = number_width + 1
    indent = " " * (number_width + 2 + name_width)
    lines = [f"from row to column on {grid.port}: {ALLOWED_MARK} allowed, {BLOCKED_MARK} "
             f"blocked {note}",
             indent + "".join(str(i).rjust(cell_width) for i in range(1, len(names) + 1))]
    for index, (name, row) in enumerate(zip(names, grid.allowed, strict=True), start=1):
        marks = "".join((ALLOWED_MARK if ok else BLOCKED_MARK).rjust(cell_width) for ok in row)
        lines.append(f"{str(index).rjust(number_width)}  {name.ljust(name_width)}{marks}")
    if grid.if_enforced is not None:
        blocked = sum(not ok for row in grid.if_enforced for ok in row)
        lines.append(f"(flat: every cell allowed; enforced, the policies would block "
                     f"{blocked} of {len(names) ** 2}: see --network-policy enforced)")
    return "\n".join(lines)


def reach_command(inv: Inventory, args: argparse.Namespace, say: Say) -> tuple[str, int]:
    """``riskgraph reach``: the text to write and the exit code (1 when some port asked
    about is blocked; a printed matrix is 0)."""
    enforced, note = enforcement_note(inv, say)
    policies = NetworkPolicies.of(inv)
    if _uses_ip_blocks(inv):
        note += f"\n(ipBlocks read with pod addresses from {policies.cluster_network_source})"
    # Only the user's --network-policy flat makes every answer "allowed": a detected
    # "not enforced" may be wrong, so answers then follow the policies, with a warning.
    flat = inv.network_policy_enforcement is False
    if args.matrix:
        grids = [matrix(inv, args.namespaces, port, enforced, policies, flat)
                 for port in args.ports or [ANY_PORT]]
        if args.format == "json":
            docs = [grid.to_dict() for grid in grids]
            return json.dumps(docs[0] if len(docs) == 1 else docs, indent=2), EXIT_ALLOWED
        return "\n\n".join(matrix_table(grid, note) for grid in grids), EXIT_ALLOWED
    answers = answer(inv, args.source, args.target, args.ports or [], enforced, policies,
                     flat)
    code = EXIT_ALLOWED if all(a.allowed for a in answers) else EXIT_BLOCKED
    if args.format == "json":
        docs = [a.to_dict() for a in answers]
        return json.dumps(docs[0] if len(args.ports or []) == 1 else docs, indent=2), code
    return answers_table(answers, note), code


def enforcement_note(inv: Inventory, say: Say) -> tuple[bool | None, str]:
    """Whether the cluster enforces NetworkPolicy (None: not known) and the note saying what
    the answers rest on; warns through ``say`` when nothing shows enforcement.

    Answers always follow the policies: they are what the cluster is meant to do, and an
    engine outside the input may enforce them.
    """
    found, _ = detect(inv)
    if inv.network_policy_enforcement is None and found is None:
        say("warning: no NetworkPolicy engine (Calico, Cilium, ...) found in the input: the "
            "cluster may not enforce these policies, and then every connection is allowed")
        return None, ASSUMPTION
    enforced, why = enforcement(inv)
    if not enforced:
        say(f"warning: network policies are {why}: the cluster may allow every connection")
    return enforced, f"(network policies are {why})"


def _uses_ip_blocks(inv: Inventory) -> bool:
    """Whether some policy names an ipBlock: only then do pod addresses matter."""
    return any(peer.ip_block is not None
               for policy in inv.network_policies
               for rules in (policy.spec.ingress, policy.spec.egress)
               for rule in rules for peer in rule.peers)
