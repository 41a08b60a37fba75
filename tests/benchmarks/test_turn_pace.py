"""benchmarks/turn_pace.py: the rounds' order, the per-round ratios, the argument checks, and a CPU rehearsal of the
worker protocol with a tiny random Llama (the GPU figures are in RESULTS.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.turn_pace import Arm, Block, main, parse_arms, parse_stacks, round_order, summarize
from runner.samples import main as samples_main
from tests.benchmarks.tiny_llama import build_tiny_llama


def test_every_arm_takes_every_place_in_turn() -> None:
    arms = [Arm("a", "bare"), Arm("b", "bare"), Arm("b", "runner")]
    orders = [[a.name for a in round_order(arms, r)] for r in range(3)]
    assert orders == [
        ["a:bare", "b:bare", "b:runner"],
        ["b:bare", "b:runner", "a:bare"],
        ["b:runner", "a:bare", "b:bare"],
    ]
    assert round_order(arms, 3) == arms


def _blocks(durations: list[float], energies: list[float]) -> list[Block]:
    pairs = enumerate(zip(durations, energies, strict=True))
    return [Block(r, 0, 10 * r, [1000.0 * d / 10] * 10, d, e) for r, (d, e) in pairs]


def test_ratios_are_taken_round_by_round_so_a_shared_drift_cancels() -> None:
    base, other = Arm("ref", "bare"), Arm("ours", "runner")
    # The host slows down 50% over the rounds; the other arm is 4% slower than the baseline in every round.
    base_s = [1.0, 1.2, 1.5, 1.3]
    blocks = {
        base.name: _blocks(base_s, [100.0 * d for d in base_s]),
        other.name: _blocks([1.04 * d for d in base_s], [102.0 * d for d in base_s]),
    }
    res = {r.arm: r for r in summarize([base, other], blocks)}
    assert res["ours:runner"].time_ratio == pytest.approx(1.04)
    assert res["ours:runner"].energy_ratio == pytest.approx(1.02)
    lo, hi = res["ours:runner"].time_ratio_ci or (0.0, 0.0)
    assert lo == pytest.approx(1.04) and hi == pytest.approx(1.04)
    assert res["ref:bare"].time_ratio is None
    # The drift is shared: against its round's mean each arm's block is constant, so no spread is left.
    assert res["ref:bare"].spread == pytest.approx(0.0) and res["ours:runner"].spread == pytest.approx(0.0)
    # 40 prompts, 100 J per block-second: Wh per 1,000 prompts from the summed energy.
    assert res["ref:bare"].wh_per_1k == pytest.approx(sum(100.0 * d for d in base_s) / 3.6 / 40, abs=1e-4)
    assert res["ref:bare"].prompts == 40


def test_no_energy_no_energy_figures() -> None:
    base, other = Arm("ref", "bare"), Arm("ref", "config")
    blocks = {base.name: _blocks([1.0, 1.0], [0.0, 0.0]), other.name: _blocks([1.0, 1.1], [0.0, 0.0])}
    for b in blocks.values():
        for x in b:
            x.energy_j = None
    res = summarize([base, other], blocks)
    assert res[1].wh_per_1k is None and res[1].energy_ratio is None and res[1].time_ratio == pytest.approx(1.05)


@pytest.mark.parametrize(
    ("stacks", "arms", "message"),
    [
        (["ref"], [], "NAME=PYTHONPATH"),
        (["ref=/x"], ["ours:bare"], "STACK:MODE"),
        (["ref=/x"], ["ref:fast"], "STACK:MODE"),
        (["ref=/x"], ["ref:bare", "ref:bare"], "each arm once"),
    ],
)
def test_bad_arguments_say_what_to_write(stacks: list[str], arms: list[str], message: str) -> None:
    with pytest.raises(SystemExit, match=message):
        parse_arms(arms, parse_stacks(stacks))


def test_a_cpu_rehearsal_runs_every_arm_on_the_same_prompts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = build_tiny_llama(tmp_path)
    samples_main(["--out", str(tmp_path / "data"), "--rows", "40", "--images", "0", "--audio", "0"])
    out = tmp_path / "turn.json"
    argv = ["--model", str(model), "--data", str(tmp_path / "data/text_generation.jsonl"), "--samples", "12"]
    argv += ["--block", "4", "--stack", "here=", "--arm", "here:bare", "--arm", "here:config", "--arm", "here:runner"]
    assert main([*argv, "--out", str(out), "--work", str(tmp_path / "work"), "--cpu"]) == 0
    printed = capsys.readouterr().out
    rec = json.loads(out.read_text())
    assert rec["samples"] == 12 and rec["stacks"]["here"]["ready"] is True
    assert [a["arm"] for a in rec["arms"]] == ["here:bare", "here:config", "here:runner"]
    for arm in rec["arms"]:
        assert arm["prompts"] == 12 and arm["wh_per_1k"] is None
        assert [b["first_prompt"] for b in arm["blocks"]] == [0, 4, 8]
        assert sorted(b["position"] for b in arm["blocks"]) == [0, 1, 2]
        assert all(len(b["prompt_ms"]) == 4 and b["duration_s"] > 0 for b in arm["blocks"])
    assert rec["arms"][0]["time_ratio"] is None and rec["arms"][2]["time_ratio"] > 0
    # `show` prints the same table again from the JSON.
    assert main(["show", str(out)]) == 0
    shown = capsys.readouterr().out
    assert shown.strip() and shown.strip() in printed
