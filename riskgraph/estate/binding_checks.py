"""What is wrong with the input's bindings, said once when the Inventory is built: subjects
the API server would reject, roles missing from the input, and service accounts named in a
namespace the input lacks while a namespace-less file defines one of the same name.

Install bundles usually leave ``metadata.namespace`` out, to be applied with
``kubectl apply -n <ns>``, while their ClusterRoleBindings name the subject's namespace:
read as they are, the account lands in ``default`` and the binding grants nothing to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from riskgraph.errors import Problem
from riskgraph.models import Role, RoleBinding

#: (kind, name) of an object read without a namespace -> the file it came from.
Placed = Mapping[tuple[str, str], str]


def binding_problems(bindings: Iterable[RoleBinding],
                     role_for: Callable[[RoleBinding], Role | None],
                     has_account: Callable[[str, str], bool],
                     origin_of: Callable[[str, str | None, str], str],
                     placed: Placed, default_namespace: str) -> list[Problem]:
    """The problems of each binding, naming the file it came from.

    Parameters
    ----------
    bindings
        RoleBindings and ClusterRoleBindings, namespaces already defaulted.
    role_for
        The role a binding grants, or None when the input lacks it.
    has_account
        Whether the input defines ServiceAccount ``(namespace, name)``.
    origin_of
        The file of object ``(kind, namespace, name)``.
    placed
        Objects read without a namespace, which were put into ``default_namespace``.
    default_namespace
        Where namespace-less objects went (``default``, or ``--namespace``).
    """
    problems = []
    for binding in bindings:
        origin = origin_of(binding.kind, binding.namespace, binding.name)
        for subject in binding.subjects:
            if subject.kind != "ServiceAccount":
                continue
            if not subject.namespace and binding.kind == "ClusterRoleBinding":
                problems.append(Problem(origin, f"subject ServiceAccount {subject.name!r} has "
                                        "no namespace, which the API server rejects: it is "
                                        "ignored", obj=binding.ref))
            elif subject.namespace and subject.namespace != default_namespace \
                    and ("ServiceAccount", subject.name) in placed \
                    and not has_account(subject.namespace, subject.name):
                problems.append(Problem(origin, (
                    f"subject ServiceAccount {subject.namespace}/{subject.name} is not in the "
                    f"input, but {placed['ServiceAccount', subject.name]} defines "
                    f"ServiceAccount {subject.name!r} without a namespace, read into "
                    f"{default_namespace!r}: if the files are meant for `kubectl apply -n "
                    f"{subject.namespace}`, give --namespace {subject.namespace}"),
                    obj=binding.ref))
        if role_for(binding) is None:
            ref = binding.role_ref
            problems.append(Problem(origin, f"binding refers to {ref.kind} {ref.name!r}, which "
                                    "is not in the input: it grants nothing here",
                                    obj=binding.ref))
    return problems
