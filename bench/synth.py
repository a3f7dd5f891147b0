"""A synthetic EKS estate, shaped as ``kubectl get all,sa,secrets,configmaps,roles,rolebindings,
clusterroles,clusterrolebindings,networkpolicies,ingresses,namespaces,nodes -A -o json`` prints it.

``python -m bench.synth --pods 150000 -o estate.json [--indent] [--seed 7]``

The mix: ~1 namespace per 300 pods and 1 node per 30 (10 managed node groups); three
DaemonSets with one pod per node (counted in the pod total); Deployments with their current
and an old ReplicaSet; some StatefulSets, CronJobs with their Jobs, and standalone Jobs;
Services (some NodePort/LoadBalancer), Ingresses, service accounts (some IRSA), Secrets with
fake values (some also in ``last-applied-configuration``), ConfigMaps, per-namespace RBAC,
cluster RBAC including grants to ``system:authenticated`` and ``system:serviceaccounts``,
NetworkPolicies, PSA-labelled namespaces, and ~1% risky pods (besides kube-proxy, privileged
as on EKS). The same seed writes the same bytes. Live pods repeat their controller's
template, so each is encoded once and its replicas are stamped out by string substitution:
that keeps 150k pods fast even indented.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii
from typing import Any, TextIO

PODS_PER_NAMESPACE = 300
PODS_PER_NODE = 30
NODE_GROUPS = 10
RISKS = ("privileged", "host-pid", "docker-sock", "sys-admin")
WORDS = ("api", "web", "cart", "checkout", "billing", "search", "auth", "orders", "ledger",
         "media", "notify", "report", "pricing", "catalog", "profile", "gateway")
TEAMS = ("payments", "shop", "data", "platform", "identity", "growth", "ml", "support")
REGISTRY = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
TS = "2024-05-01T10:00:00Z"
# Stand-ins for what differs between the replicas of one template (never in real values).
NAME, UID, NODE, HOST_IP, POD_IP, CID = "@@n@@", "@@u@@", "@@h@@", "@@hip@@", "@@pip@@", "@@c@@"


ITEM_PAD = " " * 8
_CONSTANTS = {True: "true", False: "false", None: "null"}


def indented(value: Any, pad: str) -> str:
    """``json.dumps(value, indent=4)`` nested at ``pad``, for the types a manifest holds.

    The standard library encodes indented JSON in pure Python; this is ~3x faster.
    """
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if kind is int:
        return str(value)
    if kind is not dict and kind is not list:
        return _CONSTANTS[value]
    if not value:
        return "{}" if kind is dict else "[]"
    inner = pad + "    "
    sep = ",\n" + inner
    if kind is dict:
        body = sep.join([f"{encode_basestring_ascii(k)}: {indented(v, inner)}"
                         for k, v in value.items()])
        return f"{{\n{inner}{body}\n{pad}}}"
    return f"[\n{inner}{sep.join([indented(v, inner) for v in value])}\n{pad}]"


@dataclass
class App:
    kind: str  # Deployment, StatefulSet, CronJob, Job or DaemonSet
    name: str
    namespace: str
    replicas: int
    containers: int
    service_account: str
    risk: str | None = None
    service: str | None = None  # Service type, None when it has none
    ingress: bool = False
    template_hash: str = ""  # of a Deployment's current ReplicaSet, which owns the live pods


class Estate:
    """The plan of one synthetic estate, and the JSON text of each of its objects."""

    def __init__(self, pods: int, seed: int, indent: bool) -> None:
        self.rng = random.Random(seed)
        self.indent = indent
        rng = self.rng
        n_nodes = max(3, pods // PODS_PER_NODE)
        self.groups = [f"ng-{('general', 'compute', 'memory', 'gpu', 'spot')[i % 5]}-{i}"
                       for i in range(min(NODE_GROUPS, n_nodes))]
        self.nodes = [(f"ip-10-{1 + i // 65536}-{i // 256 % 256}-{i % 256}.ec2.internal",
                       f"10.{1 + i // 65536}.{i // 256 % 256}.{i % 256}", self.groups[i % len(
                           self.groups)]) for i in range(n_nodes)]
        self.namespaces = [f"{TEAMS[i % len(TEAMS)]}-{i}"
                           for i in range(max(1, pods // PODS_PER_NAMESPACE))]
        n_ds = min(3, pods // (2 * n_nodes))
        self.apps = [App("DaemonSet", ds, "kube-system", n_nodes, 1, ds, risk)
                     for ds, risk in (("kube-proxy", "privileged"), ("aws-node", None),
                                      ("fluent-bit", None))[:n_ds]]
        budget = pods - n_ds * n_nodes
        while budget > 0:
            draw = rng.random()
            kind, replicas = (("StatefulSet", rng.randint(1, 3)) if draw < 0.05 else
                              ("CronJob", rng.randint(1, 2)) if draw < 0.065 else
                              ("Job", 1) if draw < 0.07 else
                              ("Deployment", rng.choice((1, 2, 2, 3, 3, 3, 4, 5, 6, 8, 12))))
            replicas = min(replicas, budget)
            budget -= replicas
            name = f"{rng.choice(WORDS)}-{len(self.apps)}"
            service = (None if kind in ("CronJob", "Job") else "ClusterIP" if draw < 0.9
                       else "NodePort" if draw < 0.95 else "LoadBalancer")
            self.apps.append(App(
                kind, name, rng.choice(self.namespaces), replicas, rng.choice((1, 1, 2, 2, 3)),
                name if rng.random() < 0.6 else "default",
                rng.choice(RISKS) if rng.random() < 0.01 else None, service,
                kind == "Deployment" and service == "ClusterIP" and rng.random() < 0.1,
                f"{rng.getrandbits(40):010x}"[:9]))

    # Encoding ----------------------------------------------------------------------------

    def enc(self, obj: dict[str, Any]) -> str:
        if not self.indent:
            return json.dumps(obj, separators=(",", ":"))
        return ITEM_PAD + indented(obj, ITEM_PAD)

    def hex(self, bits: int) -> str:
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def uid(self) -> str:
        h = self.hex(128)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def suffix(self, length: int) -> str:
        return "".join(self.rng.choices("bcdfghjklmnpqrstvwxz2456789", k=length))

    def fake(self) -> str:
        return base64.b64encode(f"synthetic-{self.hex(64)}".encode()).decode()

    def meta(self, name: str, ns: str | None = None, **extra: Any) -> dict[str, Any]:
        meta = {"creationTimestamp": TS, "name": name, "resourceVersion": str(
            self.rng.randint(1000, 99999999)), "uid": self.uid(), **extra}
        return meta if ns is None else {**meta, "namespace": ns}

    # Pods and their templates ---------------------------------------------------------------

    def container(self, app: App, index: int) -> dict[str, Any]:
        name, port = (("app", 8080), ("envoy", 9901), ("metrics-exporter", 9100))[index]
        image = (f"{REGISTRY}/{app.name}:v1.{index}" if index == 0 else
                 "envoyproxy/envoy:v1.29.1" if index == 1 else "prom/node-exporter:v1.7.0")
        c: dict[str, Any] = {
            "name": name, "image": image, "imagePullPolicy": "IfNotPresent",
            "ports": [{"containerPort": port, "name": "http" if index == 0 else name[:15],
                       "protocol": "TCP"}],
            "resources": {"limits": {"cpu": "1", "memory": "512Mi"},
                          "requests": {"cpu": "100m", "memory": "128Mi"}},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File"}
        if index == 0 and app.kind != "DaemonSet":
            c["env"] = [{"name": "LOG_LEVEL", "value": "info"},
                        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {
                            "name": f"{app.name}-credentials", "key": "password"}}}]
            c["volumeMounts"] = [{"name": "credentials", "mountPath": "/etc/credentials",
                                  "readOnly": True}]
        if index == 0 and app.risk == "privileged":
            c["securityContext"] = {"privileged": True}
        elif index == 0 and app.risk == "sys-admin":
            c["securityContext"] = {"capabilities": {"add": ["SYS_ADMIN"]}}
        elif index == 0 and app.risk == "docker-sock":
            c["volumeMounts"] = [{"name": "docker-sock", "mountPath": "/var/run/docker.sock"}]
        return c

    def pod_spec(self, app: App) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "containers": [self.container(app, i) for i in range(app.containers)],
            "dnsPolicy": "ClusterFirst", "restartPolicy": "Always" if app.kind not in (
                "Job", "CronJob") else "OnFailure", "schedulerName": "default-scheduler",
            "securityContext": {}, "serviceAccountName": app.service_account,
            "terminationGracePeriodSeconds": 30}
        if app.kind != "DaemonSet":
            spec["volumes"] = [{"name": "credentials", "secret": {
                "secretName": f"{app.name}-credentials", "defaultMode": 420}}]
        else:
            spec["hostNetwork"] = True
            spec["tolerations"] = [{"operator": "Exists"}]
        if app.risk == "host-pid":
            spec["hostPID"] = True
        elif app.risk == "docker-sock":
            spec["volumes"] = [{"name": "docker-sock", "hostPath": {
                "path": "/var/run/docker.sock", "type": "Socket"}}]
        return spec

    def template(self, app: App, labels: dict[str, str]) -> dict[str, Any]:
        return {"metadata": {"creationTimestamp": None, "labels": labels},
                "spec": self.pod_spec(app)}

    def live_pod(self, app: App, owner: tuple[str, str], labels: dict[str, str]) -> str:
        """One pod's JSON with the per-replica fields left as stand-ins."""
        api = "batch/v1" if owner[0] == "Job" else "apps/v1"
        spec = self.pod_spec(app)
        token = f"kube-api-access-{self.suffix(5)}"
        spec["volumes"] = [*spec.get("volumes", []), {"name": token, "projected": {
            "defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt",
                               "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"fieldRef": {
                    "apiVersion": "v1", "fieldPath": "metadata.namespace"},
                    "path": "namespace"}]}}]}}]
        for c in spec["containers"]:
            c["volumeMounts"] = [*c.get("volumeMounts", []), {
                "name": token, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                "readOnly": True}]
        spec.update(nodeName=NODE, serviceAccount=app.service_account, priority=0,
                    enableServiceLinks=True, preemptionPolicy="PreemptLowerPriority")
        done = app.kind in ("Job", "CronJob")
        state = ({"terminated": {"exitCode": 0, "reason": "Completed", "finishedAt": TS}}
                 if done else {"running": {"startedAt": TS}})
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {
            "creationTimestamp": TS, "generateName": f"{owner[1]}-", "labels": labels,
            "name": NAME, "namespace": app.namespace, "ownerReferences": [{
                "apiVersion": api, "blockOwnerDeletion": True, "controller": True,
                "kind": owner[0], "name": owner[1], "uid": self.uid()}],
            "resourceVersion": str(self.rng.randint(1000, 99999999)), "uid": UID},
            "spec": spec, "status": {
                "conditions": [{"lastProbeTime": None, "lastTransitionTime": TS,
                                "status": "True", "type": t} for t in (
                    "Initialized", "Ready", "ContainersReady", "PodScheduled")],
                "containerStatuses": [{
                    "containerID": f"containerd://{CID}{i}", "image": c["image"],
                    "imageID": f"{c['image']}@sha256:{self.hex(256)}", "lastState": {},
                    "name": c["name"], "ready": not done, "restartCount": 0,
                    "started": not done, "state": state}
                    for i, c in enumerate(spec["containers"])],
                "hostIP": HOST_IP, "hostIPs": [{"ip": HOST_IP}],
                "phase": "Succeeded" if done else "Running", "podIP": POD_IP,
                "podIPs": [{"ip": POD_IP}], "qosClass": "Burstable", "startTime": TS}}
        return self.enc(pod)

    def stamp(self, text: str, name: str, node: tuple[str, str, str]) -> str:
        ip = f"10.{self.rng.randint(64, 127)}.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}"
        return (text.replace(NAME, name).replace(UID, self.uid()).replace(NODE, node[0])
                .replace(HOST_IP, node[1]).replace(POD_IP, ip).replace(CID, self.hex(60)))

    def generated_name(self, prefix: str, taken: set[str]) -> str:
        """``<prefix>-xxxxx`` as the API server generates pod names, not yet in ``taken``."""
        while (name := f"{prefix}-{self.suffix(5)}") in taken:
            pass
        taken.add(name)
        return name

    def pods(self) -> Iterator[str]:
        for app in self.apps:
            labels = {"app": app.name}
            taken: set[str] = set()
            if app.kind == "DaemonSet":
                text = self.live_pod(app, ("DaemonSet", app.name), labels)
                for node in self.nodes:
                    yield self.stamp(text, self.generated_name(app.name, taken), node)
            elif app.kind == "Deployment":
                rs = f"{app.name}-{app.template_hash}"
                text = self.live_pod(app, ("ReplicaSet", rs), {
                    **labels, "pod-template-hash": app.template_hash})
                for _ in range(app.replicas):
                    yield self.stamp(text, self.generated_name(rs, taken),
                                     self.rng.choice(self.nodes))
            elif app.kind == "StatefulSet":
                text = self.live_pod(app, ("StatefulSet", app.name), labels)
                for i in range(app.replicas):
                    yield self.stamp(text, f"{app.name}-{i}", self.rng.choice(self.nodes))
            else:
                for i in range(app.replicas):
                    job = f"{app.name}-{28_000_000 + i}" if app.kind == "CronJob" else app.name
                    text = self.live_pod(app, ("Job", job), {**labels, "job-name": job})
                    yield self.stamp(text, self.generated_name(job, taken),
                                     self.rng.choice(self.nodes))

    # Controllers --------------------------------------------------------------------------

    def controllers(self) -> Iterator[str]:
        by_kind: dict[str, list[str]] = {k: [] for k in (
            "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet", "Job", "CronJob")}
        for app in self.apps:
            labels = {"app": app.name}
            selector = {"matchLabels": labels}
            meta = self.meta(app.name, app.namespace, labels=labels, generation=1)
            template = self.template(app, labels)
            if app.kind in ("Deployment", "DaemonSet", "StatefulSet"):
                spec = {"selector": selector, "template": template, "revisionHistoryLimit": 10}
                if app.kind != "DaemonSet":
                    spec["replicas"] = app.replicas
                by_kind[app.kind].append(self.enc({
                    "apiVersion": "apps/v1", "kind": app.kind, "metadata": meta, "spec": spec,
                    "status": {"observedGeneration": 1, "replicas": app.replicas}}))
            if app.kind == "Deployment":
                revisions = [(app.replicas, app.template_hash)]
                if self.rng.random() < 0.5:
                    revisions.append((0, self.hex(36)[:9]))
                for replicas, rs_hash in revisions:
                    by_kind["ReplicaSet"].append(self.enc({
                        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": self.meta(
                            f"{app.name}-{rs_hash}", app.namespace, labels={
                                **labels, "pod-template-hash": rs_hash},
                            ownerReferences=[{"apiVersion": "apps/v1", "kind": "Deployment",
                                              "name": app.name, "uid": meta["uid"],
                                              "controller": True}]),
                        "spec": {"replicas": replicas, "selector": selector, "template":
                                 self.template(app, {**labels, "pod-template-hash": rs_hash})},
                        "status": {"replicas": replicas}}))
            elif app.kind in ("Job", "CronJob"):
                job_spec = {"backoffLimit": 6, "template": template}
                if app.kind == "CronJob":
                    by_kind["CronJob"].append(self.enc({
                        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta, "spec": {
                            "schedule": "*/30 * * * *", "jobTemplate": {"spec": job_spec}}}))
                for i in range(app.replicas):
                    owner = ([{"apiVersion": "batch/v1", "kind": "CronJob", "name": app.name,
                               "uid": meta["uid"], "controller": True}]
                             if app.kind == "CronJob" else [])
                    name = f"{app.name}-{28_000_000 + i}" if owner else app.name
                    by_kind["Job"].append(self.enc({
                        "apiVersion": "batch/v1", "kind": "Job", "metadata": self.meta(
                            name, app.namespace, labels=labels, ownerReferences=owner),
                        "spec": job_spec, "status": {"succeeded": 1}}))
        for texts in by_kind.values():
            yield from texts

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
            if self.rng.random() < 0.3:
                meta["annotations"] = {"eks.amazonaws.com/role-arn":
                                       f"arn:aws:iam::111122223333:role/{app.name}"}
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
        for name, ip, group in self.nodes:
            zone = f"us-east-1{'abc'[len(ip) % 3]}"
            taints = ([{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}]
                      if "-gpu-" in group else [])
            yield self.enc({"apiVersion": "v1", "kind": "Node", "metadata": self.meta(name, labels={
                "eks.amazonaws.com/nodegroup": group, "eks.amazonaws.com/capacityType":
                "SPOT" if "-spot-" in group else "ON_DEMAND", "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux", "node.kubernetes.io/instance-type": "m6i.2xlarge",
                "topology.kubernetes.io/zone": zone}), "spec": {
                    "providerID": f"aws:///{zone}/i-0{self.hex(64)[:16]}", "taints": taints},
                "status": {"addresses": [{"type": "InternalIP", "address": ip}],
                           "allocatable": {"cpu": "7910m", "memory": "31003Mi", "pods": "58"},
                           "nodeInfo": {"containerRuntimeVersion": "containerd://1.7.11",
                                        "kernelVersion": "5.10.210-201.852.amzn2.x86_64",
                                        "kubeletVersion": "v1.29.0-eks-5e0fdde"}}})

    def objects(self) -> Iterator[str]:
        """Every object's JSON, in the order ``kubectl get all,...`` prints kinds."""
        for part in (self.pods, self.services, self.controllers, self.service_accounts,
                     self.secrets, self.config_maps, self.rbac, self.network_policies,
                     self.ingresses, self.namespace_objects, self.node_objects):
            yield from part()


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
    args = parser.parse_args(argv)
    with open(args.output, "w", encoding="utf-8", newline="\n") as out:
        write(Estate(args.pods, args.seed, args.indent), out)


if __name__ == "__main__":
    main()
