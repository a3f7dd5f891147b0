"""pod.imds: a container reads its node's IAM role from the instance metadata service.

IMDS answers a pod when the pod shares the node's network namespace (``hostNetwork``), when
IMDSv1 is allowed (``HttpTokens: optional``), or when the IMDSv2 token's hop limit is 2 or
more (the token response survives the hop into the pod's namespace). ``HttpTokens:
required`` with hop limit 1 leaves only hostNetwork pods; ``HttpEndpoint: disabled`` leaves
none; Fargate pods never reach one. The settings are the instance's ``MetadataOptions``, or
the launch template of the node's EKS node group; when neither is in the input the edge is
``likely`` and says so. A pod with IRSA or Pod Identity still gets the edge: the SDKs prefer
those credentials, but a direct call to 169.254.169.254 returns the node's role regardless.

When NetworkPolicies are enforced (:mod:`riskgraph.netpol.enforcement`), a pod whose
egress policies deny 169.254.169.254 on 80/TCP (a default-deny egress policy does) gets no
edge; hostNetwork pods are not subject to pod policies. The verdict is asked once per set
of egress policies isolating a pod. Not yet modelled: security groups for pods.

Each node's and pool's verdict is computed once, and once per set of placements a pod can
have, never per container. A pod that may land on several pools (not a DaemonSet, which runs
on each) enters one hub per set of pools, ``hub:pod-imds:pools/...`` (``pod-imds-host-network``
for hostNetwork pods), which leads to each role reached there: edges grow with containers plus
roles, not with their product.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from ipaddress import ip_address

from riskgraph import ids
from riskgraph.edges import Reason
from riskgraph.estate.inventory import Inventory
from riskgraph.estate.scheduling import Placement, pool_set_scope
from riskgraph.models import Pod
from riskgraph.netpol import NetworkPolicies, Port
from riskgraph.netpol.enforcement import enforcement
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.aws_nodes import place_roles
from riskgraph.techniques._shared.common import container_vertex, evidence, namespace_of
from riskgraph.techniques.pod._imds import Reach, Reaches

IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
CAPABILITY = "pod-imds"
#: Entering the hub of a pool set is bookkeeping; the step out of it is the IMDS call.
HUB_COST = 0.1
IMDS_ADDRESS = ip_address("169.254.169.254")
IMDS_PORT = Port(80, "TCP")


def _own_credentials(inv: Inventory) -> dict[tuple[str, str], str]:
    """(namespace, service account) -> how pods using it get their own AWS role."""
    found = {(sa.metadata.namespace or "default", sa.name): "IRSA"
             for sa in inv.service_accounts if sa.metadata.annotations.get(IRSA_ANNOTATION)}
    for association in inv.aws.pod_identity_associations:
        if association.cluster_name == (inv.aws.cluster_name or association.cluster_name):
            found.setdefault((association.namespace, association.service_account),
                             "EKS Pod Identity")
    return found


def _note(pod: Pod, own: dict[tuple[str, str], str]) -> str:
    how = own.get((namespace_of(pod), pod.spec.effective_service_account))
    if how is None:
        return ""
    return (f" (the pod also has a role of its own through {how}; the SDKs prefer it, but a "
            "direct call to the metadata service still returns the node's role)")


def _hub_of(inv: Inventory, pod: Pod, places: list[Placement]) -> str | None:
    """The hub a pod that may land on several pools enters; None: it gets direct edges.

    A DaemonSet runs on each of its pools, so its edges keep their own (stronger) confidence.
    """
    if len(places) < 2 or pod.template_kind == "DaemonSet" or \
            places[0].target.startswith(ids.NODE_PREFIX):
        return None
    capability = f"{CAPABILITY}-host-network" if pod.spec.host_network else CAPABILITY
    return ids.hub_id(capability, pool_set_scope([p.target for p in places], len(inv.pools)))


def _egress_blocked(inv: Inventory) -> Callable[[Pod], bool]:
    """Whether enforced NetworkPolicies stop a pod's calls to the metadata service."""
    if not inv.network_policies or not enforcement(inv)[0]:
        return lambda pod: False
    policies = NetworkPolicies.of(inv)
    verdicts: dict[tuple[int, ...], bool] = {}

    def blocked(pod: Pod) -> bool:
        if pod.spec.host_network:
            return False
        signature = policies.signature(pod)
        if not signature.egress:
            return False
        # Egress to an address reads only the pod's egress policies.
        found = verdicts.get(signature.egress)
        if found is None:
            found = verdicts[signature.egress] = not policies.decide(
                signature, IMDS_ADDRESS, IMDS_PORT).allowed
        return found

    return blocked


def find(inv: Inventory) -> Iterator[Edge]:
    roles = place_roles(inv)
    if not roles:
        return
    blocked = _egress_blocked(inv)
    own = _own_credentials(inv)
    direct: dict[tuple[tuple[Placement, ...], bool], list[Reach]] = {}
    reaching = Reaches(roles)
    hubs: dict[str, bool] = {}  # hub -> whether any role is reached through it

    def edges(pod: Pod, places: list[Placement], note: str) -> Iterator[Edge]:
        host_network = pod.spec.host_network
        pod_proof = (evidence(pod, "hostNetwork", True),) if host_network else ()
        hub = _hub_of(inv, pod, places)
        if hub is not None:
            if hub not in hubs:
                reaches = reaching.of(places, host_network, True)
                hubs[hub] = bool(reaches)
                for reach in reaches:
                    yield Edge(hub, reach.arn, f"a pod behind this hub {reach.reason}",
                               reach.evidence, reach.confidence)
            if hubs[hub]:
                for container in pod.spec.all_containers:
                    yield Edge(container_vertex(pod, container), hub,
                               Reason("container {}/{} may be scheduled onto any of {} pools and "
                                      "calls the instance metadata service of the node it lands "
                                      "on{}", pod.name, container.name, len(places), note),
                               pod_proof,
                               cost=HUB_COST)
            return
        key = (tuple(places), host_network)
        found = direct.get(key)
        if found is None:
            found = direct[key] = reaching.of(places, host_network, False)
        vertices = [(container_vertex(pod, c), c.name) for c in pod.spec.all_containers]
        for reach in found:
            proof = (*pod_proof, *reach.evidence)
            for vertex, name in vertices:
                yield Edge(vertex, reach.arn,
                           Reason("container {}/{} {}{}", pod.name, name, reach.reason, note),
                           proof, reach.confidence)

    for pod in inv.pods:
        if blocked(pod):
            continue
        places = inv.placements(pod)
        note = _note(pod, own)
        if not pod.replicas:
            yield from edges(pod, places, note)
            continue
        # A replica's node is a fact; the pools a workload may be rescheduled onto are not.
        yield from edges(pod, [p for p in places if p.target.startswith(ids.NODE_PREFIX)], note)
        yield from edges(pod, [p for p in places if not p.target.startswith(ids.NODE_PREFIX)],
                         note)


_AWS = """
---
{"Reservations": [{"OwnerId": "111122223333", "Instances": [
  {"InstanceId": "i-0aaa1111bbbb2222c", "Placement": {"AvailabilityZone": "us-east-1a"},
   "IamInstanceProfile": {"Arn": "arn:aws:iam::111122223333:instance-profile/eks-node"},
   "MetadataOptions": {"HttpTokens": "%s", "HttpPutResponseHopLimit": %d,
                       "HttpEndpoint": "enabled"}}]}]}
---
{"RoleDetailList": [
  {"RoleName": "eks-node", "Arn": "arn:aws:iam::111122223333:role/eks-node",
   "InstanceProfileList": [{"InstanceProfileName": "eks-node",
     "Arn": "arn:aws:iam::111122223333:instance-profile/eks-node",
     "Roles": [{"RoleName": "eks-node", "Arn": "arn:aws:iam::111122223333:role/eks-node"}]}]}],
 "Policies": []}
"""

_PODS = """
kind: Node
metadata: {name: n1}
spec: {providerID: "aws:///us-east-1a/i-0aaa1111bbbb2222c"}
---
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  nodeName: n1
  containers: [{name: app, image: nginx}]
---
kind: Pod
metadata: {name: cni, namespace: kube-system}
spec:
  nodeName: n1
  hostNetwork: true
  containers: [{name: agent, image: cni}]
"""

_NODE_ROLE = "arn:aws:iam::111122223333:role/eks-node"

TECHNIQUE = Technique(
    id="pod.imds",
    title="Container reads the node's IAM role from the instance metadata service",
    severity="high",
    mitre="T1552.005",
    remediation="Require IMDSv2 with a hop limit of 1 on node launch templates (HttpTokens "
                "required, HttpPutResponseHopLimit 1), keep pods off hostNetwork, and give "
                "workloads their own role through IRSA or Pod Identity.",
    cost=0.5,
    find=find,
    examples=(
        Example(
            "IMDSv1 allowed: every pod on the node reaches the node role",
            _PODS + _AWS % ("optional", 1),
            frozenset({("k8s:Container:shop/web/app", _NODE_ROLE),
                       ("k8s:Container:kube-system/cni/agent", _NODE_ROLE)}),
            {("k8s:Container:shop/web/app", _NODE_ROLE): "certain"},
        ),
        Example(
            "IMDSv2 with hop limit 1: only the hostNetwork pod",
            _PODS + _AWS % ("required", 1),
            frozenset({("k8s:Container:kube-system/cni/agent", _NODE_ROLE)}),
        ),
        Example(
            "metadata options unknown: likely, through the node group's role",
            """
kind: Node
metadata: {name: n1, labels: {eks.amazonaws.com/nodegroup: general}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      containers: [{name: app, image: api}]
---
{"cluster": {"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod"}}
---
{"nodegroup": {"nodegroupName": "general", "clusterName": "prod",
  "nodeRole": "arn:aws:iam::111122223333:role/eks-node"}}
""",
            frozenset({("k8s:Container:shop/api/app", _NODE_ROLE)}),
            {("k8s:Container:shop/api/app", _NODE_ROLE): "likely"},
        ),
        Example(
            "Fargate pod, and a node whose metadata endpoint is disabled",
            """
kind: Node
metadata:
  name: fargate-ip-10-0-9-9.ec2.internal
  labels: {eks.amazonaws.com/compute-type: fargate}
---
kind: Pod
metadata: {name: job, namespace: batch}
spec:
  nodeName: fargate-ip-10-0-9-9.ec2.internal
  hostNetwork: true
  containers: [{name: run, image: batch}]
""" + _PODS + _AWS.replace('"enabled"', '"disabled"') % ("optional", 2),
        ),
    ),
)
