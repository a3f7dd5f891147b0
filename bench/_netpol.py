"""NetworkPolicies of a synthetic estate as teams write them, and the Calico that enforces them.

Each namespace follows one of three habits, drawn per namespace: ``ingress`` (deny all
ingress, admit the edge namespace on the named port ``http``, then app-to-app rules and a
metrics scrape on a port range), ``zero-trust`` (deny ingress and egress but DNS, same
namespace both ways, per-app internet egress that excludes the instance metadata service)
and ``egress-guard`` (every pod may leave except to 169.254.169.254, ingress locked down as
in ``ingress``). Policies are dealt one per namespace per round, so any count spreads evenly;
past its habit's opening rules a namespace keeps adding app-to-app rules (some across
namespaces, some as egress) between apps it holds, selected by the ``app`` label every pod
of an app carries. Everything draws from a generator of its own, so the rest of the estate
holds the same objects whether or not these policies are in it (only the uids and
resourceVersions of objects written after the policies differ).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bench._plan import TS, App, EstatePlan

NAME_LABEL = "kubernetes.io/metadata.name"
IMDS = "169.254.169.254/32"
HABITS = (("ingress", 0.5), ("zero-trust", 0.3), ("egress-guard", 0.2))
#: Port clauses of app-to-app rules: numbered, named, ranges (the envoy sidecar's and the
#: app's own), as teams write them.
APP_PORTS: tuple[list[dict[str, Any]], ...] = (
    [{"protocol": "TCP", "port": 8080}], [{"protocol": "TCP", "port": "http"}],
    [{"protocol": "TCP", "port": 8000, "endPort": 8099}],
    [{"protocol": "TCP", "port": "http"}, {"protocol": "TCP", "port": 9901}])
Policy = dict[str, Any]


def _app(name: str) -> dict[str, Any]:
    return {"matchLabels": {"app": name}}


def _namespace(name: str) -> dict[str, Any]:
    return {"matchLabels": {NAME_LABEL: name}}


class PolicyObjects(EstatePlan):
    """``--policies N`` NetworkPolicies over the namespaces, and a Calico DaemonSet."""

    def policy_spec(self, selector: dict[str, Any], types: list[str],
                    ingress: list[Any] | None = None, egress: list[Any] | None = None) -> Policy:
        spec: Policy = {"podSelector": selector, "policyTypes": types}
        if ingress is not None:
            spec["ingress"] = ingress
        if egress is not None:
            spec["egress"] = egress
        return spec

    def opening_rules(self, habit: str, ns: str, apps: list[App],
                      edge_ns: str) -> list[tuple[str, Policy]]:
        """The rules a namespace of this habit starts with, in the order they are written."""
        spec = self.policy_spec
        fronts = sorted(a.name for a in apps if a.service is not None)
        fronts = sorted(self.policy_rng.sample(fronts, min(6, len(fronts))))
        front = ({"matchExpressions": [{"key": "app", "operator": "In", "values": fronts}]}
                 if fronts else {})
        deny_ingress = ("default-deny-ingress", spec({}, ["Ingress"]))
        from_edge = ("allow-from-edge", spec(front, ["Ingress"], ingress=[{
            "from": [{"namespaceSelector": _namespace(edge_ns)}],
            "ports": [{"protocol": "TCP", "port": "http"}]}]))
        metrics = ("allow-metrics-scrape", spec({}, ["Ingress"], ingress=[{
            "from": [{"namespaceSelector": _namespace("kube-system"),
                      "podSelector": {"matchLabels": {"app": "prometheus"}}}],
            "ports": [{"protocol": "TCP", "port": 9090, "endPort": 9110}]}]))
        no_imds = [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": [IMDS]}}]}]
        if habit == "zero-trust":
            internet = self.policy_rng.choice(apps).name if apps else None
            return [deny_ingress, ("default-deny-egress", spec({}, ["Egress"], egress=[{
                "to": [{"namespaceSelector": _namespace("kube-system"),
                        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}])),
                ("allow-same-namespace", spec({}, ["Ingress"], ingress=[{
                    "from": [{"podSelector": {}}]}])),
                *([(f"allow-{internet}-internet-egress", spec(
                    _app(internet), ["Egress"], egress=no_imds))] if internet else []),
                ("allow-same-namespace-egress", spec({}, ["Egress"], egress=[{
                    "to": [{"podSelector": {}}]}])), from_edge, metrics]
        opening = [deny_ingress, from_edge, metrics]
        if habit == "egress-guard":
            opening.insert(0, ("deny-instance-metadata", spec({}, ["Egress"], egress=no_imds)))
        return opening

    def app_rule(self, ns: str, apps: list[App], peers: dict[str, list[App]]) -> tuple[str, Policy]:
        """One app admitting another (or, as egress, one app allowed to another)."""
        rng = self.policy_rng
        target, source = rng.choice(apps), rng.choice(apps)
        source_ns = ns
        if rng.random() < 0.3:
            source_ns = rng.choice(list(peers))
            source = rng.choice(peers[source_ns])
        peer: dict[str, Any] = {"podSelector": _app(source.name)}
        if source_ns != ns:
            peer["namespaceSelector"] = _namespace(source_ns)
        ports = rng.choice(APP_PORTS)
        if rng.random() < 0.2 and source_ns == ns:
            return f"allow-{source.name}-egress-to-{target.name}", self.policy_spec(
                _app(source.name), ["Egress"], egress=[{
                    "to": [{"podSelector": _app(target.name)}], "ports": ports}])
        return f"allow-{source.name}-to-{target.name}", self.policy_spec(
            _app(target.name), ["Ingress"], ingress=[{"from": [peer], "ports": ports}])

    def namespace_rules(self, ns: str, apps: list[App], peers: dict[str, list[App]],
                        edge_ns: str) -> Iterator[tuple[str, Policy]]:
        """A namespace's policies, endless while it has apps to write rules between."""
        habit = self.policy_rng.choices([h for h, _ in HABITS], [w for _, w in HABITS])[0]
        yield from self.opening_rules(habit, ns, apps, edge_ns)
        while apps:
            yield self.app_rule(ns, apps, peers)

    def realistic_policies(self, count: int) -> Iterator[str]:
        """``count`` policies, dealt one per namespace per round."""
        apps_by_ns: dict[str, list[App]] = {ns: [] for ns in self.namespaces}
        for app in self.apps:
            if app.namespace in apps_by_ns:
                apps_by_ns[app.namespace].append(app)
        peers = {ns: apps for ns, apps in apps_by_ns.items() if apps}
        edge_ns = next((ns for ns in self.namespaces if ns.startswith("platform")),
                       self.namespaces[0])
        streams: list[tuple[str, Iterator[tuple[str, Policy]]]] = [
            (ns, self.namespace_rules(ns, apps_by_ns[ns], peers, edge_ns))
            for ns in self.namespaces]
        taken: set[tuple[str, str]] = set()
        while count > 0 and streams:
            live = []
            for ns, stream in streams:
                rule = next(stream, None)
                if rule is None or count <= 0:
                    continue
                live.append((ns, stream))
                name = rule[0]
                while (ns, name) in taken:
                    name = f"{rule[0]}-{len(taken)}"
                taken.add((ns, name))
                count -= 1
                yield self.policy_enc("networking.k8s.io/v1", "NetworkPolicy", name, ns,
                                      spec=rule[1])
            streams = live

    def calico(self) -> Iterator[str]:
        """Calico's namespace, service account and DaemonSet (its pods are left out, so the
        pod count stays ``--pods``; the template is what enforcement detection reads)."""
        ns, name = "calico-system", "calico-node"
        labels = {"k8s-app": name}
        yield self.policy_enc("v1", "Namespace", ns, None, labels={NAME_LABEL: ns})
        yield self.policy_enc("v1", "ServiceAccount", name, ns)
        yield self.policy_enc("apps/v1", "DaemonSet", name, ns, labels=labels, spec={
            "selector": {"matchLabels": labels}, "template": {
                "metadata": {"creationTimestamp": None, "labels": labels}, "spec": {
                    "containers": [{"name": name, "image": "docker.io/calico/node:v3.27.0",
                                    "securityContext": {"privileged": True}}],
                    "hostNetwork": True, "serviceAccountName": name,
                    "tolerations": [{"operator": "Exists"}]}}},
            status={"desiredNumberScheduled": len(self.nodes)})

    def policy_enc(self, api: str, kind: str, name: str, ns: str | None,
                   labels: dict[str, str] | None = None, **body: Any) -> str:
        """An object whose metadata draws from the policies' own generator."""
        rng = self.policy_rng
        h = f"{rng.getrandbits(128):032x}"
        meta: dict[str, Any] = {
            "creationTimestamp": TS, "name": name,
            "resourceVersion": str(rng.randint(1000, 99999999)),
            "uid": f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"}
        if ns is not None:
            meta["namespace"] = ns
        if labels:
            meta["labels"] = labels
        return self.enc({"apiVersion": api, "kind": kind, "metadata": meta, **body})

