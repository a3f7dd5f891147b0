"""The Amazon VPC CNI's network policy switch, as the input can show it.

Two places hold it: the EKS add-on ``vpc-cni`` (``eks describe-addon``), whose
``configurationValues`` (JSON or YAML text) enables it with ``enableNetworkPolicy: "true"``,
and the ``kube-system/amazon-vpc-cni`` ConfigMap, whose ``enable-network-policy-controller``
key switches on the policy controller of self-managed installs (whose node agent needs
``--enable-network-policy=true`` as well, an argument the input does not keep: the evidence
says so). A value the add-on sets wins over the
ConfigMap's: EKS rewrites the add-on's objects from its configuration. Booleans and the
strings ``"true"``/``"false"`` (any case) are read; anything else says the switch is unknown.

>>> from riskgraph.estate.inventory import Inventory
>>> from riskgraph.models import ConfigMap
>>> cni = ConfigMap.model_validate({"metadata": {"name": "amazon-vpc-cni", "namespace":
...     "kube-system"}, "data": {"enable-network-policy-controller": "true"}})
>>> state, evidence = policy_switch(Inventory.from_objects([cni]))
>>> state, evidence.split(";")[0]
(True, 'ConfigMap kube-system/amazon-vpc-cni: data.enable-network-policy-controller="true"')
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from riskgraph.estate.inventory import Inventory
from riskgraph.models.aws import EksAddon
from riskgraph.models.k8s import VPC_CNI_CONFIG, VPC_CNI_POLICY_KEY

#: A self-managed install enforces on the nodes only when the node agent is switched on too;
#: its container arguments are not kept (they may hold credentials), so the evidence says so.
_AGENT_CAVEAT = ("; nodes enforce when aws-node's aws-eks-nodeagent also runs with "
                 "--enable-network-policy=true, which the input does not show")
ADDON_NAME = "vpc-cni"
ADDON_KEY = "enableNetworkPolicy"


def policy_switch(inv: Inventory) -> tuple[bool | None, str]:
    """Whether the VPC CNI's network policy support is on (None: the input does not say),
    and what says so (empty when nothing in the input touches it)."""
    addon_state, addon_said = _from_addon(inv)
    if addon_state is not None:
        return addon_state, addon_said
    map_state, map_said = _from_config_map(inv)
    if map_state is not None:
        return map_state, map_said
    return None, "; ".join(s for s in (addon_said, map_said) if s)


def vpc_cni_addon(inv: Inventory) -> EksAddon | None:
    """The ``vpc-cni`` add-on of the cluster the Kubernetes input is (when the input holds
    add-ons of one cluster only, that one's)."""
    found = [a for a in inv.aws.addons if a.addon_name == ADDON_NAME]
    cluster = inv.aws.cluster_name
    if cluster is not None:
        found = [a for a in found if a.cluster_name in ("", cluster)]
    return found[0] if len({a.cluster_name for a in found}) == 1 else None


def _from_addon(inv: Inventory) -> tuple[bool | None, str]:
    addon = vpc_cni_addon(inv)
    if addon is None:
        return None, ""
    where = f"EKS add-on {ADDON_NAME}" + (f" of cluster {addon.cluster_name}"
                                          if addon.cluster_name else "")
    config, trouble = _configuration(addon.configuration_values or "")
    if config is None:
        return None, f"{where}: configurationValues {trouble}, so whether it enables " \
                     "network policy is unknown"
    if ADDON_KEY not in config:
        return None, f"{where} sets no configurationValues.{ADDON_KEY} (the add-on's " \
                     "default leaves network policy off)"
    value = config[ADDON_KEY]
    return _truth(value), f"{where}: configurationValues.{ADDON_KEY}={json.dumps(value)}" \
        + ("" if _truth(value) is not None else " (neither true nor false: unknown)")


def _from_config_map(inv: Inventory) -> tuple[bool | None, str]:
    namespace, name = VPC_CNI_CONFIG
    config_map = next((cm for cm in inv.config_maps
                       if (cm.metadata.namespace, cm.name) == VPC_CNI_CONFIG), None)
    if config_map is None or VPC_CNI_POLICY_KEY not in config_map.data:
        return None, ""
    value = config_map.data[VPC_CNI_POLICY_KEY]
    state = _truth(value)
    caveat = {None: " (neither true nor false: unknown)", False: "",
              True: _AGENT_CAVEAT}[state]
    return state, f"ConfigMap {namespace}/{name}: data.{VPC_CNI_POLICY_KEY}=" \
        f"{json.dumps(value)}{caveat}"


def _configuration(text: str) -> tuple[dict[str, Any] | None, str]:
    """The add-on's configuration as a mapping, or None and what is wrong with it."""
    try:
        value = json.loads(text) if text.strip() else {}
    except ValueError:
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as error:
            problem = str(error).splitlines()[0]
            return None, f"is neither JSON nor YAML ({problem})"
    if not isinstance(value, dict):
        return None, f"is {type(value).__name__}, not a mapping"
    return value, ""


def _truth(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None
