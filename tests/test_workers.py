"""The build's worker processes: the same graph whatever their number, and every failure
of a worker made good by the building process."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bench.synth import main as synth
from ingest.k8s_files import parse_text, read_k8s
from riskgraph.builder import build_graph
from riskgraph.cli.main import main
from riskgraph.errors import Problem, SettingError
from riskgraph.estate.inventory import Inventory
from riskgraph.parallel.workers import ENV, MIN_OBJECTS, run_in_order, worker_count
from riskgraph.techniques import Edge, Technique


def _slow_pid(item: int) -> tuple[int, int]:
    time.sleep(0.02)
    return item * item, os.getpid()


def _no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_results_come_in_order_and_both_processes_work() -> None:
    found = list(run_in_order(list(range(40)), _slow_pid, workers=2))
    assert [item for item, _ in found] == list(range(40))
    assert [square for _, (square, _) in found] == [i * i for i in range(40)]
    pids = {pid for _, (_, pid) in found}
    assert os.getpid() in pids and len(pids) == 2
    assert _no_children_left()


def test_one_worker_runs_everything_here() -> None:
    found = list(run_in_order(list(range(5)), _slow_pid, workers=1))
    assert {pid for _, (_, pid) in found} == {os.getpid()}


def test_what_a_worker_fails_on_is_run_again_here() -> None:
    here = os.getpid()

    def fails_elsewhere(item: int) -> tuple[int, int]:
        if os.getpid() != here:
            raise ValueError("only in a worker")
        return _slow_pid(item)

    found = list(run_in_order(list(range(20)), fails_elsewhere, workers=2))
    assert [square for _, (square, _) in found] == [i * i for i in range(20)]
    assert {pid for _, (_, pid) in found} == {here}


def test_what_a_dead_worker_left_is_run_here() -> None:
    here = os.getpid()

    def dies_elsewhere(item: int) -> tuple[int, int]:
        if os.getpid() != here and item > 2:
            os._exit(3)
        return _slow_pid(item)

    found = list(run_in_order(list(range(20)), dies_elsewhere, workers=2))
    assert [square for _, (square, _) in found] == [i * i for i in range(20)]
    assert all(pid == here for item, (_, pid) in found if item > 2)
    assert _no_children_left()


def test_an_error_here_stops_the_workers_and_is_raised() -> None:
    def fails_on_seven(item: int) -> tuple[int, int]:
        if item == 7:
            raise ValueError("item 7 is bad")
        return _slow_pid(item)

    with pytest.raises(ValueError, match="item 7"):
        list(run_in_order(list(range(30)), fails_on_seven, workers=3))
    assert _no_children_left()


def test_the_worker_count_follows_the_setting_and_the_estate_size(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert worker_count(MIN_OBJECTS - 1) == 1
    assert worker_count(MIN_OBJECTS) == min(4, len(os.sched_getaffinity(0)))
    monkeypatch.setenv(ENV, "3")
    assert worker_count(10) == 3
    monkeypatch.setenv(ENV, "many")
    with pytest.raises(SettingError, match="RISKGRAPH_WORKERS='many'"):
        worker_count(10)


def test_the_command_refuses_a_bad_worker_setting_before_reading_input(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(ENV, "0")
    assert main(["paths", "--demo", "--to", "secret"]) == 2
    err = capsys.readouterr().err
    assert "RISKGRAPH_WORKERS='0' is not a number of processes" in err
    assert "Traceback" not in err


def _edges(graph: object) -> list[tuple[str, str, str, dict[str, object]]]:
    return [(u, v, k, dict(attrs)) for u, v, k, attrs in graph.edges(keys=True, data=True)]  # type: ignore[attr-defined]


def test_workers_build_the_same_graph_as_one_process(tmp_path: Path) -> None:
    """Edges, their order (searches break ties by it), attributes, counts and problems are
    the same with three processes as with one, on a generated estate with an account."""
    k8s, aws = tmp_path / "estate.json", tmp_path / "aws.json"
    synth(["--pods", "400", "-o", str(k8s), "--aws-output", str(aws), "--policies", "20"])
    parsed = read_k8s([k8s, aws])
    alone, shared = build_graph(parsed.inventory(), workers=1), \
        build_graph(parsed.inventory(), workers=3)
    assert shared.number_of_edges() > 3_000
    assert _edges(shared) == _edges(alone)
    assert list(shared.nodes(data=True)) == list(alone.nodes(data=True))
    assert shared.graph["edges_by_technique"] == alone.graph["edges_by_technique"]
    assert shared.graph["problems"] == alone.graph["problems"]
    assert _no_children_left()


def test_a_problem_a_technique_reports_in_a_worker_reaches_the_graph() -> None:
    def complains(inv: Inventory) -> list[Edge]:
        inv.problems.append(Problem("input.json", f"odd object seen by {inv.pods[0].name}"))
        return [Edge("a", "b", "a reaches b", ("input.json: x=1",))]

    catalog = [Technique(f"test.complains-{i}", "complains", "low", None, "none", 1.0,
                         complains, ()) for i in range(6)]
    inv = parse_text("apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\n"
                     "spec: {containers: [{name: app, image: nginx}]}\n").inventory()
    graph = build_graph(inv, catalog, workers=2)
    assert graph.graph["problems"].count("input.json: odd object seen by web") == 1
    assert len(inv.problems) == 6
    assert sorted(k for _, _, k in graph.edges(keys=True)) == sorted(t.id for t in catalog)



@pytest.mark.parametrize("workers", [1, 2])
def test_meanwhile_runs_once_here_before_results_come(workers: int) -> None:
    ran: list[int] = []
    found = run_in_order(list(range(6)), _slow_pid, workers,
                         meanwhile=lambda: ran.append(os.getpid()))
    first = next(found)
    assert ran == [os.getpid()] and first[0] == 0
    assert [item for item, _ in found] == [1, 2, 3, 4, 5] and ran == [os.getpid()]
