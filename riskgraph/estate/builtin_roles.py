"""The default roles of every cluster: the user-facing ClusterRoles (cluster-admin, admin,
edit, view), the ``system:`` ClusterRoles of the default RBAC policy and the Roles it puts in
kube-system and kube-public.

A manifest that binds ``cluster-admin`` or ``system:auth-delegator`` must be understood even
when the input holds no cluster dump, so riskgraph ships these roles and adds each one the
input lacks.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from riskgraph.models import Role

BUILTIN_ANNOTATION = "riskgraph.io/builtin"


@cache
def _load() -> tuple[Role, ...]:
    text = resources.files("riskgraph").joinpath("data/builtin-roles.yaml").read_text()
    roles = []
    # libyaml's loader, when the install has it, reads the file in a tenth of the time.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for doc in yaml.load_all(text, Loader=loader):
        role = Role.model_validate(doc)
        role.metadata.annotations[BUILTIN_ANNOTATION] = "true"
        roles.append(role)
    return tuple(roles)


def builtin_roles() -> list[Role]:
    """Fresh copies of the built-in ClusterRoles and Roles."""
    return [role.model_copy(deep=True) for role in _load()]
