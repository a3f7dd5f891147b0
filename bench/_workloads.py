"""Builders of the workloads of a synthetic estate: live pods, pod templates, controllers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bench._plan import (
    CID,
    HOST_IP,
    NAME,
    NODE,
    POD_IP,
    REGISTRY,
    TS,
    UID,
    App,
    EstatePlan,
    NodePlan,
)


class Workloads(EstatePlan):
    """Pods as ``kubectl get pods`` shows them, and the controllers that own them."""

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

    def stamp(self, text: str, name: str, node: NodePlan) -> str:
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
