"""Side ports from the objects that point at them: ServiceMonitors, PodMonitors and
admission webhook configurations, read from manifests (issue 11 item 1)."""

from __future__ import annotations

import json
from typing import Any

from ingest import inventory_from_text, parse_text
from riskgraph.builder import build_graph
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques.net._exploit import SIDE_PORT_COST, assumption

# The controller's port is named "http" and no Service in front of it is named for
# metrics: only an object pointing at it can say it serves metrics.
ESTATE = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: ctl, namespace: ops}
spec:
  template:
    metadata: {labels: {app: ctl}}
    spec:
      serviceAccountName: ctl
      containers:
      - {name: manager, image: ctl, ports: [{name: http, containerPort: 8080},
                                            {containerPort: 9443}]}
---
kind: Service
metadata: {name: ctl, namespace: ops, labels: {app: ctl}}
spec: {selector: {app: ctl}, ports: [{name: web, port: 80, targetPort: http},
                                     {name: hooks, port: 443, targetPort: 9443}]}
---
kind: Pod
metadata: {name: api, namespace: ops, labels: {app: api}}
spec: {containers: [{name: api, image: api, ports: [{containerPort: 8080},
                                                    {name: grpc, containerPort: 9090}]}]}
---
kind: Service
metadata: {name: api, namespace: ops, labels: {app: api}}
spec: {selector: {app: api}, ports: [{name: web, port: 80, targetPort: 8080}]}
---
kind: Pod
metadata: {name: shell, namespace: shop}
spec: {containers: [{name: sh, image: busybox}]}
"""
MANAGER, API = "k8s:Container:ops/ctl/manager", "k8s:Container:ops/api/api"
ONTO_MANAGER = ("hub:net-reach:cluster", MANAGER, "net.reach")


def service_monitor(selector: str, endpoint: str, namespace: str = "ops",
                    namespaces: str = "") -> str:
    return f"""---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {{name: scrape, namespace: {namespace}}}
spec:
  selector: {selector}
  endpoints: [{endpoint}]
{namespaces}"""


def pod_monitor(selector: str, endpoint: str, namespace: str = "ops") -> str:
    return f"""---
apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata: {{name: pods, namespace: {namespace}}}
spec:
  selector: {selector}
  podMetricsEndpoints: [{endpoint}]
"""


def webhook(kind: str, service: str) -> str:
    return f"""---
apiVersion: admissionregistration.k8s.io/v1
kind: {kind}
metadata: {{name: ctl-hooks}}
webhooks:
- name: check.ctl.example.com
  clientConfig: {{service: {service}, caBundle: Cg==}}
  sideEffects: None
  admissionReviewVersions: [v1]
"""


def sides(inv: Inventory) -> dict[tuple[str, int], str | None]:
    """Why each declared port of the estate's pods is a side port (None: an app port)."""
    assumed = assumption(inv)
    return {(f"{pod.namespace}/{pod.name}/{container.name}", port.container_port):
            assumed.side_port(pod, container, port)
            for pod in inv.pods for container in pod.spec.containers for port in container.ports}


def side_ports(text: str) -> set[tuple[str, int]]:
    return {key for key, why in sides(inventory_from_text(text)).items() if why is not None}


def test_a_service_monitor_on_the_service_fronting_a_port_makes_it_a_side_port() -> None:
    monitored = ESTATE + service_monitor("{matchLabels: {app: ctl}}", "{port: web}")
    assert side_ports(ESTATE) == set()
    assert side_ports(monitored) == {("ops/ctl/manager", 8080)}
    why = sides(inventory_from_text(monitored))[("ops/ctl/manager", 8080)]
    assert why == ("ServiceMonitor ops/scrape scrapes it through service ops/ctl port web, "
                   "and the container declares another port for its application")


# An application serving /metrics on its one port (podinfo, Spring Boot's actuator), and one
# whose only other port is a health port.
ONE_PORT = """---
kind: Pod
metadata: {name: shop, namespace: ops, labels: {app: shop}}
spec:
  containers:
  - {name: web, image: web, ports: [{name: http, containerPort: 8080}]}
  - {name: cart, image: cart, ports: [{name: http, containerPort: 8090},
                                      {name: healthz, containerPort: 8091}]}
---
kind: Service
metadata: {name: shop, namespace: ops, labels: {app: shop}}
spec: {selector: {app: shop}, ports: [{name: web, port: 80, targetPort: 8080},
                                      {name: cart, port: 81, targetPort: 8090}]}
"""


def test_a_scraped_port_with_no_other_application_port_stays_an_application_port() -> None:
    monitors = ESTATE + ONE_PORT + service_monitor(
        "{matchLabels: {app: shop}}", "{port: web}, {port: cart}")
    assert side_ports(monitors) == {("ops/shop/cart", 8091)}  # by its name alone
    both = monitors + pod_monitor("{matchLabels: {app: ctl}}", "{port: http}, {portNumber: 9443}")
    assert ("ops/ctl/manager", 8080) not in side_ports(both)  # every port is scraped


def test_a_service_monitor_selecting_another_service_marks_nothing_of_this_one() -> None:
    other = ESTATE + service_monitor("{matchLabels: {app: api}}", "{port: web}")
    assert side_ports(other) == {("ops/api/api", 8080)}  # api's, not ctl's
    expressions = ESTATE + service_monitor(
        "{matchExpressions: [{key: app, operator: NotIn, values: [ctl]}]}", "{port: web}")
    assert side_ports(expressions) == {("ops/api/api", 8080)}
    assert side_ports(ESTATE + service_monitor("{matchLabels: {app: ctl}}",
                                               "{port: no-such-port}")) == set()


def test_a_service_monitor_endpoint_by_target_port_number_or_name() -> None:
    by_number = service_monitor("{matchLabels: {app: ctl}}", "{targetPort: 9443}")
    by_name = service_monitor("{matchLabels: {app: ctl}}", "{targetPort: http}")
    assert side_ports(ESTATE + by_number) == {("ops/ctl/manager", 9443)}
    assert side_ports(ESTATE + by_name) == {("ops/ctl/manager", 8080)}


def test_a_service_monitor_looks_in_its_own_namespace_unless_told_otherwise() -> None:
    selector, endpoint = "{matchLabels: {app: ctl}}", "{port: web}"
    assert side_ports(ESTATE + service_monitor(selector, endpoint, "monitoring")) == set()
    named = "  namespaceSelector: {matchNames: [ops]}\n"
    anywhere = "  namespaceSelector: {any: true}\n"
    elsewhere = "  namespaceSelector: {matchNames: [shop]}\n"
    for namespaces, expected in ((named, {("ops/ctl/manager", 8080)}),
                                 (anywhere, {("ops/ctl/manager", 8080)}), (elsewhere, set())):
        text = ESTATE + service_monitor(selector, endpoint, "monitoring", namespaces)
        assert side_ports(text) == expected, namespaces


def test_a_pod_monitor_marks_the_pods_port_by_name_or_number() -> None:
    assert side_ports(ESTATE + pod_monitor("{matchLabels: {app: ctl}}", "{port: http}")) == {
        ("ops/ctl/manager", 8080)}
    assert side_ports(ESTATE + pod_monitor("{matchLabels: {app: api}}",
                                           "{portNumber: 8080}")) == {("ops/api/api", 8080)}
    assert side_ports(ESTATE + pod_monitor("{matchLabels: {app: ctl}}",
                                           "{targetPort: 9443}")) == {("ops/ctl/manager", 9443)}


def test_a_pod_monitor_on_other_pods_or_in_another_namespace_marks_nothing() -> None:
    assert side_ports(ESTATE + pod_monitor("{matchLabels: {app: web}}", "{port: http}")) == set()
    assert side_ports(ESTATE + pod_monitor("{matchLabels: {app: ctl}}", "{port: http}",
                                           "monitoring")) == set()
    assert side_ports(ESTATE + pod_monitor("{matchLabels: {app: ctl}}", "{port: metrics}")) \
        == set()


def test_webhook_configurations_mark_the_port_their_service_sends_to() -> None:
    validating = webhook("ValidatingWebhookConfiguration",
                         "{namespace: ops, name: ctl, port: 443, path: /validate}")
    assert side_ports(ESTATE + validating) == {("ops/ctl/manager", 9443)}
    why = sides(inventory_from_text(ESTATE + validating))[("ops/ctl/manager", 9443)]
    assert why is not None and why.startswith("ValidatingWebhookConfiguration ctl-hooks calls")
    # Port 443 when left out.
    mutating = webhook("MutatingWebhookConfiguration", "{namespace: ops, name: ctl}")
    assert side_ports(ESTATE + mutating) == {("ops/ctl/manager", 9443)}


def test_webhooks_on_another_service_port_or_by_url_mark_nothing() -> None:
    for service in ("{namespace: ops, name: api, port: 443}",
                    "{namespace: ops, name: ctl, port: 8443}",
                    "{namespace: shop, name: ctl, port: 443}"):
        assert side_ports(ESTATE + webhook("ValidatingWebhookConfiguration", service)) == set()
    by_url = webhook("ValidatingWebhookConfiguration", "null").replace(
        "{service: null,", "{url: 'https://hooks.example.com/check',")
    inv = inventory_from_text(ESTATE + by_url)
    assert len(inv.webhook_configurations) == 1 and side_ports(ESTATE + by_url) == set()


def test_a_monitored_port_is_a_costly_possible_step_and_all_counts_it_again() -> None:
    plain = build_graph(inventory_from_text(ESTATE))
    assert plain.edges[ONTO_MANAGER]["confidence"] == "likely"
    # Both ports pointed at: the only ports reached are side ports.
    text = ESTATE + service_monitor("{matchLabels: {app: ctl}}", "{port: web}") + webhook(
        "ValidatingWebhookConfiguration", "{namespace: ops, name: ctl}")
    step = build_graph(inventory_from_text(text)).edges[ONTO_MANAGER]
    assert step["confidence"] == "possible" and step["cost"] == SIDE_PORT_COST
    assert "ServiceMonitor ops/scrape" in step["reason"] and "ctl-hooks" in step["reason"]
    routed = build_graph(inventory_from_text(text)).edges[
        ("k8s:Service:ops/ctl", MANAGER, "net.routes-to")]
    assert routed["confidence"] == "possible"
    every = inventory_from_text(text)
    every.assume_exploitable = "all"
    assert build_graph(every).edges[ONTO_MANAGER]["confidence"] == "likely"


def test_webhook_configurations_are_cluster_scoped_and_bad_monitors_are_problems() -> None:
    bad = service_monitor("{matchExpressions: [{key: app, operator: Near}]}", "{port: web}")
    parsed = parse_text(ESTATE + webhook("MutatingWebhookConfiguration",
                                         "{namespace: ops, name: ctl}") + bad, "estate.yaml")
    inv = parsed.inventory()
    (config,) = inv.webhook_configurations
    assert config.namespace is None and config.kind == "MutatingWebhookConfiguration"
    problems = [p for p in inv.problems if "ServiceMonitor" in (p.obj or "")]
    assert len(problems) == 1 and problems[0].source == "estate.yaml"
    assert "ServiceMonitor ops/scrape" in (problems[0].obj or "")
    assert inv.service_monitors == [] and len(inv.services) == 2


def test_monitor_fields_the_api_writes_as_null_are_read_as_absent() -> None:
    nulls: dict[str, Any] = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
                             "metadata": {"name": "p", "namespace": "ops"},
                             "spec": {"podMetricsEndpoints": None,
                                      "namespaceSelector": {"matchNames": None}}}
    inv = inventory_from_text(json.dumps(nulls))
    (monitor,) = inv.pod_monitors
    assert monitor.spec.pod_metrics_endpoints == [] and not inv.problems
