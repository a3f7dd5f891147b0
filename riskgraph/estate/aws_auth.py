"""EKS's ``kube-system/aws-auth`` ConfigMap: which IAM roles, users and accounts the
cluster lets in, and as which Kubernetes user and groups.

``mapRoles``, ``mapUsers`` and ``mapAccounts`` each hold YAML text. EKS reads the map
unless the cluster authenticates through access entries only
(:attr:`riskgraph.models.aws.EksCluster.reads_aws_auth`). Username templates such as
``system:node:{{EC2PrivateDNSName}}`` are kept as written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import yaml

from riskgraph import ids
from riskgraph.errors import Problem
from riskgraph.models.k8s import AWS_AUTH, ConfigMap
from riskgraph.models.kube_yaml import load_document

MappingKind = Literal["role", "user", "account"]
#: Each data key, the kind of its entries, and the key of an entry's ARN.
_KEYS: tuple[tuple[str, MappingKind, str], ...] = (
    ("mapRoles", "role", "rolearn"), ("mapUsers", "user", "userarn"),
    ("mapAccounts", "account", ""),
)
_OBJECT = f"ConfigMap {AWS_AUTH[0]}/{AWS_AUTH[1]}"
_ACCOUNT_DIGITS = 12


@runtime_checkable
class HasConfigMaps(Protocol):
    """An Inventory, or anything else that holds ConfigMaps."""

    @property
    def config_maps(self) -> list[ConfigMap]: ...


@dataclass(frozen=True, slots=True)
class AwsAuthMapping:
    """One entry of aws-auth.

    ``arn`` is the role or user ARN as written (for ``account``: the account id, every
    IAM identity of which is let in under its own ARN as username); ``path`` locates the
    entry in the ConfigMap's data (``mapRoles[0]``).
    """

    kind: MappingKind
    arn: str
    username: str | None
    groups: tuple[str, ...]
    path: str

    @property
    def match_arn(self) -> str:
        """The ARN EKS compares a caller's identity with (ignoring case).

        A role session names its role without the role's IAM path, so EKS strips the
        path of a ``rolearn`` too: ``role/team/ci`` matches sessions of ``role/ci``.
        """
        if self.kind != "role":
            return self.arn
        prefix, sep, rest = self.arn.partition(":role/")
        return f"{prefix}{sep}{rest.rsplit('/', 1)[-1]}" if sep else self.arn

    @property
    def evidence(self) -> str:
        """``<ConfigMap id>: data.<path>[.rolearn|.userarn]=<value>``."""
        field = {"role": ".rolearn", "user": ".userarn", "account": ""}[self.kind]
        return (f"{ids.k8s_id('ConfigMap', AWS_AUTH[1], AWS_AUTH[0])}: "
                f"data.{self.path}{field}={json.dumps(self.arn)}")


def aws_auth_mappings(inv_or_configmaps: HasConfigMaps | Iterable[ConfigMap],
                      source: str = "input") -> tuple[list[AwsAuthMapping], list[Problem]]:
    """The mappings of the aws-auth ConfigMap (none when it is not in the input), and a
    problem for each data key or entry that cannot be read.

    ``source`` names the file the ConfigMap came from, for the problems.
    """
    config_maps = inv_or_configmaps.config_maps if isinstance(inv_or_configmaps, HasConfigMaps) \
        else inv_or_configmaps
    aws_auth = next((cm for cm in config_maps if cm.is_aws_auth), None)
    mappings: list[AwsAuthMapping] = []
    problems: list[Problem] = []
    if aws_auth is None:
        return mappings, problems
    for key, kind, arn_key in _KEYS:
        text = aws_auth.data.get(key, "")
        try:
            entries = load_document(text) if text.strip() else []
        except yaml.YAMLError as error:
            reason = getattr(error, "problem", None) or str(error).splitlines()[0]
            problems.append(Problem(source, f"data.{key} is not valid YAML ({reason}); its "
                                    "mappings are ignored", obj=_OBJECT))
            continue
        if not isinstance(entries, list):
            problems.append(Problem(source, f"data.{key} is not a YAML list; its mappings "
                                    "are ignored", obj=_OBJECT))
            continue
        for index, entry in enumerate(entries):
            path = f"{key}[{index}]"
            mapping = _account(entry, path) if kind == "account" else \
                _identity(entry, kind, arn_key, path)
            if isinstance(mapping, str):
                problems.append(Problem(source, f"data.{path}: {mapping}; ignored", obj=_OBJECT))
            else:
                mappings.append(mapping)
    return mappings, problems


def _identity(entry: Any, kind: MappingKind, arn_key: str, path: str) -> AwsAuthMapping | str:
    """A mapRoles or mapUsers entry, or why it cannot be read."""
    if not isinstance(entry, dict):
        return "not a mapping"
    arn = entry.get(arn_key)
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        return f"{arn_key} is not an ARN"
    username = entry.get("username")
    groups = entry.get("groups") or []
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        return "groups is not a list of names"
    return AwsAuthMapping(kind, arn, None if username is None else str(username),
                          tuple(groups), path)


def _account(entry: Any, path: str) -> AwsAuthMapping | str:
    """A mapAccounts entry, or why it cannot be read."""
    if isinstance(entry, int) and not isinstance(entry, bool):
        entry = str(entry).zfill(_ACCOUNT_DIGITS)  # YAML read an unquoted id as a number
    if not isinstance(entry, str) or not entry.isdigit():
        return "not an account id"
    return AwsAuthMapping("account", entry, None, (), path)
