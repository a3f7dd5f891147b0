"""``riskgraph reach`` end to end: real parser, real NetworkPolicy engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskgraph.cli import main

SHOP = """
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  containers: [{name: nginx, image: nginx, ports: [{name: http, containerPort: 80}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: api
        ports: [{name: http-api, containerPort: 8080}, {containerPort: 9090}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-from-web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: http-api}]
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: vault}
spec:
  containers: [{name: db, image: postgres, ports: [{containerPort: 5432}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: vault}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
"""

TEAM = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all-ingress, namespace: team}
spec:
  podSelector: {}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-same-namespace, namespace: team}
spec:
  podSelector: {}
  ingress: [{from: [{podSelector: {}}]}]
""" + "".join(f"""
---
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: {ns}}}
spec: {{containers: [{{name: main, image: busybox}}]}}
""" for ns, name in (("team", "b"), ("team", "a"), ("team", "c"), ("other", "x")))


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["reach", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def shop(tmp_path: Path) -> str:
    (tmp_path / "shop.yaml").write_text(SHOP)
    return str(tmp_path / "shop.yaml")


def test_allowed_names_the_allowing_policy(shop: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--k8s", shop, "-q", "--from", "pod:shop/web", "--to", "pod:shop/api",
                        "--port", "8080/TCP"], capsys)
    assert code == 0
    assert out.startswith("ALLOWED  shop/web -> shop/api on 8080/TCP")
    assert "deciding policies: shop/api-from-web" in out
    assert "(assuming the CNI enforces NetworkPolicy)" in out


def test_named_port_admits_only_the_port_it_names(
        shop: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--k8s", shop, "-q", "--from", "pod:shop/web", "--to", "pod:shop/api",
            "--format", "json"]
    code, out, _ = run(args, capsys)
    assert code == 1, "9090 is declared but not named by the policy: one port is blocked"
    answers = {a["port"]: a for a in json.loads(out)}
    assert set(answers) == {"8080/TCP", "9090/TCP"}
    assert answers["8080/TCP"]["allowed"] is True
    assert answers["9090/TCP"]["allowed"] is False
    assert answers["9090/TCP"]["policies"] == ["shop/api-from-web"]
    code, out, _ = run([*args, "--port", "9090"], capsys)
    assert code == 1 and json.loads(out)["allowed"] is False


def test_deny_all_blocks_and_is_named(shop: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--k8s", shop, "-q", "--from", "pod:shop/web", "--to", "pod:vault/db"],
                       capsys)
    assert code == 1
    assert out.startswith("BLOCKED  shop/web -> vault/db on 5432/TCP")
    assert "vault/db is isolated for ingress by vault/deny-all" in out
    assert "deciding policies: vault/deny-all" in out


def test_json_contract_for_one_port(shop: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "answer.json"
    code, out, _ = run(["--k8s", shop, "-q", "--from", "pod:vault/db", "--to", "pod:shop/web",
                        "--port", "any", "--format", "json", "-o", str(target)], capsys)
    assert code == 1 and out == ""
    doc = json.loads(target.read_text())
    assert doc == {
        "from": "k8s:Pod:vault/db", "to": "k8s:Pod:shop/web", "port": "any/any",
        "allowed": False,
        "because": "blocked: vault/db is isolated for egress by vault/deny-all, which allows "
                   "nothing to shop/web on any/any",
        "policies": ["vault/deny-all"], "enforced": None}


def test_matrix_of_deny_all_with_allow_same_namespace(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "team.yaml").write_text(TEAM)
    args = ["--k8s", str(tmp_path), "-q", "--matrix", "--namespace", "team",
            "--namespace", "other"]
    code, out, _ = run([*args, "--format", "json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert doc["namespaces"] == ["team", "other"]
    assert doc["pods"] == ["k8s:Pod:team/a", "k8s:Pod:team/b", "k8s:Pod:team/c",
                           "k8s:Pod:other/x"]
    assert doc["allowed"] == [[True, True, True, True],
                              [True, True, True, True],
                              [True, True, True, True],
                              [False, False, False, True]]
    code, table, _ = run(args, capsys)
    assert code == 0
    assert table.splitlines()[1:] == ["           1 2 3 4",
                                      "1  team/a  Y Y Y Y",
                                      "2  team/b  Y Y Y Y",
                                      "3  team/c  Y Y Y Y",
                                      "4  other/x - - - Y"]


def test_matrix_defaults_to_every_namespace_with_pods(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "team.yaml").write_text(TEAM)
    _, out, _ = run(["--k8s", str(tmp_path), "-q", "--matrix", "--format", "json"], capsys)
    assert json.loads(out)["namespaces"] == ["other", "team"]


def test_unknown_pod_exits_2_with_a_suggestion(shop: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--k8s", shop, "-q", "--from", "pod:shop/wbe", "--to",
                          "pod:shop/api"], capsys)
    assert (code, out) == (2, "")
    assert "'pod:shop/wbe' names no pod" in err and "Did you mean: pod:shop/web" in err
    code, _, err = run(["--k8s", shop, "-q", "--matrix", "--namespace", "vualt"], capsys)
    assert code == 2 and "Did you mean: vault?" in err


@pytest.mark.parametrize(("options", "message"), [
    (["--matrix", "--from", "pod:shop/web"], "it takes no --from or --to"),
    (["--from", "pod:shop/web"], "give --from pod:NS/NAME and --to pod:NS/NAME, or --matrix"),
    (["--from", "pod:shop/web", "--to", "pod:shop/api", "--namespace", "shop"],
     "give --matrix too"),
    (["--from", "pod:shop/web", "--to", "pod:shop/api", "--port", "80/XTP"],
     "unknown protocol 'XTP'"),
    ([], "no input"),
])
def test_options_reach_cannot_answer_are_usage_errors(
        shop: str, options: list[str], message: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["reach", *(["--k8s", shop] if options else []), *options])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_demo_payments_egress_is_denied_but_ingress_is_open(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--demo", "-q", "--from", "pod:payments/payments-api",
                        "--to", "pod:web/storefront", "--format", "json"], capsys)
    assert code == 1
    assert [(a["allowed"], a["policies"]) for a in json.loads(out)] == [
        (False, ["payments/default-deny-egress"])]
    code, out, _ = run(["--demo", "-q", "--from", "pod:web/storefront",
                        "--to", "pod:payments/payments-api", "--port", "8443/TCP",
                        "--format", "json"], capsys)
    assert code == 0
    assert json.loads(out)["allowed"] is True


def test_help_teaches_examples_and_the_json_contract(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["reach", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "riskgraph reach --demo --matrix --namespace payments --namespace web" in out
    assert '"allowed": [[bool, ...], ...]' in out and "1  blocked on some port" in out


CALICO = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: calico-node, namespace: calico-system}
spec:
  selector: {matchLabels: {k8s-app: calico-node}}
  template:
    metadata: {labels: {k8s-app: calico-node}}
    spec: {containers: [{name: calico-node, image: docker.io/calico/node:v3.27.0}]}
"""


def test_enforcement_is_reported_from_the_detected_engine(
        shop: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--from", "pod:shop/web", "--to", "pod:vault/db"]
    code, out, err = run(["--k8s", shop, *args, "--format", "json"], capsys)
    assert code == 1 and json.loads(out)[0]["enforced"] is None
    assert "warning: no NetworkPolicy engine" in err
    (tmp_path / "calico.yaml").write_text(CALICO)
    code, out, err = run(["--k8s", shop, str(tmp_path / "calico.yaml"), *args], capsys)
    assert code == 1
    assert out.splitlines()[-1].startswith("(network policies are enforced (Calico: ")
    assert "warning" not in err
    _, as_json, _ = run(["--k8s", shop, str(tmp_path / "calico.yaml"), *args,
                         "--format", "json"], capsys)
    assert json.loads(as_json)[0]["enforced"] is True


NODE_LOCAL = """
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: ops}
spec: {nodeName: n1, hostNetwork: true, containers: [{name: agent, image: agent}]}
---
apiVersion: v1
kind: Pod
metadata: {name: other-agent, namespace: ops}
spec: {nodeName: n2, hostNetwork: true, containers: [{name: agent, image: agent}]}
---""" + SHOP.replace("metadata: {name: db, namespace: vault}\nspec:\n",
                   "metadata: {name: db, namespace: vault}\nspec:\n  nodeName: n1\n")


def test_host_network_pod_reaches_a_denied_pod_on_its_own_node_only(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "estate.yaml").write_text(NODE_LOCAL)
    base = ["--k8s", str(tmp_path), "-q", "--to", "pod:vault/db"]
    code, out, _ = run([*base, "--from", "pod:ops/agent"], capsys)
    assert code == 0
    assert "uses the host network of node n1, where vault/db runs" in out
    assert "deciding policies: none" in out
    code, out, _ = run([*base, "--from", "pod:ops/other-agent"], capsys)
    assert code == 1 and "vault/deny-all" in out
    code, out, _ = run(["--k8s", str(tmp_path), "-q", "--matrix", "--namespace", "ops",
                        "--namespace", "vault", "--format", "json"], capsys)
    doc = json.loads(out)
    assert doc["pods"] == ["k8s:Pod:ops/agent", "k8s:Pod:ops/other-agent", "k8s:Pod:vault/db"]
    assert [row[2] for row in doc["allowed"]] == [True, False, True]


IP_BLOCK = """
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: vault, labels: {app: db}}
spec: {containers: [{name: db, image: postgres, ports: [{containerPort: 5432}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-the-office, namespace: vault}
spec:
  podSelector: {}
  ingress: [{from: [{ipBlock: {cidr: 10.20.0.0/16}}]}]
---
{"cluster": {"name": "prod", "arn": "arn:aws:eks:eu-west-1:111122223333:cluster/prod",
             "resourcesVpcConfig": {"vpcId": "vpc-0prod"}}}
"""
VPCS = """{"Vpcs": [{"VpcId": "vpc-0prod", "OwnerId": "111122223333",
                     "CidrBlock": "10.20.0.0/16"}]}"""


def test_ip_blocks_are_read_with_the_vpc_as_the_pod_network(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Pods get their addresses from the VPC's range: an ipBlock of that range admits every
    # pod. Without the VPC in the input the default private ranges (wider than the
    # block) are the pod network, so the block covers only part of it and admits none.
    (tmp_path / "estate.yaml").write_text(IP_BLOCK)
    args = ["--k8s", str(tmp_path), "-q", "--from", "pod:shop/web", "--to", "pod:vault/db"]
    code, out, _ = run(args, capsys)
    assert code == 1
    assert out.splitlines()[-1].startswith("(ipBlocks read with pod addresses from default ")
    (tmp_path / "vpcs.json").write_text(VPCS)
    code, out, _ = run(args, capsys)
    assert code == 0 and "vault/from-the-office" in out
    assert out.splitlines()[-1] == ("(ipBlocks read with pod addresses from VPC vpc-0prod "
                                    "(10.20.0.0/16) of EKS cluster prod)")


VPC_CNI_OFF = """
apiVersion: v1
kind: Pod
metadata: {name: aws-node-x1x2x, namespace: kube-system}
spec:
  containers:
  - {name: aws-node, image: 602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18.1}
  - name: aws-eks-nodeagent
    image: 602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-network-policy-agent:v1.1.0
---
{"addon": {"addonName": "vpc-cni", "clusterName": "prod",
           "configurationValues": "{\\"enableNetworkPolicy\\": \\"false\\"}"}}
"""


def test_a_vpc_cni_with_network_policy_off_warns_that_policies_are_not_enforced(
        shop: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "cni.yaml").write_text(VPC_CNI_OFF)
    code, out, err = run(["--k8s", shop, str(tmp_path / "cni.yaml"), "--from",
                          "pod:shop/web", "--to", "pod:vault/db", "--format", "json"], capsys)
    assert code == 1 and json.loads(out)[0]["enforced"] is False
    assert "warning: network policies are not enforced (Amazon VPC CNI network policy is off"\
        in err
    assert "no NetworkPolicy engine" not in err


def test_a_pod_with_security_groups_is_not_isolated_by_policies_as_in_the_graph(
        shop: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # vault/db is behind deny-all; a SecurityGroupPolicy selecting it hands it to its
    # security groups (as on EKS), so reach agrees with net.reach: no policy isolates it.
    question = ["-q", "--from", "pod:shop/web", "--to", "pod:vault/db"]
    code, out, _ = run(["--k8s", shop, *question], capsys)
    assert code == 1 and "vault/deny-all" in out
    (tmp_path / "sgp.yaml").write_text("""
apiVersion: vpcresources.k8s.aws/v1beta1
kind: SecurityGroupPolicy
metadata: {name: db-groups, namespace: vault}
spec:
  podSelector: {}
  securityGroups: {groupIds: [sg-0db]}
""")
    code, out, _ = run(["--k8s", shop, str(tmp_path / "sgp.yaml"), *question], capsys)
    assert code == 0 and "vault/db is not isolated for ingress" in out


EXPORTER = """
kind: Pod
metadata: {name: app, namespace: shop}
spec: {nodeName: n1, containers: [{name: app, image: app}]}
---
kind: Pod
metadata: {name: far-app, namespace: shop}
spec: {nodeName: n2, containers: [{name: app, image: app}]}
---
kind: Pod
metadata: {name: exporter, namespace: monitoring}
spec:
  nodeName: n1
  hostNetwork: true
  containers: [{name: metrics, image: prom/node-exporter, ports: [{containerPort: 9100}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress, namespace: shop}
spec: {podSelector: {}, policyTypes: [Egress]}
"""


def test_a_pod_denied_egress_still_reaches_the_host_network_of_its_own_node(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "estate.yaml").write_text(EXPORTER)
    base = ["--k8s", str(tmp_path), "-q", "--to", "pod:monitoring/exporter"]
    code, out, _ = run([*base, "--from", "pod:shop/app"], capsys)
    assert code == 0
    assert "monitoring/exporter uses the host network of node n1, where shop/app runs" in out
    code, out, _ = run([*base, "--from", "pod:shop/far-app"], capsys)
    assert code == 1 and "shop/deny-egress" in out
