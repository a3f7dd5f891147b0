"""YAML text inside objects (aws-auth's maps, a SecretProviderClass's ``objects``) is read
as kubectl reads manifests: a plain ``=`` or a date is text, and a text nested too deep or
aliased too far is a problem naming the object, not a crash (issue 11, ingest leftovers)."""

from __future__ import annotations

import json

from ingest import inventory_from_text
from riskgraph.estate.inventory import Inventory

ROLE = "arn:aws:iam::111122223333:role/ops"
USER = "arn:aws:iam::111122223333:user/ci"
LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n"
    for i in range(7))


def aws_auth(map_roles: str, map_users: str = "") -> Inventory:
    return inventory_from_text(json.dumps({
        "kind": "ConfigMap", "metadata": {"name": "aws-auth", "namespace": "kube-system"},
        "data": {"mapRoles": map_roles, "mapUsers": map_users}}), "aws-auth.json")


def provider_class(objects: str) -> Inventory:
    return inventory_from_text(json.dumps({
        "apiVersion": "secrets-store.csi.x-k8s.io/v1", "kind": "SecretProviderClass",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {"provider": "aws", "parameters": {"objects": objects}}}), "spc.json")


def test_aws_auth_reads_a_plain_equals_sign_and_dates_as_text() -> None:
    inv = aws_auth(f"- rolearn: {ROLE}\n  username: =\n  groups: [2024-01-01, ops]\n")
    assert inv.problems == []
    (mapping,) = inv.aws_auth
    assert (mapping.arn, mapping.username, mapping.groups) == (ROLE, "=", ("2024-01-01", "ops"))


def test_aws_auth_text_nested_too_deep_or_aliased_too_far_is_a_problem() -> None:
    good_user = f"- userarn: {USER}\n  username: ci\n"
    for bad, why in (("- " * 100_000 + "x", "nested more than 500 levels deep"),
                     (LAUGHS, "aliases expand it")):
        inv = aws_auth(bad, good_user)
        (problem,) = inv.problems
        assert problem.source == "aws-auth.json" and problem.obj == "ConfigMap kube-system/aws-auth"
        assert problem.message.startswith("data.mapRoles is not valid YAML (") and why in \
            problem.message
        assert [m.arn for m in inv.aws_auth] == [USER]


def test_aws_auth_yaml_that_is_not_yaml_is_still_a_problem() -> None:
    (problem,) = aws_auth("- rolearn: [unclosed").problems
    assert "data.mapRoles is not valid YAML" in problem.message


def test_a_secret_provider_class_reads_its_objects_as_kubectl_would() -> None:
    inv = provider_class("- objectName: 2024-01-01\n  objectType: secretsmanager\n"
                         "  objectAlias: =\n")
    (spc,) = inv.secret_provider_classes
    found, problems = spc.aws_objects()
    assert problems == [] and inv.problems == []
    assert [(o.name, o.alias) for o in found] == [("2024-01-01", "=")]


def test_a_secret_provider_class_objects_text_too_deep_is_a_problem_naming_it() -> None:
    inv = provider_class("- " * 100_000 + "x")
    (problem,) = inv.problems
    assert (problem.source, problem.obj) == ("spc.json", "SecretProviderClass shop/db")
    assert "nested more than 500 levels deep" in problem.message
