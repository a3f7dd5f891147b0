"""Builders of a synthetic estate's other objects: services, identities, RBAC, nodes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from bench._plan import App, EstatePlan, aws_auth_data, role_arn


class ClusterObjects(EstatePlan):
    """Everything but the workloads: networking, identities, secrets, RBAC, namespaces, nodes."""

    def services(self) -> Iterator[str]:
        yield self.enc({"apiVersion": "v1", "kind": "Service", "metadata": self.meta(
            "kubernetes", "default"), "spec": {"type": "ClusterIP", "ports": [
                {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443}]}})
        for app in self.apps:
            if app.service is None:
                continue
            port: dict[str, Any] = {"name": "http", "port": 80, "protocol": "TCP",
                                    "targetPort": 8080}
            if app.service != "ClusterIP":
                port["nodePort"] = self.rng.randint(30000, 32767)
            status = ({"loadBalancer": {"ingress": [{
                "hostname": f"a{self.hex(64)}.us-east-1.elb.amazonaws.com"}]}}
                if app.service == "LoadBalancer" else {"loadBalancer": {}})
            yield self.enc({"apiVersion": "v1", "kind": "Service", "metadata": self.meta(
                app.name, app.namespace, labels={"app": app.name}), "spec": {
                    "clusterIP": "None" if app.kind == "StatefulSet" else
                    f"172.20.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}",
                    "ports": [port], "selector": {"app": app.name}, "sessionAffinity": "None",
                    "type": app.service}, "status": status})

    def ingresses(self) -> Iterator[str]:
        for app in self.apps:
            if app.ingress:
                yield self.enc({
                    "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": self.meta(
                        app.name, app.namespace, annotations={
                            "alb.ingress.kubernetes.io/scheme": "internet-facing"}),
                    "spec": {"ingressClassName": "alb", "tls": [{
                        "hosts": [f"{app.name}.example.com"], "secretName": f"{app.name}-tls"}],
                        "rules": [{"host": f"{app.name}.example.com", "http": {"paths": [{
                            "path": "/", "pathType": "Prefix", "backend": {"service": {
                                "name": app.name, "port": {"number": 80}}}}]}}]}})

    # Identities, secrets and config ----------------------------------------------------------

    def service_accounts(self) -> Iterator[str]:
        for ns in ["default", "kube-system", *self.namespaces]:
            yield self.enc({"apiVersion": "v1", "kind": "ServiceAccount",
                            "metadata": self.meta("default", ns)})
        for app in self.apps:
            if app.service_account == "default":
                continue
            meta = self.meta(app.name, app.namespace)
            if app.irsa:
                meta["annotations"] = {"eks.amazonaws.com/role-arn": role_arn(app.name)}
            sa: dict[str, Any] = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}
            if self.rng.random() < 0.1:
                sa["automountServiceAccountToken"] = False
            yield self.enc(sa)

    def secrets(self) -> Iterator[str]:
        for ns in self.namespaces:
            yield self.enc({"apiVersion": "v1", "kind": "Secret", "type":
                            "kubernetes.io/dockerconfigjson", "metadata": self.meta("regcred", ns),
                            "data": {".dockerconfigjson": self.fake()}})
        for app in self.apps:
            data = {"username": self.fake(), "password": self.fake()}
            meta = self.meta(f"{app.name}-credentials", app.namespace)
            secret = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "data": data}
            if self.rng.random() < 0.2:
                meta["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration":
                                       json.dumps({**secret, "metadata": {"name": meta["name"]}})}
            yield self.enc({**secret, "metadata": meta})
            if app.ingress:
                yield self.enc({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                                "metadata": self.meta(f"{app.name}-tls", app.namespace),
                                "data": {"tls.crt": self.fake(), "tls.key": self.fake()}})

    def config_maps(self) -> Iterator[str]:
        for ns in ["default", "kube-system", *self.namespaces]:
            yield self.enc({"apiVersion": "v1", "kind": "ConfigMap", "metadata": self.meta(
                "kube-root-ca.crt", ns), "data": {"ca.crt": "-----BEGIN CERTIFICATE-----"}})
        for app in self.apps:
            if self.rng.random() < 0.5:
                yield self.enc({"apiVersion": "v1", "kind": "ConfigMap", "metadata": self.meta(
                    f"{app.name}-config", app.namespace), "data": {"LOG_FORMAT": "json"}})
        yield self.enc({"apiVersion": "v1", "kind": "ConfigMap", "metadata": self.meta(
            "aws-auth", "kube-system"), "data": aws_auth_data(self.groups)})

    # RBAC -------------------------------------------------------------------------------

    def rbac(self) -> Iterator[str]:
        def rule(groups: list[str], resources: list[str], verbs: list[str]) -> dict[str, Any]:
            return {"apiGroups": groups, "resources": resources, "verbs": verbs}

        def role(kind: str, name: str, ns: str | None, *rules: dict[str, Any]) -> str:
            return self.enc({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind,
                             "metadata": self.meta(name, ns), "rules": list(rules)})

        def binding(kind: str, name: str, ns: str | None, role: tuple[str, str],
                    *subjects: tuple[str, str, str | None]) -> str:
            return self.enc({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind,
                "metadata": self.meta(name, ns), "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io", "kind": role[0], "name": role[1]},
                "subjects": [{"kind": k, "name": n, **({"namespace": s} if s else {
                    "apiGroup": "rbac.authorization.k8s.io"})} for k, n, s in subjects]})

        read = ["get", "list", "watch"]
        apps_by_ns: dict[str, list[App]] = {}
        for app in self.apps:
            apps_by_ns.setdefault(app.namespace, []).append(app)
        roles, bindings = [], []
        for ns in self.namespaces:
            team = ns.rsplit("-", 1)[0]
            exec_rule = [rule([""], ["pods/exec"], ["create"])] if self.rng.random() < 0.5 else []
            roles.append(role("Role", "developer", ns, rule([""], ["pods", "pods/log"], read),
                              *exec_rule))
            roles.append(role("Role", "deployer", ns, rule(["apps"], ["deployments"], [
                *read, "update", "patch"]), rule([""], ["services", "configmaps"], ["*"])))
            bindings.append(binding("RoleBinding", "developers", ns, ("Role", "developer"),
                                    ("Group", f"{team}-developers", None)))
            bindings.append(binding("RoleBinding", "ci-deployer", ns, ("Role", "deployer"),
                                    ("ServiceAccount", "default", ns)))
            if self.rng.random() < 0.3 and apps_by_ns.get(ns):
                reader = self.rng.choice(apps_by_ns[ns]).service_account
                roles.append(role("Role", "secret-reader", ns, rule([""], ["secrets"], [
                    "get", "list"])))
                bindings.append(binding("RoleBinding", "secret-reader", ns, (
                    "Role", "secret-reader"), ("ServiceAccount", reader, ns)))
        yield from roles
        yield from bindings
        everything = rule(["*"], ["*"], ["*"])
        yield role("ClusterRole", "cluster-admin", None, everything)
        yield role("ClusterRole", "view", None, rule(["", "apps", "batch"], [
            "pods", "services", "configmaps", "deployments", "jobs"], read))
        yield role("ClusterRole", "system:discovery", None)
        yield role("ClusterRole", "prometheus", None, rule([""], [
            "nodes", "nodes/metrics", "services", "endpoints", "pods"], read))
        yield role("ClusterRole", "legacy-secrets-reader", None, rule([""], ["secrets"], read))
        yield role("ClusterRole", "aws-node", None, rule([""], ["pods", "namespaces"], read))
        crb = "ClusterRoleBinding"
        yield binding(crb, "cluster-admin", None, ("ClusterRole", "cluster-admin"),
                      ("Group", "system:masters", None))
        yield binding(crb, "system:discovery", None, ("ClusterRole", "system:discovery"),
                      ("Group", "system:authenticated", None))
        yield binding(crb, "everyone-can-view", None, ("ClusterRole", "view"),
                      ("Group", "system:authenticated", None))
        yield binding(crb, "legacy-secrets-reader", None, ("ClusterRole", "legacy-secrets-reader"),
                      ("Group", "system:serviceaccounts", None))
        yield binding(crb, "prometheus", None, ("ClusterRole", "prometheus"),
                      ("ServiceAccount", "prometheus", "kube-system"))
        yield binding(crb, "aws-node", None, ("ClusterRole", "aws-node"),
                      ("ServiceAccount", "aws-node", "kube-system"))

    # Cluster-level objects ----------------------------------------------------------------

    def network_policies(self) -> Iterator[str]:
        for ns in self.namespaces[::2]:
            yield self.enc({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                            "metadata": self.meta("default-deny-ingress", ns), "spec": {
                                "podSelector": {}, "policyTypes": ["Ingress"]}})

    def namespace_objects(self) -> Iterator[str]:
        for i, ns in enumerate(["default", "kube-system", *self.namespaces]):
            labels = {"kubernetes.io/metadata.name": ns}
            if ns == "kube-system":
                labels["pod-security.kubernetes.io/enforce"] = "privileged"
            elif i % 3 == 0:
                labels["pod-security.kubernetes.io/enforce"] = ("baseline", "restricted")[i % 2]
            yield self.enc({"apiVersion": "v1", "kind": "Namespace", "metadata": self.meta(
                ns, labels=labels), "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"}})

    def node_objects(self) -> Iterator[str]:
        for name, ip, group, zone, instance_id in self.nodes:
            taints = ([{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}]
                      if "-gpu-" in group else [])
            yield self.enc({"apiVersion": "v1", "kind": "Node", "metadata": self.meta(name, labels={
                "eks.amazonaws.com/nodegroup": group, "eks.amazonaws.com/capacityType":
                "SPOT" if "-spot-" in group else "ON_DEMAND", "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux", "node.kubernetes.io/instance-type": "m6i.2xlarge",
                "topology.kubernetes.io/zone": zone}), "spec": {
                    "providerID": f"aws:///{zone}/{instance_id}", "taints": taints},
                "status": {"addresses": [{"type": "InternalIP", "address": ip}],
                           "allocatable": {"cpu": "7910m", "memory": "31003Mi", "pods": "58"},
                           "nodeInfo": {"containerRuntimeVersion": "containerd://1.7.11",
                                        "kernelVersion": "5.10.210-201.852.amzn2.x86_64",
                                        "kubeletVersion": "v1.29.0-eks-5e0fdde"}}})
