"""CLI paper cuts: usage errors exit 2 before any work, ``-o`` picks the format and ``-`` is
standard output, both spellings of the live flags, plurals, and routes cut by --max-hops."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskgraph.cli import main
from riskgraph.cli.main import build_parser


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def usage_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("option", ["--top", "--max-hops"])
@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_counts_below_one_are_usage_errors(option: str, value: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    err = usage_error(["paths", "--demo", option, value], capsys)
    assert option in err and "Traceback" not in err


def test_counts_of_one_are_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["paths", "--demo", "--top", "1", "--max-hops", "1", "-q"], capsys)
    assert code == 0 and "No attack paths found" in out


def test_output_into_a_missing_folder_is_a_usage_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "nowhere" / "review.json"
    err = usage_error(["paths", "--demo", "-o", str(target)], capsys)
    assert f"no such directory {target.parent}" in err
    assert not target.parent.exists()


def test_format_follows_the_output_extension(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    as_json = tmp_path / "paths.json"
    as_dot = tmp_path / "paths.gv"
    as_text = tmp_path / "paths.txt"
    for target in (as_json, as_dot, as_text):
        assert run(["paths", "--demo", "-q", "-o", str(target)], capsys)[0] == 0
    assert json.loads(as_json.read_text())["paths"]
    assert as_dot.read_text().startswith("digraph")
    assert as_text.read_text().startswith("Route group 1:")
    # An explicit --format wins over the extension.
    run(["paths", "--demo", "-q", "--format", "table", "-o", str(as_json)], capsys)
    assert as_json.read_text().startswith("Route group 1:")


def test_dash_is_standard_output(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["paths", "--demo", "-q", "--format", "json", "-o", "-"], capsys)
    assert code == 0 and json.loads(out)["paths"]
    assert not (tmp_path / "-").exists()


class _Terminal:
    """Standard output as a terminal: isatty says so, writes are kept."""

    def __init__(self) -> None:
        self.written: list[str] = []

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.written.append(text)
        return len(text)


def test_binary_formats_never_go_to_a_terminal(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    err = usage_error(["paths", "--demo", "--format", "png"], capsys)
    assert "standard output is a terminal" in err and "-o FILE.png" in err
    assert terminal.written == []


def test_text_formats_still_go_to_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    assert main(["paths", "--demo", "-q", "--format", "dot"]) == 0
    assert "".join(terminal.written).startswith("digraph")


def test_techniques_accepts_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["techniques", "-q", "--format", "json"], capsys)
    assert code == 0 and json.loads(out) and err == ""


@pytest.mark.parametrize("argv", [
    ["paths", "--demo", "--context", "prod", "--profile", "ops", "--region", "eu-west-1"],
    ["paths", "--demo", "--k8s-context", "prod", "--aws-profile", "ops",
     "--aws-region", "eu-west-1"],
])
def test_analysis_commands_accept_both_live_spellings(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert (args.k8s_context, args.aws_profile, args.aws_region) == (
        "prod", "ops", ["eu-west-1"])


@pytest.mark.parametrize("argv", [
    ["snapshot", "k8s", "--k8s-context", "prod", "-o", "x.json"],
    ["snapshot", "k8s", "--context", "prod", "-o", "x.json"],
])
def test_snapshot_k8s_accepts_both_spellings(argv: list[str]) -> None:
    assert build_parser().parse_args(argv).context == "prod"


@pytest.mark.parametrize("argv", [
    ["snapshot", "aws", "--aws-profile", "ops", "--aws-region", "us-east-1", "-o", "x.json"],
    ["snapshot", "aws", "--profile", "ops", "--region", "us-east-1", "-o", "x.json"],
])
def test_snapshot_aws_accepts_both_spellings(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert (args.profile, args.region) == ("ops", ["us-east-1"])


POLICY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""


def test_counts_agree_with_their_nouns(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "policy.yaml").write_text(POLICY)
    _, _, err = run(["paths", "--k8s", str(tmp_path / "policy.yaml")], capsys)
    assert "read 1 object from 1 source" in err
    assert "1 NetworkPolicy is read" in err
    assert "objects" not in err and "NetworkPolicies are" not in err
    (tmp_path / "other.yaml").write_text(POLICY.replace("name: deny", "name: deny-too"))
    _, _, err = run(["paths", "--k8s", str(tmp_path)], capsys)
    assert "read 2 objects from 2 sources" in err and "2 NetworkPolicies are read" in err


def test_routes_cut_by_max_hops_are_announced(capsys: pytest.CaptureFixture[str]) -> None:
    _, full, _ = run(["paths", "--demo", "-q", "--format", "json"], capsys)
    lengths = sorted(len(p["steps"]) for p in json.loads(full)["paths"])
    longest = lengths[-1]
    code, out, _ = run(["paths", "--demo", "-q", "--format", "json",
                        "--max-hops", str(longest - 1)], capsys)
    doc = json.loads(out)
    cut = len(lengths) - len(doc["paths"])
    assert code == 0 and cut >= 1
    assert any(f"reachable in more than {longest - 1} steps" in n and "--max-hops" in n
               for n in doc["notes"])
    _, table, _ = run(["paths", "--demo", "-q", "--max-hops", str(longest - 1)], capsys)
    assert "note: " in table and "raise --max-hops" in table
    # With little room left, the second search is cut by --top too: "at least".
    _, out, _ = run(["paths", "--demo", "-q", "--format", "json", "--top", "2",
                     "--max-hops", str(lengths[0])], capsys)
    cut_by_top = json.loads(out)
    assert len(cut_by_top["paths"]) == lengths.count(lengths[0]) == 1
    assert cut_by_top["notes"][0].startswith("at least 1 more target is reachable")
    # Nothing is cut at the default bound: no note.
    assert not any("--max-hops" in n for n in json.loads(full)["notes"])
