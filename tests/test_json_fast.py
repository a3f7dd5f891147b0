"""The fast path for big JSON files reads what the streaming reader reads, line for line,
and leaves to it every file it does not read whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ingest import parse_text, read_k8s
from ingest._json_fast import read_json_file
from ingest._objects import ParsedObjects


def pod(name: str, **extra: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "shop"},
            "spec": {"containers": [{"name": "main", "image": "busybox"}]}, **extra}


def kubectl(*items: Any, kind: str = "List", indent: int | None = 4) -> str:
    """``items`` before ``kind``, as kubectl prints them."""
    return json.dumps({"apiVersion": "v1", "items": list(items), "kind": kind,
                       "metadata": {"resourceVersion": ""}}, indent=indent)


BAD = {**pod("bad"), "spec": {"containers": [{"name": "x", "ports": [{"containerPort": "no"}]}]}}
UNNAMED = {"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "web-"}}

#: Inputs the fast path reads whole.
READ = {
    "kubectl list": kubectl(pod("a"), BAD, pod("b"), {"kind": "Widget", "metadata": {}}),
    "compact list with a nameless object": kubectl(pod("a"), UNNAMED, pod("b"), indent=None),
    "api list, kind after items": kubectl({"metadata": {"name": "a", "namespace": "x"}},
                                          BAD, pod("b"), kind="PodList"),
    "api list, kind first": json.dumps({"kind": "PodList", "items": [
        {"metadata": {"name": "a"}}, pod("b")]}),
    "array of documents": json.dumps([pod("a"), BAD, [pod("b")], 7, None], indent=2),
    "a byte-order mark": "\ufeff" + kubectl(pod("a"), pod("b"), indent=1),
    "a number past a float's range": kubectl(pod("a", priority=7), pod("b")).replace(
        '"priority": 7', '"priority": 1e400'),
    "blank lines and CRLF between items": kubectl(pod("a"), BAD).replace(
        "\n        },\n", "\r\n        }\r\n\r\n        ,\r\n\r\n"),
}
#: Inputs left to the streaming reader.
LEFT = {
    "truncated": kubectl(pod("a"), pod("b"))[:-80],
    "NaN, which msgspec refuses": kubectl(pod("a", spec={"priority": float("nan")})),
    "a lone surrogate escape, which msgspec refuses": kubectl(pod("a"), pod(
        "caf\\ud800")).replace("caf\\\\ud800", "caf\\ud800"),
    "two documents": json.dumps(pod("a")) + json.dumps(pod("b")),
    "one object": json.dumps(pod("a")),
    "items of something not a list": json.dumps({"kind": "Pod", "items": [pod("a")]}),
    "items twice": kubectl(pod("a")).replace('"items": [', '"items": [], "items": [', 1),
    "items not an array": json.dumps({"kind": "List", "items": {"a": 1}}),
    "snapshot": json.dumps({"riskgraph_snapshot": 1, "problems": [], "items": [pod("a")]}),
    "yaml": "kind: List\nitems: []\n",
    "too deep": '{"kind": "List", "items": [' + "[" * 2000 + "]" * 2000 + "]}",
}


def streamed(text: str, source: str) -> ParsedObjects:
    return parse_text(text, source)


def same(fast: ParsedObjects, slow: ParsedObjects) -> None:
    assert fast.objects == slow.objects
    assert list(fast.lines) == list(slow.lines)
    assert [str(p) for p in fast.problems] == [str(p) for p in slow.problems]
    assert fast.unknown_kinds == slow.unknown_kinds


@pytest.mark.parametrize("name", READ)
def test_fast_path_reads_as_the_streaming_reader(name: str, tmp_path: Path) -> None:
    path = tmp_path / "dump.json"
    path.write_text(READ[name])
    out = ParsedObjects()
    with path.open("rb") as binary:
        assert read_json_file(binary, str(path), out)
    text = READ[name].removeprefix("\ufeff").replace("\r\n", "\n")
    same(out, streamed(text, str(path)))
    assert out.objects and out.lines[0] >= 1


def test_a_bad_item_is_named_with_its_line_and_the_rest_read(tmp_path: Path) -> None:
    path = tmp_path / "dump.json"
    path.write_text(READ["kubectl list"])
    out = ParsedObjects()
    with path.open("rb") as binary:
        assert read_json_file(binary, str(path), out)
    assert [o.name for o in out.objects] == ["a", "b"]
    line = next(n for n, text in enumerate(READ["kubectl list"].splitlines(), 1)
                if '"containerPort": "no"' in text)
    assert [(p.line, p.obj) for p in out.problems] == [(line, "Pod shop/bad")]


@pytest.mark.parametrize("name", LEFT)
def test_what_the_fast_path_leaves_is_untouched(name: str, tmp_path: Path) -> None:
    path = tmp_path / "dump.json"
    path.write_text(LEFT[name])
    out = ParsedObjects()
    with path.open("rb") as binary:
        assert not read_json_file(binary, str(path), out)
        assert binary.tell() == 0
    assert not out.objects and not out.problems and not out.unknown_kinds
    good = tmp_path / "good.json"  # so that reading the two is never "nothing read"
    good.write_text(json.dumps(pod("good")))
    read = read_k8s([path, good])
    mine = [n for n, origin in enumerate(read.origins) if origin == str(path)]
    assert [read.objects[n] for n in mine] == streamed(LEFT[name], str(path)).objects
    assert [str(p) for p in read.problems] == [
        str(p) for p in streamed(LEFT[name], str(path)).problems]


def test_invalid_utf8_in_an_item_ends_the_file_keeping_what_came_before(tmp_path: Path
                                                                         ) -> None:
    path = tmp_path / "dump.json"
    text = kubectl(pod("a"), pod("NAME"), pod("c"))
    path.write_bytes(text.encode().replace(b"NAME", b"b\xff"))
    out = read_k8s([path])
    assert [o.name for o in out.objects] == ["a"]
    second = [n for n, line in enumerate(text.splitlines(), 1) if line == "        {"][1]
    assert [str(p) for p in out.problems] == [
        f"{path}:{second}: not UTF-8 text (invalid start byte; a binary file?); the rest of "
        "the file is skipped"]


def test_pipes_and_empty_files_are_left_to_the_streaming_reader(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    with empty.open("rb") as binary:
        assert not read_json_file(binary, str(empty), ParsedObjects())
    with open("/dev/null", "rb") as device:
        assert not read_json_file(device, "/dev/null", ParsedObjects())
