"""Live clusters: the real ``kubernetes`` client against a local fake API server.

The server (``http.server`` on 127.0.0.1, an ephemeral port) answers the list paths the
client calls from the API-shaped files under ``tests/fixtures/live``: pages after the first
only for the continue token the previous page gave, a Status object for what it forbids or
lacks, 401 for a wrong token. Nothing of ours is mocked; no network leaves the machine.
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import networkx as nx
import pytest

from ingest import KubeTarget, PageRead, load_k8s, parse_text, read_cluster
from ingest.k8s_live import RESOURCES
from riskgraph.builder import build_graph
from riskgraph.cli import main
from riskgraph.errors import InputError
from riskgraph.models import MODEL_BY_KIND

FIXTURES = Path(__file__).parent / "fixtures" / "live"
TOKEN = "fixture-token"
PAGE_2 = "pods-page-2"
# In the fixtures; never in a snapshot or any output (base64 as served, and in plain text).
SECRET_VALUES = (
    "bGl2ZS1maXh0dXJlLWRiLXBhc3N3b3Jk", "live-fixture-db-password",
    "bGl2ZS1maXh0dXJlLXRscy1wcml2YXRlLWtleQ==", "bGl2ZS1maXh0dXJlLXRscy1jZXJ0",
    "cm-live-fixture-api-key", "Y20tbGl2ZS1maXh0dXJlLWJsb2I=",
)
FORBIDDEN = "forbidden: cannot list secrets (RBAC) — analysis continues without them"


class FakeApiServer(ThreadingHTTPServer):
    """Serves fixture list pages; records each request as (path, query)."""

    def __init__(self, forbidden: frozenset[str] = frozenset(),
                 missing: frozenset[str] = frozenset(),
                 expired: frozenset[str] = frozenset(),
                 faults: dict[str, list[str]] | None = None,
                 extra: dict[str, list[dict[str, Any]]] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.forbidden, self.missing, self.expired = forbidden, missing, expired
        self.extra = extra or {}  # per path, items added to the fixtures' first page
        #: Per path, how the next requests fail, one fault each: "500", "429", "400", "drop"
        #: (the connection closes half way through the body), "cut" (a whole answer of half
        #: a body), "empty", "deep" (nested past Python's limit), "items" (not a list),
        #: "html" (a web page), "" (none).
        self.faults = faults or {}
        self.requests: list[tuple[str, dict[str, list[str]]]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeApiServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read ``server.requests`` instead."""

    def _send(self, code: int, body: dict[str, Any], fault: str = "") -> None:
        data = json.dumps(body).encode()
        sent = data[:len(data) // 2] if fault in ("drop", "cut") else data
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data if fault == "drop" else sent)))
        self.end_headers()
        self.wfile.write(sent)
        self.close_connection = self.close_connection or fault == "drop"

    def _status(self, code: int, reason: str, message: str, **extra: Any) -> None:
        self._send(code, {"kind": "Status", "apiVersion": "v1", "metadata": extra,
                          "status": "Failure", "message": message, "reason": reason,
                          "code": code})

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        self.server.requests.append((url.path, query))
        token = query.get("continue", [""])[0]
        resource = url.path.rsplit("/", 1)[-1]
        pending = self.server.faults.get(url.path)
        fault = pending.pop(0) if pending else ""
        if fault in ("deep", "items", "empty"):  # a body Python cannot decode, or not a list
            data = b"" if fault == "empty" else (b'{"kind": "PodList", "items": ' + (
                b"[" * 5000 + b"]" * 5000 if fault == "deep" else b'{"a": 1}') + b"}")
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif fault == "html":  # a web server, not the Kubernetes API
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "22")
            self.end_headers()
            self.wfile.write(b"<html>Welcome!</html>\n")
        elif fault in ("500", "429", "400"):
            self._status(int(fault), {"500": "InternalError", "429": "TooManyRequests",
                                      "400": "BadRequest"}[fault], "etcdserver: timed out")
        elif self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._status(401, "Unauthorized", "Unauthorized")
        elif url.path in self.server.forbidden:
            self._status(403, "Forbidden", f'{resource} is forbidden: User "auditor" cannot '
                         f'list resource "{resource}" in API group "" at the cluster scope')
        elif url.path in self.server.missing:
            self._status(404, "NotFound", "the server could not find the requested resource")
        elif token in self.server.expired:
            self._status(410, "Expired", "The provided continue parameter is too old",
                         **{"continue": f"fresh:{token}"})
        else:
            page = FIXTURES / (url.path.lstrip("/") + (f"@{token.removeprefix('fresh:')}"
                                                        if token else "") + ".json")
            if page.exists():
                body = json.loads(page.read_text())
            elif token:
                return self._status(400, "BadRequest", "continue key is not valid")
            else:
                body = {"kind": "List", "apiVersion": "v1",
                        "metadata": {"resourceVersion": "91001"}, "items": []}
            if not token:
                body["items"] += self.server.extra.get(url.path, [])
            self._send(200, body, fault)


@contextmanager
def serve(**options: Any) -> Iterator[FakeApiServer]:
    server = FakeApiServer(**options)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def api() -> Iterator[FakeApiServer]:
    with serve() as server:
        yield server


@pytest.fixture
def rbac_limited_api() -> Iterator[FakeApiServer]:
    with serve(forbidden=frozenset({"/api/v1/secrets"}),
               missing=frozenset({"/apis/networking.k8s.io/v1/networkpolicies"})) as server:
        yield server


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def kubeconfig(tmp_path: Path, server: str, token: str = TOKEN) -> str:
    """A kubeconfig whose contexts ``fake`` (current) and ``down`` (nothing listening)."""
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "fake",
        "clusters": [{"name": "fake", "cluster": {"server": server,
                                                  "insecure-skip-tls-verify": True}},
                     {"name": "down", "cluster": {
                         "server": f"http://127.0.0.1:{closed_port()}"}}],
        "users": [{"name": "auditor", "user": {"token": token}}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "auditor"}},
                     {"name": "down", "context": {"cluster": "down", "user": "auditor"}}]}))
    return str(path)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def snapshot(tmp_path: Path, api: FakeApiServer, capsys: pytest.CaptureFixture[str],
             *extra: str) -> tuple[Path, str]:
    target = tmp_path / "snap.json"
    code, _, err = run(["snapshot", "k8s", "--kubeconfig", kubeconfig(tmp_path, api.url),
                        "-o", str(target), *extra], capsys)
    assert code == 0, err
    return target, err


def graph_json(graph: nx.MultiDiGraph) -> Any:
    return json.loads(json.dumps(nx.node_link_data(graph, edges="edges"), sort_keys=True))


# Reading ----------------------------------------------------------------------------------


def test_every_kind_the_parser_knows_is_listed_across_all_namespaces(
        api: FakeApiServer, tmp_path: Path) -> None:
    assert {r.kind for r in RESOURCES} == set(MODEL_BY_KIND)
    read_cluster(KubeTarget(kubeconfig=kubeconfig(tmp_path, api.url)))
    assert {path for path, _ in api.requests} == {r.path for r in RESOURCES}
    assert "/api/v1/pods" in {r.path for r in RESOURCES}  # the all-namespaces path
    assert all(query["limit"] == ["500"] for _, query in api.requests)


def test_pagination_reads_the_page_the_continue_token_names(
        api: FakeApiServer, tmp_path: Path) -> None:
    pages: list[PageRead] = []
    parsed = read_cluster(KubeTarget("fake", kubeconfig(tmp_path, api.url)), pages.append)
    pods = {(p.namespace, p.name) for p in parsed.objects if p.kind == "Pod"}
    assert pods == {("web", "storefront-7d9c5b-x2kq8"), ("payments", "payments-api")}
    assert [q.get("continue") for path, q in api.requests if path == "/api/v1/pods"] == [
        None, [PAGE_2]]
    assert [p for p in pages if p.resource == "pods"] == [
        PageRead("pods", 1, 1, False), PageRead("pods", 2, 2, True)]
    assert PageRead("secrets", 1, 2, True) in pages
    assert not parsed.problems


def test_forbidden_and_missing_resource_types_are_problems_and_the_rest_is_read(
        rbac_limited_api: FakeApiServer, tmp_path: Path) -> None:
    pages: list[PageRead] = []
    parsed = read_cluster(KubeTarget(kubeconfig=kubeconfig(tmp_path, rbac_limited_api.url)),
                          pages.append)
    assert sum(page.done for page in pages) == len(RESOURCES)  # refused kinds end too
    messages = [p.message for p in parsed.problems]
    assert FORBIDDEN in messages
    assert any(m.startswith("not served") and "networkpolicies" in m for m in messages)
    assert all("context fake" in p.source for p in parsed.problems)
    kinds = {o.kind for o in parsed.objects}
    assert "Secret" not in kinds and "NetworkPolicy" not in kinds
    assert {"Pod", "Deployment", "Service", "Ingress", "RoleBinding"} <= kinds


_MONITORS = ("/apis/monitoring.coreos.com/v1/servicemonitors",
             "/apis/monitoring.coreos.com/v1/podmonitors")
_HOOKS = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations"


def test_monitors_and_webhook_configurations_are_read_where_served(tmp_path: Path) -> None:
    monitor = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
               "metadata": {"name": "web", "namespace": "web"},
               "spec": {"selector": {"matchLabels": {"app": "web"}},
                        "endpoints": [{"port": "metrics"}]}}
    hook = {"apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingWebhookConfiguration", "metadata": {"name": "policy"},
            "webhooks": [{"name": "check.example.com", "clientConfig": {
                "service": {"namespace": "web", "name": "policy", "port": 8443}}}]}
    with serve(extra={_MONITORS[0]: [monitor], _HOOKS: [hook]}) as server:
        inv = read_cluster(KubeTarget(kubeconfig=kubeconfig(tmp_path, server.url))).inventory()
    assert [m.spec.endpoints[0].port for m in inv.service_monitors] == ["metrics"]
    (config,) = inv.webhook_configurations
    assert config.webhooks[0].client_config.service is not None
    assert config.webhooks[0].client_config.service.port == 8443


def test_monitor_kinds_a_cluster_lacks_or_forbids_are_skipped_and_the_rest_is_read(
        tmp_path: Path) -> None:
    with serve(missing=frozenset(_MONITORS), forbidden=frozenset({_HOOKS})) as server:
        parsed = read_cluster(KubeTarget(kubeconfig=kubeconfig(tmp_path, server.url)))
        tries = [path for path, _ in server.requests if path in (*_MONITORS, _HOOKS)]
    assert sorted(tries) == sorted((*_MONITORS, _HOOKS))  # once each: no retries
    messages = sorted(p.message for p in parsed.problems)
    assert messages == [
        "forbidden: cannot list validatingwebhookconfigurations (RBAC) — analysis continues "
        "without them",
        "not served: this cluster has no monitoring.coreos.com/v1 podmonitors — analysis "
        "continues without them",
        "not served: this cluster has no monitoring.coreos.com/v1 servicemonitors — analysis "
        "continues without them"]
    assert {"Pod", "Service", "RoleBinding"} <= {o.kind for o in parsed.objects}


def test_an_expired_continue_token_goes_on_from_the_servers_fresh_one(
        tmp_path: Path) -> None:
    with serve(expired=frozenset({PAGE_2})) as server:
        parsed = read_cluster(KubeTarget(kubeconfig=kubeconfig(tmp_path, server.url)))
    assert "payments-api" in {o.name for o in parsed.objects if o.kind == "Pod"}
    assert [p.message for p in parsed.problems] == [
        "the list of pods took longer than the API server keeps one consistent view; later "
        "pages are from a newer state"]


def test_unreachable_server_is_an_input_error_naming_context_and_server(
        api: FakeApiServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = kubeconfig(tmp_path, api.url)
    down = json.loads(Path(config).read_text())["clusters"][1]["cluster"]["server"]
    with pytest.raises(InputError) as error:
        read_cluster(KubeTarget("down", config))
    assert f"context down ({down})" in str(error.value) and "network" in str(error.value)
    target = tmp_path / "snap.json"
    code, _, err = run(["snapshot", "k8s", "--kubeconfig", config, "--context", "down",
                        "-o", str(target)], capsys)
    assert code == 3 and down in err and not target.exists()


def test_refused_credentials_and_bad_configuration_are_input_errors(
        api: FakeApiServer, tmp_path: Path) -> None:
    stale = kubeconfig(tmp_path, api.url, token="stale")
    with pytest.raises(InputError, match=r"refused the credentials \(401.*--context fake get"):
        read_cluster(KubeTarget(kubeconfig=stale))
    with pytest.raises(InputError, match=r"cannot load kubeconfig .*context 'nope'"):
        read_cluster(KubeTarget("nope", kubeconfig(tmp_path, api.url)))
    with pytest.raises(InputError, match="cannot load the in-cluster service account"):
        read_cluster(KubeTarget(in_cluster=True))


# Snapshots --------------------------------------------------------------------------------


def test_snapshot_file_is_versioned_compact_and_one_item_a_line(
        api: FakeApiServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, err = snapshot(tmp_path, api, capsys)
    lines = path.read_text().splitlines()
    doc = json.loads(path.read_text())
    assert list(doc) == ["riskgraph_snapshot", "source", "taken_at", "context", "server",
                         "problems", "items"]
    assert (doc["riskgraph_snapshot"], doc["source"], doc["context"], doc["server"]) == (
        1, "k8s", "fake", api.url)
    assert datetime.fromisoformat(doc["taken_at"]).tzinfo is not None
    assert len(doc["items"]) == 19 and len(lines) == len(doc["items"]) + 3
    for item in doc["items"]:
        assert item["kind"] in MODEL_BY_KIND and item["apiVersion"]
        assert "managedFields" not in item["metadata"]
    assert "listed 2 pods (2 pages)" in err and "wrote 19 objects" in err
    bars = [line for line in err.splitlines() if " kinds: listed " in line]
    assert len(bars) == len(RESOURCES)
    assert bars[-1].startswith(f"riskgraph: [{'#' * 20}] {len(RESOURCES)}/{len(RESOURCES)} kinds")


def test_secret_values_never_reach_the_snapshot_or_any_output(
        api: FakeApiServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fixtures = "".join(p.read_text() for p in FIXTURES.rglob("*.json"))
    assert all(value in fixtures for value in SECRET_VALUES), "fixtures lost their values"
    path, err = snapshot(tmp_path, api, capsys)
    doc = json.loads(path.read_text())
    by_name = {(i["kind"], i["metadata"]["name"]): i for i in doc["items"]}
    assert by_name["Secret", "payments-db"]["metadata"]["annotations"] == {
        "owner": "team-payments"}
    assert by_name["Secret", "storefront-tls"]["type"] == "kubernetes.io/tls"
    assert set(by_name["ConfigMap", "settings"]) == {"kind", "apiVersion", "metadata"}
    assert "eks-general-nodes" in by_name["ConfigMap", "aws-auth"]["data"]["mapRoles"]
    config = kubeconfig(tmp_path, api.url)
    outputs = [path.read_text(), err]
    for args in (["paths", "--k8s", str(path), "--format", "json", "--to", "secret"],
                 ["paths", "--k8s", str(path), "--evidence"],
                 ["graph", "--k8s", str(path)],
                 ["paths", "--k8s-context", "fake", "--kubeconfig", config, "--evidence"],
                 ["snapshot", "k8s", "--kubeconfig", config, "-o", "-"]):
        code, out, err = run(args, capsys)
        assert code == 0, err
        outputs += [out, err]
    text = "".join(outputs)
    assert "k8s:Secret:payments/payments-db" in text
    for value in SECRET_VALUES:
        assert value not in text


def test_round_trip_gives_the_graph_of_the_same_objects_as_files(
        api: FakeApiServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = snapshot(tmp_path, api, capsys)
    from_files = build_graph(load_k8s([FIXTURES]))
    from_snapshot = build_graph(load_k8s([path]))
    live = read_cluster(KubeTarget(kubeconfig=kubeconfig(tmp_path, api.url))).inventory()
    assert from_files.number_of_edges() > 10
    assert nx.utils.graphs_equal(from_snapshot, from_files)
    assert graph_json(from_snapshot) == graph_json(from_files) == graph_json(build_graph(live))


def test_snapshot_analysed_with_recorded_problems(
        rbac_limited_api: FakeApiServer, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path, err = snapshot(tmp_path, rbac_limited_api, capsys)
    assert FORBIDDEN in err and "wrote 16 objects" in err
    inv = load_k8s([path])
    assert FORBIDDEN in [p.message for p in inv.problems] and not inv.secrets
    code, out, err = run(["paths", "--k8s", str(path), "--to", "cluster-admin",
                          "--format", "json"], capsys)
    assert code == 0 and FORBIDDEN in err
    assert "k8s:ClusterAdmin" in {p["target"] for p in json.loads(out)["paths"]}


def test_truncated_snapshot_keeps_complete_items_and_recorded_problems(
        rbac_limited_api: FakeApiServer, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = snapshot(tmp_path, rbac_limited_api, capsys)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:8]) + "\n{\"kind\": \"Po")
    inv = load_k8s([path])
    messages = [p.message for p in inv.problems]
    assert FORBIDDEN in messages and any("not valid JSON" in m for m in messages)
    assert sum(inv.counts.values()) == len(lines[2:8])  # after the header and "items":[


@pytest.mark.parametrize(("version", "message"), [
    (2, "snapshot version 2 is newer than this riskgraph understands (1); upgrade riskgraph"),
    ("one", "should be a format version such as 1, found \"one\""),
])
def test_unknown_snapshot_version_fails_clearly(
        version: object, message: str, api: FakeApiServer, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = snapshot(tmp_path, api, capsys)
    text = path.read_text().replace('"riskgraph_snapshot":1', f'"riskgraph_snapshot":'
                                    f'{json.dumps(version)}', 1)
    path.write_text(text)
    with pytest.raises(InputError, match=r"snap\.json: ") as error:
        load_k8s([path])
    assert message in str(error.value)
    moved_last = json.loads(text)
    moved_last["riskgraph_snapshot"] = moved_last.pop("riskgraph_snapshot")
    (tmp_path / "last.json").write_text(json.dumps(moved_last))
    with pytest.raises(InputError, match=r"last\.json: "):
        load_k8s([tmp_path / "last.json"])
    code, out, err = run(["paths", "--k8s", str(path)], capsys)
    assert code == 3 and message in err and out == ""


# The command line -------------------------------------------------------------------------


def test_live_cluster_and_files_are_analysed_as_one_estate(
        api: FakeApiServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "next-release.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: canary, namespace: payments}\n"
        "spec:\n  containers: [{name: app, image: app:2}]\n")
    config = kubeconfig(tmp_path, api.url)
    code, out, err = run(["graph", "--k8s-context", "--kubeconfig", config,
                          "--k8s", str(tmp_path / "next-release.yaml"), "--demo"], capsys)
    assert code == 0, err
    nodes = {n["id"]: n for n in json.loads(out)["nodes"]}
    assert {"k8s:Pod:payments/canary", "k8s:Pod:payments/payments-api",
            "k8s:Pod:web/storefront", "k8s:Pod:batch/nightly-report"} <= nodes.keys()
    # The live replica differs from the Deployment's template (it is privileged), so it
    # is a class of its own, named after its ReplicaSet, that says where it runs.
    assert "k8s:Pod:web/storefront-7d9c5b-x2kq8" not in nodes
    assert nodes["k8s:Pod:web/storefront-7d9c5b"]["replicas"] == {
        "storefront-7d9c5b-x2kq8": "ip-10-0-1-10.ec2.internal"}
    assert "listed 2 pods (2 pages)" in err and "context fake" in err


def test_snapshot_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for args in (["snapshot", "k8s"],
                 ["snapshot", "k8s", "--in-cluster", "--context", "x", "-o", "s.json"],
                 ["snapshot", "k8s", "-o", str(tmp_path / "no" / "such" / "s.json")]):
        with pytest.raises(SystemExit) as exit_info:
            main(args)
        assert exit_info.value.code == 2
    assert "no such directory" in capsys.readouterr().err


# Failures in passing ----------------------------------------------------------------------

NO_WAIT = (0.0, 0.0, 0.0)


def pod_names(parsed: Any) -> set[str]:
    return {o.name for o in parsed.objects if o.kind == "Pod"}


def pod_requests(server: FakeApiServer) -> int:
    return sum(path == "/api/v1/pods" for path, _ in server.requests)


def test_pages_that_fail_in_passing_are_tried_again_and_read_whole(tmp_path: Path) -> None:
    faults = {"/api/v1/pods": ["drop", "500", "cut", "", "429"], "/api/v1/secrets": ["drop"]}
    with serve(faults=faults) as server:
        parsed = read_cluster(KubeTarget(kubeconfig=kubeconfig(tmp_path, server.url)),
                              retry_delays=NO_WAIT)
    assert not parsed.problems
    assert pod_names(parsed) == {"storefront-7d9c5b-x2kq8", "payments-api"}
    assert pod_requests(server) == 6  # three failures, page 1, one failure, page 2
    assert len([o for o in parsed.objects if o.kind == "Secret"]) == 2


@pytest.mark.parametrize(("fault", "reason"), [
    ("500", "500 Internal Server Error: etcdserver: timed out"),
    ("429", "429 Too Many Requests: etcdserver: timed out"),
    ("drop", "the connection broke while the list was sent (Connection broken: "
             "IncompleteRead"),
    ("cut", "the answer was not whole JSON (Unterminated string"),
    ("empty", "the answer was empty"),
])
def test_a_kind_that_keeps_failing_is_a_problem_naming_it_and_the_rest_is_read(
        tmp_path: Path, fault: str, reason: str) -> None:
    with serve(faults={"/api/v1/pods": ["", fault, fault, fault, fault]}) as server:
        started = time.monotonic()
        parsed = read_cluster(KubeTarget(kubeconfig=kubeconfig(tmp_path, server.url)),
                              retry_delays=(0.05, 0.1, 0.2))
        waited = time.monotonic() - started
    (problem,) = parsed.problems
    assert problem.source == f"context fake ({server.url}) /api/v1/pods"
    assert problem.message.startswith(f"could not list pods: {reason}")
    assert problem.message.endswith("(4 tries) — analysis continues without the rest of them "
                                    "(the pages before were read)")
    assert pod_requests(server) == 5 and waited >= 0.35  # page 1, then page 2 four times
    assert pod_names(parsed) == {"storefront-7d9c5b-x2kq8"}  # the page that came is kept
    assert {"Secret", "Deployment", "RoleBinding"} <= {o.kind for o in parsed.objects}


def test_an_error_that_is_no_passing_failure_is_not_tried_again(tmp_path: Path) -> None:
    with serve(faults={"/api/v1/pods": ["400"]}) as server:
        parsed = read_cluster(KubeTarget(kubeconfig=kubeconfig(tmp_path, server.url)),
                              retry_delays=(60.0,))
    assert [p.message for p in parsed.problems] == [
        "could not list pods: 400 Bad Request: etcdserver: timed out — analysis continues "
        "without them"]
    assert pod_requests(server) == 1 and not pod_names(parsed)


@pytest.mark.parametrize(("fault", "reason"), [
    ("deep", "the answer is nested too deep to read"),
    ("items", "the answer's 'items' is dict, not a list"),
])
def test_an_answer_that_cannot_be_read_gives_up_the_kind_at_once(
        tmp_path: Path, fault: str, reason: str) -> None:
    with serve(faults={"/api/v1/pods": [fault]}) as server:
        parsed = read_cluster(KubeTarget(kubeconfig=kubeconfig(tmp_path, server.url)),
                              retry_delays=(60.0,))
    assert [p.message for p in parsed.problems] == [
        f"could not list pods: {reason} — analysis continues without them"]
    assert pod_requests(server) == 1 and "Secret" in {o.kind for o in parsed.objects}


def test_lone_surrogates_are_read_as_go_reads_them(tmp_path: Path) -> None:
    odd = {"metadata": {"name": "odd\ud800", "namespace": "web",
                        "labels": {"k\udfff": "v\udc00"}},
           "spec": {"containers": [{"name": "c", "image": "i"}]}}
    with serve(extra={"/api/v1/pods": [odd]}) as server:
        parsed = read_cluster(KubeTarget(kubeconfig=kubeconfig(tmp_path, server.url)))
    (pod,) = [o for o in parsed.objects if o.name.startswith("odd")]
    assert (pod.name, pod.metadata.labels) == ("odd\ufffd", {"k\ufffd": "v\ufffd"})
    text = json.dumps({"kind": "PodList", "items": [odd]}) + json.dumps(pod_like("fine"))
    assert "\\ud800" in text  # escaped, as JSON writers send it
    assert [o.name for o in parse_text(text).objects] == ["odd\ufffd", "fine"]


def pod_like(name: str) -> dict[str, Any]:
    return {"kind": "Pod", "metadata": {"name": name}, "spec": {"containers": []}}


def test_a_server_that_is_not_the_kubernetes_api_is_an_input_error_naming_the_list(
        tmp_path: Path) -> None:
    with serve(faults={"/api/v1/namespaces": ["html"]}) as server, \
            pytest.raises(InputError) as error:
        read_cluster(KubeTarget(kubeconfig=kubeconfig(tmp_path, server.url)),
                     retry_delays=NO_WAIT)
    assert str(error.value) == (
        f"the API server of context fake ({server.url}) did not answer the list of namespaces "
        "with JSON; is the server address in the kubeconfig right?")


def test_snapshot_survives_one_server_error_and_reports_a_kind_it_could_not_list(
        api: FakeApiServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    api.faults.update({"/api/v1/pods": ["500"], "/api/v1/secrets": ["cut"] * 4})
    config = kubeconfig(tmp_path, api.url)
    code, _, err = run(["snapshot", "k8s", "--kubeconfig", config, "-o",
                        str(tmp_path / "snap.json")], capsys)
    assert code == 0, err
    assert "could not list secrets: the answer was not whole JSON" in err
    doc = json.loads((tmp_path / "snap.json").read_text())
    assert {i["metadata"]["name"] for i in doc["items"] if i["kind"] == "Pod"} == {
        "storefront-7d9c5b-x2kq8", "payments-api"}
    assert [p["message"][:34] for p in doc["problems"]] == ["could not list secrets: the answe"
                                                            "r"]


# Canaries: nothing sensitive leaves through snapshots ---------------------------------------

CANARY_ENV = "canary-env-7f3a9c-never-stored"
CANARY_USER_DATA = "canary-userdata-41d8e2-never-stored"
CANARY_SCRIPT = f"#!/bin/bash\nexport DB_PASSWORD={CANARY_USER_DATA}\n/etc/eks/bootstrap.sh prod\n"
_WITH_ENV = [{"name": "DB_PASSWORD", "value": CANARY_ENV},
             {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "payments-db",
                                                                  "key": "password"}}}]


def _canary_spec() -> dict[str, Any]:
    return {"hostPID": True, "serviceAccountName": "default",
            "initContainers": [{"name": "init", "image": "init:1", "env": _WITH_ENV}],
            "containers": [{"name": "app", "image": "app:1", "env": _WITH_ENV}]}


CANARY_ITEMS = {
    "/api/v1/pods": [{"metadata": {"name": "canary", "namespace": "payments"},
                      "spec": _canary_spec()}],
    "/apis/apps/v1/deployments": [{
        "metadata": {"name": "canary-web", "namespace": "payments"},
        "spec": {"template": {"metadata": {"labels": {"app": "w"}}, "spec": _canary_spec()}}}],
    "/apis/batch/v1/cronjobs": [{
        "metadata": {"name": "canary-job", "namespace": "payments"},
        "spec": {"jobTemplate": {"spec": {"template": {"spec": _canary_spec()}}}}}],
}


@pytest.fixture
def aws_snapshot(tmp_path: Path) -> Iterator[Path]:
    """An AWS snapshot of a moto account whose node group's launch template carries a
    bootstrap script holding the canary."""
    import boto3
    from moto.server import ThreadedMotoServer

    from ingest import AwsAccountReader, AwsTarget
    from ingest.snapshot_writers import write_aws_snapshot

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                region_name="us-east-1")
        ec2, eks = (session.client(s, endpoint_url=url) for s in ("ec2", "eks"))
        template = ec2.create_launch_template(LaunchTemplateName="nodes", LaunchTemplateData={
            "UserData": base64.b64encode(CANARY_SCRIPT.encode()).decode(),
            "MetadataOptions": {"HttpTokens": "optional"}})["LaunchTemplate"]["LaunchTemplateId"]
        subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
        role = "arn:aws:iam::123456789012:role/eks-node"
        eks.create_cluster(name="prod", roleArn=role, resourcesVpcConfig={"subnetIds": [subnet]})
        eks.create_nodegroup(clusterName="prod", nodegroupName="general", subnets=[subnet],
                             nodeRole=role, launchTemplate={"id": template, "version": "1"})
        path = tmp_path / "account.json"
        write_aws_snapshot(AwsAccountReader(AwsTarget(endpoint_url=url), session), path)
        yield path
    finally:
        server.stop()


def test_canaries_reach_no_snapshot_output_or_message(
        tmp_path: Path, aws_snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A container's literal env value and a launch template's UserData, planted in the live
    sources and in the files, appear in neither snapshot, no export, no output format and no
    problem message; what the analysis needs of them stays."""
    aws_doc = json.loads(aws_snapshot.read_text())
    templates = [v["LaunchTemplateData"] for d in aws_doc["documents"]
                 for v in d["document"].get("LaunchTemplateVersions", ())]
    assert templates and all("UserData" not in t for t in templates)
    assert {t["UserDataBytes"] for t in templates} == {len(CANARY_SCRIPT)}  # it exists; size
    with serve(extra=CANARY_ITEMS) as server:
        k8s_snapshot, _ = snapshot(tmp_path, server, capsys)
    items = json.loads(k8s_snapshot.read_text())["items"]
    pod = next(i for i in items if i["metadata"]["name"] == "canary")
    assert pod["spec"]["containers"][0]["env"] == [{"name": "DB_PASSWORD"}, _WITH_ENV[1]]
    # The same objects as files, with a broken copy and a nameless one, so messages name them.
    broken = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "broken",
              "namespace": "payments"}, "spec": {**_canary_spec(), "hostPID": "sometimes"}}
    nameless = {"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "payments"},
                "spec": _canary_spec()}
    raw_pod = {"apiVersion": "v1", "kind": "Pod", **CANARY_ITEMS["/api/v1/pods"][0]}
    (tmp_path / "raw.json").write_text(json.dumps({"kind": "List", "items": [
        raw_pod, broken, nameless]}))
    raw_template = {"LaunchTemplateVersions": [{
        "LaunchTemplateId": "lt-0canary", "VersionNumber": "not-a-number",
        "LaunchTemplateData": {"UserData": CANARY_USER_DATA}}]}
    (tmp_path / "raw-aws.json").write_text(json.dumps(raw_template))
    inputs = [["--k8s", str(k8s_snapshot), "--aws", str(aws_snapshot)],
              ["--k8s", str(tmp_path / "raw.json"), "--aws", str(tmp_path / "raw-aws.json")]]
    outputs = [k8s_snapshot.read_text(), aws_snapshot.read_text()]
    for given in inputs:
        code, out, err = run(["graph", *given, "--format", "json"], capsys)
        assert code == 0, err
        outputs += [out, err]
        formats = ["table", "json", "dot"] + (["svg"] if shutil.which("dot") else [])
        for form in formats:
            target = tmp_path / f"paths.{form}"
            code, out, err = run(["paths", *given, "--from", "any-pod", "--to", "node",
                                  "--evidence", "--format", form, "-o", str(target)], capsys)
            assert code == 0, err
            outputs += [target.read_text(), out, err]
    text = "\n".join(outputs)
    assert "k8s:Pod:payments/canary" in text and "escape.host-pid" in text  # paths were drawn
    assert "malformed, skipped" in text and "no metadata.name" in text  # messages were made
    encoded = base64.b64encode(CANARY_SCRIPT.encode()).decode()  # UserData as AWS sends it
    assert "launch template lt-0canary" in text  # the bad raw template was reported
    assert CANARY_ENV not in text and CANARY_USER_DATA not in text and encoded not in text
