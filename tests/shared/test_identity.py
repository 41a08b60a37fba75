"""Model ids, dtypes and free text: what validation accepts and what it refuses, for both formats."""

from __future__ import annotations

import pytest

from shared.bundle.checks.identity import dtype_problem, model_id_problem, text_caps
from shared.bundle.gpus import is_h100, max_power_w


@pytest.mark.parametrize(
    "good", ["meta-llama/Llama-3.2-1B", "gpt2", "Salesforce/blip2-opt-2.7b-replica", "a/" + "b" * 96, "x_y.z/A-1"]
)
def test_hub_ids_are_accepted(good: str) -> None:
    assert model_id_problem(good) is None


@pytest.mark.parametrize(
    ("bad", "said"),
    [
        ("m\u0435ta-llama/x", "CYRILLIC SMALL LETTER IE"),
        ("meta\u200b-llama/x", "ZERO WIDTH SPACE"),
        ("meta/\u202ex", "RIGHT-TO-LEFT OVERRIDE"),
        ("a/b/c", "'/'"),
        ("a/" + "b" * 97, "96"),
        ("-a/b", "start and end"),
        ("a--b", "'--'"),
        ("", "empty"),
        (["a", "b"], "list"),
        (None, "NoneType"),
    ],
)
def test_other_ids_are_refused_saying_why(bad: object, said: str) -> None:
    msg = model_id_problem(bad)
    assert msg is not None and said in msg


@pytest.mark.parametrize("good", ["bfloat16", "float32", "torch.float16", "float8_e4m3fn", "auto"])
def test_dtypes(good: str) -> None:
    assert dtype_problem(good) is None


@pytest.mark.parametrize("bad", ["x" * 5_000_000, {"bits": 16}, "bf 16", "BFLOAT16", 16])
def test_bad_dtypes(bad: object) -> None:
    msg = dtype_problem(bad)
    assert msg is not None and len(msg) < 200


def test_text_caps_name_the_field() -> None:
    found = list(text_caps({"a": {"b": "x" * 1001}, "c": "ok"}, "environment.json"))
    assert [p.code for p in found] == ["text_too_long"] and "environment.json.a.b" in found[0].message
    assert list(text_caps({"a": "x" * 1000}, "r")) == []


def test_h100_names_are_exact() -> None:
    assert is_h100("NVIDIA H100 80GB HBM3") and is_h100("nvidia h100 pcie ")
    assert not is_h100("NVIDIA GeForce RTX 4090 (not an H100)") and not is_h100("NVIDIA H200")
    assert max_power_w("NVIDIA H200") == 700.0 and max_power_w("NVIDIA H100 PCIe") == 350.0
    assert max_power_w("NVIDIA GeForce RTX 4090") is None
