"""benchmarks/cold_start.py: new key/value lengths counted per prompt, the fit recovers a known cost per new
length, and the shipped H200 records of session 9 show the cold start follows new lengths, not prompt length."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from benchmarks.cold_start import explain, load_runs, main, new_lengths, prompt_lengths

SESSION = Path(__file__).resolve().parents[2] / "benchmarks" / "sessions" / "2026-12-03-h200-s9"


def test_new_lengths_counts_only_key_value_lengths_no_earlier_prompt_met() -> None:
    # Prompt 0 ran in the warm-up: its lengths 5..7 are met before the pass.
    assert new_lengths([5, 5, 6, 20, 21, 4], new_tokens=3) == [0, 0, 1, 3, 1, 1]
    assert new_lengths([5, 5], new_tokens=3, seen_first=0) == [3, 0]


def test_prompt_lengths_count_words_and_punctuation_as_the_replica_tokenizer_does() -> None:
    assert prompt_lengths(["za coceda nome.", "a, b? c"]) == [4, 5]


def test_the_fit_recovers_a_known_cost_per_new_length() -> None:
    rng = random.Random(7)
    lengths = [rng.randint(10, 400) for _ in range(300)]
    new = new_lengths(lengths)
    times = [120.0 + 30.0 * k + rng.uniform(-5, 5) for k in new]
    fit = explain("synthetic", times, lengths, new)
    assert fit.warm_ms == pytest.approx(120.0, abs=2.0)
    assert fit.per_new_length_ms == pytest.approx(30.0, abs=0.5)
    assert fit.r_new > 0.99
    assert fit.cold_share == pytest.approx(30.0 * sum(new) / sum(times), rel=0.02)
    with pytest.raises(ValueError, match="run and prompts differ"):
        explain("short", times, lengths[:10], new[:10])


def test_session_9_records_slow_prompts_are_those_meeting_new_lengths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from runner.samples import text_rows

    runs = load_runs([SESSION / "call3", SESSION / "call4"])
    assert len(runs) == 6 and all(len(t) == 300 for _, t in runs)
    data = tmp_path / "text_generation.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in text_rows("text_generation", 320)))
    texts = [t for t in (json.loads(line)["text"] for line in data.read_text().splitlines()) if t.strip()]
    lengths = prompt_lengths(texts)
    new = new_lengths(lengths)
    for name, times in runs:
        fit = explain(name, times, lengths, new)
        # Slow where new lengths are met, not where prompts are long; each new length costs milliseconds.
        assert fit.r_new > 0.85 and abs(fit.r_length) < 0.15, name
        assert 20.0 < fit.per_new_length_ms < 80.0, name
    assert main([str(SESSION / "call3"), "--data", str(data)]) == 0
    assert "| call3/01_reference (reference) | 300 |" in capsys.readouterr().out
