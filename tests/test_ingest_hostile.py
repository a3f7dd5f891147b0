"""Inputs that used to crash, hang or be read wrongly (issue 11, items 11-16).

Each case is built from its reproducer and says what is read, what is reported, and that the
rest of the input is still analysed.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest import load_k8s, parse_text, read_k8s
from riskgraph.cli import main
from riskgraph.models.kube_yaml import MAX_DEPTH, expands_too_far, too_deep

GOOD = ("apiVersion: v1\nkind: Pod\nmetadata: {name: good, namespace: shop}\n"
        "spec:\n  containers: [{name: app, image: app:1}]\n")


def pods(text: str) -> set[str]:
    return {f"{p.namespace}/{p.name}" for p in parse_text(text).objects if p.kind == "Pod"}


def messages(text: str) -> list[str]:
    return [p.message for p in parse_text(text).problems]


# 11. YAML 1.1 scalars that Kubernetes reads as text ---------------------------------------


@pytest.mark.parametrize(("scalar", "text"), [
    ("=", "="), ("<<", "<<"), ("2024-01-01", "2024-01-01"),
    ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00")])
def test_plain_scalars_kubectl_keeps_as_text_are_text(scalar: str, text: str) -> None:
    doc = (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: sep\n  namespace: shop\n"
           f"  labels: {{released: {scalar}}}\nspec:\n  containers:\n  - name: app\n"
           f"    image: app:1\n    args: [--separator, {scalar}]\n---\n{GOOD}")
    parsed = parse_text(doc)
    assert not parsed.problems
    sep = next(o for o in parsed.objects if o.name == "sep")
    assert sep.metadata.labels == {"released": text}
    assert {o.name for o in parsed.objects} == {"sep", "good"}


def test_merge_keys_still_merge_and_yaml_types_stay_typed() -> None:
    doc = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: m\n  namespace: shop\n"
           "  labels: {<<: {team: a}, app: b}\nspec:\n  hostPID: yes\n"
           "  containers: [{name: app, image: app:1}]\n")
    (pod,) = parse_text(doc).objects
    assert pod.metadata.labels == {"team": "a", "app": "b"}
    assert pod.spec.host_pid is True  # type: ignore[attr-defined]


# 12. Nesting deeper than Python recurses ---------------------------------------------------


@pytest.mark.parametrize(("name", "text"), [
    ("deep.json", "[" * 1000 + "]" * 1000),
    ("items.json", json.dumps({"kind": "List", "items": [{"kind": "Pod", "x": 0}]}).replace(
        "0", "[" * 1000 + "]" * 1000)),
    ("flow.yaml", "a: " + "[" * 990 + "]" * 990),
    ("block.yaml", "- " * 990 + "x"),
    ("huge.yaml", "- " * 100_000 + "x"),  # libyaml's composer would crash the interpreter
])
def test_nesting_too_deep_is_a_problem_naming_the_file_and_the_rest_is_read(
        tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    (tmp_path / "good.yaml").write_text(GOOD)
    inv = load_k8s([tmp_path])
    assert [(p.source, "nested more than 500 levels deep" in p.message)
            for p in inv.problems] == [(str(tmp_path / name), True)]
    assert [p.name for p in inv.pods] == ["good"]


def test_deep_but_real_nesting_is_read_and_the_depth_check_is_exact() -> None:
    nested = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert not too_deep(nested) and too_deep("a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert not too_deep(GOOD)
    status = "".join("  " * i + f"k{i}:\n" for i in range(1, 300)) + "  " * 300 + "x: 1\n"
    block = GOOD.replace("good", "deep") + "status:\n" + status
    assert not too_deep(block)  # measured: its indentation alone does not clear it
    assert pods(block + "---\n" + GOOD) == {"shop/deep", "shop/good"}
    alias_chain = "".join(f"a{i}: &a{i}\n- {'*a' + str(i - 1) if i else 'x'}\n"
                          for i in range(2000))
    assert pods(alias_chain + "---\n" + GOOD) == {"shop/good"}  # deep by aliases only


def test_documents_whose_aliases_explode_or_loop_are_reported_and_the_rest_is_read(
        tmp_path: Path) -> None:
    laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 6))
    # A million values from 400 characters; three levels more and reading it took minutes.
    bomb = laughs + GOOD.replace("good", "bomb") + "  tolerations: [{key: v, effect: *a5}]\n"
    loop = GOOD.replace("good", "loop") + "  affinity: &self {nodeAffinity: *self}\n"
    text = bomb + "---\n" + loop + "---\n" + GOOD
    (tmp_path / "bomb.yaml").write_text(text)
    inv = load_k8s([tmp_path])
    assert [(p.line, "aliases (*name) expand it" in p.message) for p in inv.problems] == [
        (1, True), (bomb.count("\n") + 1, True)]  # each document's first line
    assert [p.name for p in inv.pods] == ["good"]


def test_ordinary_anchors_and_ampersands_are_read() -> None:
    anchored = (GOOD.replace("good", "anchored") + "  tolerations: [&t {key: a, operator: "
                "Exists}, *t]\n  nodeSelector: {url: 'https://x?a=1&b=2', team: &team a}\n")
    assert not expands_too_far(anchored)
    assert pods(anchored + "---\n" + GOOD) == {"shop/anchored", "shop/good"}
    assert not messages(anchored + "---\n" + GOOD)


# 13. and 14. What a folder holds that is not a regular file ---------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_pipes_and_sockets_in_a_folder_are_reported_not_read(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    os.mkfifo(tmp_path / "hang.yaml")  # nothing ever writes to it: opening it would block
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "live.json"))
        inv = load_k8s([tmp_path])
    assert sorted(str(p) for p in inv.problems) == [
        f"{tmp_path / 'hang.yaml'}: a named pipe (FIFO), not a regular file; skipped",
        f"{tmp_path / 'live.json'}: a socket, not a regular file; skipped"]
    assert [p.name for p in inv.pods] == ["good"]


def test_a_device_named_on_the_command_line_is_reported_not_read(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    inv = load_k8s(["/dev/zero", tmp_path / "good.yaml"])  # /dev/zero never ends
    assert [str(p) for p in inv.problems] == [
        "/dev/zero: a character device, not a file or a pipe; skipped"]
    assert [p.name for p in inv.pods] == ["good"]


@pytest.fixture
def locked_tree() -> Iterator[Path]:
    """A folder anyone may enter, with one readable file and one subfolder no one may list."""
    top = Path(tempfile.mkdtemp())
    top.chmod(0o755)
    (top / "good.yaml").write_text(GOOD)
    (top / "good.yaml").chmod(0o644)
    (top / "locked").mkdir()
    (top / "locked" / "hidden.yaml").write_text(GOOD.replace("good", "hidden"))
    (top / "locked").chmod(0)
    yield top
    (top / "locked").chmod(stat.S_IRWXU)
    for path in sorted(top.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    top.rmdir()


def _problems_as_unprivileged(top: Path) -> list[str]:
    """The problems of reading ``top``, read by a user the folder's modes apply to: root
    reads any folder, so as root the read runs in a child that becomes ``nobody``."""
    if os.geteuid() != 0:
        return [str(p) for p in read_k8s([top]).problems]
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which never returns
        code = 1
        try:
            os.close(read_end)
            os.setgid(65534)
            os.setuid(65534)
            found = [str(p) for p in read_k8s([top]).problems]
            os.write(write_end, json.dumps(found).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as stream:
        data = stream.read()
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    found: list[str] = json.loads(data)
    return found


def test_a_folder_that_cannot_be_listed_is_reported(locked_tree: Path) -> None:
    assert _problems_as_unprivileged(locked_tree) == [
        f"{locked_tree / 'locked'}: cannot read directory (Permission denied); the files in "
        "it are skipped"]


# 15. Objects without a name ---------------------------------------------------------------


def test_objects_without_a_name_are_reported_and_skipped() -> None:
    doc = ("kind: Pod\nmetadata: {namespace: shop}\nspec: {containers: [{name: a, image: b}]}"
           "\n---\nkind: Pod\nmetadata: {generateName: job-}\n"
           "spec: {containers: [{name: a, image: b}]}\n---\n"
           "kind: ServiceAccount\nmetadata: {name: '', namespace: shop}\n---\n" + GOOD)
    parsed = parse_text(doc)
    assert [(p.line, p.obj) for p in parsed.problems] == [
        (2, "Pod shop/<no name>"), (6, "Pod <no name>"), (10, "ServiceAccount shop/<no name>")]
    assert "no metadata.name, which kubectl and the API server refuse" in \
        parsed.problems[0].message
    assert "only generateName 'job-'" in parsed.problems[1].message
    assert [o.name for o in parsed.objects] == ["good"]
    graph_ids = {o.name for o in parsed.inventory().pods}
    assert graph_ids == {"good"}


def test_no_paths_are_drawn_from_a_nameless_pod(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "nameless.yaml").write_text(
        "kind: Pod\nmetadata: {namespace: default}\n"
        "spec: {hostPID: true, containers: [{name: a, image: b}]}\n")
    (tmp_path / "good.yaml").write_text(GOOD)
    code = main(["graph", "--k8s", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0 and "no metadata.name" in err
    assert not [n for n in json.loads(out)["nodes"] if n["id"].endswith("/")]


# 16. Lists whose items are not a list ------------------------------------------------------


@pytest.mark.parametrize("items", ["nope", {"kind": "Pod"}, 3])
def test_a_list_whose_items_is_not_a_list_is_reported(items: object) -> None:
    ok = {"kind": "Pod", "metadata": {"name": "ok"}}
    for text, line in ((json.dumps({"kind": "PodList", "apiVersion": "v1", "items": items}), 1),
                       (json.dumps({"items": items, "kind": "List"}), 1),
                       (f"kind: PodList\nitems: {json.dumps(items)}\n---\n", 2)):
        parsed = parse_text(text + json.dumps(ok))
        (problem,) = parsed.problems
        assert problem.message.endswith(f"whose 'items' is {type(items).__name__}, not a "
                                        "list; nothing read from it")
        assert problem.message.startswith(("PodList", "List")) and problem.line == line
        assert [o.name for o in parsed.objects] == ["ok"]


def test_empty_and_null_lists_are_read_silently() -> None:
    for text in ('{"kind": "PodList", "items": null}', '{"kind": "PodList", "items": []}',
                 "kind: List\nitems:\n"):
        parsed = parse_text(text)
        assert not parsed.problems and not parsed.objects and not parsed.unknown_kinds
