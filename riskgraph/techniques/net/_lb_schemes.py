"""What load balancers a Service or Ingress asks AWS for: the annotations of the in-tree
cloud provider and of the AWS Load Balancer Controller, read into facts that
``net.internet-exposed`` turns into edges (see that module for the rules and their sources).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import NamedTuple

from riskgraph import ids
from riskgraph.confidence import Confidence
from riskgraph.models import Ingress, Service
from riskgraph.techniques._shared.common import json_value

SVC_PREFIX = "service.beta.kubernetes.io/"
LB_SCHEME = SVC_PREFIX + "aws-load-balancer-scheme"
LB_INTERNAL = SVC_PREFIX + "aws-load-balancer-internal"
LB_TYPE = SVC_PREFIX + "aws-load-balancer-type"
LB_SOURCE_RANGES = SVC_PREFIX + "load-balancer-source-ranges"
LB_SECURITY_GROUPS = SVC_PREFIX + "aws-load-balancer-security-groups"
LBC_TYPES = frozenset({"external", "nlb-ip"})
LBC_CLASS = "service.k8s.aws/nlb"
ALB_PREFIX = "alb.ingress.kubernetes.io/"
ALB_SCHEME = ALB_PREFIX + "scheme"
ALB_GROUP = ALB_PREFIX + "group.name"
ALB_INBOUND = ALB_PREFIX + "inbound-cidrs"
ALB_SECURITY_GROUPS = ALB_PREFIX + "security-groups"
WAF_ANNOTATIONS = (ALB_PREFIX + "wafv2-acl-arn", ALB_PREFIX + "waf-acl-id")
SHIELD = ALB_PREFIX + "shield-advanced-protection"
OPEN_RANGES = frozenset({"0.0.0.0/0", "::/0"})
NODE_PORT_RANGE = (30000, 32767)
BASE_COST = 1.0
RESTRICTED_COST = 5.0
WAF_EXTRA_COST = 2.0
NODEPORT_COST = 2.0


class Facing(NamedTuple):
    """Why a load balancer is internet-facing, and how sure that is."""

    why: str
    evidence: tuple[str, ...]
    confidence: Confidence = "likely"


def annotation_proof(oid: str, key: str, value: str) -> str:
    return f'{oid}: metadata.annotations["{key}"]={json_value(value)}'


def lb_facing(service: Service, sid: str) -> Facing | None:
    """Why the load balancer of a LoadBalancer Service is internet-facing; None: internal."""
    notes = service.metadata.annotations
    scheme, internal = notes.get(LB_SCHEME, "").lower(), notes.get(LB_INTERNAL)
    lb_class = service.spec.load_balancer_class
    if scheme == "internal":
        return None
    if scheme == "internet-facing":
        return Facing("its scheme annotation asks for an internet-facing load balancer",
                      (annotation_proof(sid, LB_SCHEME, notes[LB_SCHEME]),))
    if lb_class == LBC_CLASS or notes.get(LB_TYPE, "") in LBC_TYPES:
        # The AWS Load Balancer Controller: internal unless told otherwise.
        if internal is None or internal.lower() != "false":
            return None
        return Facing('its aws-load-balancer-internal annotation is "false"',
                      (annotation_proof(sid, LB_INTERNAL, internal),))
    if internal is not None and internal.lower() != "false":
        return None
    if lb_class:
        return Facing(f"load balancer class {lb_class} is served by a controller whose "
                      "default scheme riskgraph does not know",
                      (f"{sid}: spec.loadBalancerClass={json_value(lb_class)}",), "possible")
    return Facing("it has no internal annotation, so the in-tree AWS cloud provider makes it "
                  "internet-facing", (f'{sid}: spec.type="LoadBalancer"',))


def restriction(oid: str, notes: dict[str, str], spec_ranges: list[str], annotation: str,
                 own_groups: str) -> tuple[str, str] | None:
    """(ranges, evidence) when the source ranges a load balancer admits leave the internet
    out."""
    if notes.get(own_groups):
        return None  # the controller then ignores the ranges: the named groups decide
    if spec_ranges:
        ranges = spec_ranges
        proof = f"{oid}: spec.loadBalancerSourceRanges={json.dumps(spec_ranges)}"
    else:
        ranges = [r.strip() for r in notes.get(annotation, "").split(",") if r.strip()]
        proof = annotation_proof(oid, annotation, notes.get(annotation, ""))
    if not ranges or not OPEN_RANGES.isdisjoint(ranges):
        return None
    return ", ".join(ranges), proof


#: Annotation -> (value, evidence) of the ALB settings one Ingress (or its group) sets.
AlbSettings = dict[str, tuple[str, str]]
ALB_SHARED = (ALB_SCHEME, *WAF_ANNOTATIONS, SHIELD)


def alb_settings(ingress: Ingress) -> AlbSettings:
    iid = ids.k8s_id("Ingress", ingress.name, ingress.namespace)
    notes = ingress.metadata.annotations
    return {key: (notes[key], annotation_proof(iid, key, notes[key]))
            for key in ALB_SHARED if key in notes}


def alb_groups(ingresses: list[Ingress]) -> dict[str, AlbSettings]:
    """group.name -> the settings some member of the group sets: the members share one ALB,
    and the scheme and WAF are set for all of it by whichever member names them."""
    shared: dict[str, AlbSettings] = defaultdict(dict)
    for ingress in ingresses:
        group = ingress.metadata.annotations.get(ALB_GROUP)
        if group:
            for key, setting in alb_settings(ingress).items():
                shared[group].setdefault(key, setting)
    return shared


def waf(settings: AlbSettings) -> str | None:
    for key in WAF_ANNOTATIONS:
        value, proof = settings.get(key, ("", ""))
        if value.strip() and value.strip().lower() != "none":
            return proof
    value, proof = settings.get(SHIELD, ("", ""))
    return proof if value.strip().lower() == "true" else None
