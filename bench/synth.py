"""A synthetic EKS estate, shaped as ``kubectl get all,sa,secrets,configmaps,roles,rolebindings,
clusterroles,clusterrolebindings,networkpolicies,ingresses,namespaces,nodes -A -o json`` prints it.

``python -m bench.synth --pods 150000 -o estate.json [--aws-output aws.json] [--indent]
[--seed 7] [--policies 2000]``

The mix: ~1 namespace per 300 pods and 1 node per 30 (10 managed node groups); three
DaemonSets with one pod per node (counted in the pod total); Deployments with their current
and an old ReplicaSet; some StatefulSets, CronJobs with their Jobs, and standalone Jobs;
Services (some NodePort/LoadBalancer), Ingresses, service accounts (some IRSA), Secrets with
fake values (some also in ``last-applied-configuration``), ConfigMaps, per-namespace RBAC,
cluster RBAC including grants to ``system:authenticated`` and ``system:serviceaccounts``,
NetworkPolicies (by default a default-deny-ingress in every other namespace, and nothing
enforces them; ``--policies N`` writes N policies as teams do (``bench._netpol``) and a
Calico DaemonSet, so they are enforced), PSA-labelled namespaces, and ~1% risky pods
(besides kube-proxy, privileged as on EKS); nodes carry the providerID of their EC2
instance, and kube-system holds an aws-auth ConfigMap. ``--aws-output`` also writes the AWS
account behind the cluster (``bench._aws``). The same seed writes the same bytes. Live pods
repeat their controller's template, so each is encoded once and its replicas are stamped
out by string substitution: that keeps 150k pods fast even indented.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from functools import partial
from typing import TextIO

from bench._aws import AwsAccount, write_aws
from bench._netpol import PolicyObjects
from bench._objects import ClusterObjects
from bench._workloads import Workloads

POLICIES_HELP = ("write N NetworkPolicies as teams do (default-deny, same-namespace, from the "
                 "edge namespace, app-to-app on named ports and port ranges, egress with DNS "
                 "and without the instance metadata service) and a Calico DaemonSet "
                 "(calico-system/calico-node) so that they are enforced; without it, one "
                 "default-deny-ingress in every other namespace and no enforcing engine: a "
                 "flat network")


class Estate(Workloads, ClusterObjects, PolicyObjects):
    """The plan of one synthetic estate, and the JSON text of each of its objects."""

    def objects(self) -> Iterator[str]:
        """Every object's JSON, in the order ``kubectl get all,...`` prints kinds."""
        policies = (self.network_policies if self.policies is None else
                    partial(self.realistic_policies, self.policies))
        for part in (self.pods, self.services, self.controllers, self.service_accounts,
                     self.secrets, self.config_maps, self.rbac, policies,
                     self.ingresses, self.namespace_objects, self.node_objects):
            yield from part()
        if self.policies is not None:
            yield from self.calico()


def write(estate: Estate, out: TextIO) -> None:
    """The whole ``kind: List`` document, one object at a time."""
    sep, head, tail = ((",\n", '{\n    "apiVersion": "v1",\n    "items": [\n',
                        '\n    ],\n    "kind": "List",\n    "metadata": {\n'
                        '        "resourceVersion": ""\n    }\n}\n') if estate.indent else
                       (",", '{"apiVersion":"v1","items":[',
                        '],"kind":"List","metadata":{"resourceVersion":""}}\n'))
    out.write(head)
    batch: list[str] = []
    for count, text in enumerate(estate.objects()):
        if count:
            batch.append(sep)
        batch.append(text)
        if len(batch) > 2000:
            out.writelines(batch)
            batch.clear()
    out.writelines(batch)
    out.write(tail)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, required=True, help="live pods in the estate")
    parser.add_argument("-o", "--output", required=True, help="file to write")
    parser.add_argument("--indent", action="store_true", help="indent like kubectl does")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--aws-output", help="also write the AWS account's CLI outputs here")
    parser.add_argument("--policies", type=int, metavar="N", help=POLICIES_HELP)
    args = parser.parse_args(argv)
    estate = Estate(args.pods, args.seed, args.indent, args.policies)
    with open(args.output, "w", encoding="utf-8", newline="\n") as out:
        write(estate, out)
    if args.aws_output:
        with open(args.aws_output, "w", encoding="utf-8", newline="\n") as out:
            write_aws(AwsAccount(estate), out)


if __name__ == "__main__":
    main()
