"""validate_bundle never raises: random bytes, random zips, random edits of a valid bundle's JSON.

Beyond "does not raise", an edit must never reach the catch-all `internal_error` (which means the
validator met something it did not foresee) and any bundle that passes has a sane record.
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.bundle.problems import ValidationReport
from shared.bundle.schema import ENVIRONMENT_FILE, MANIFEST_FILE, REPORT_FILE, SUMMARY_FILE
from shared.bundle.validate import validate_bundle
from testkit.factory import make_bundle_bytes, make_report
from tests.shared.bundles import bundle_of, env_dict, report_dict
from tests.shared.test_reference_format import reference_zip

# FUZZ_EXAMPLES=2000 for a long local run; the default keeps CI fast.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

GOOD = make_bundle_bytes()
REPORT = report_dict()
ENV = env_dict()

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
json_value = st.recursive(
    json_leaf,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def sane(rep: ValidationReport) -> None:
    assert isinstance(rep, ValidationReport)
    assert "internal_error" not in {p.code for p in rep.problems}, rep.text()
    for p in rep.problems:
        assert isinstance(p.message, str) and len(p.message) > 10, p
    if rep.ok:
        assert rep.record is not None
        assert math.isfinite(rep.record.gpu_energy_wh_per_1k) and rep.record.gpu_energy_wh_per_1k > 0
    else:
        assert rep.record is None


def paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a node of a JSON document."""
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += paths(v, (*prefix, i))
    return out


def replaced(doc: Any, path: tuple, value: Any) -> Any:
    doc = json.loads(json.dumps(doc))
    if not path:
        return value
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


REPORT_PATHS = paths(REPORT)
ENV_PATHS = paths(ENV)


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    rep = validate_bundle(data)
    assert not rep.ok and "unsafe_zip" in {p.code for p in rep.problems}


@FUZZ
@given(st.binary(max_size=500))
def test_random_bytes_behind_zip_magic(data: bytes) -> None:
    sane(validate_bundle(b"PK\x03\x04" + data))


member_name = st.one_of(
    st.sampled_from(
        [
            MANIFEST_FILE,
            REPORT_FILE,
            ENVIRONMENT_FILE,
            SUMMARY_FILE,
            "GPU_ENERGY_WH.txt",
            "benchmark_config.json",
            "aienergyscore.json",
            "run/benchmark_report.json",
            "logs/x.log",
        ]
    ),
    st.text(alphabet="abcxyz./_-", min_size=1, max_size=20),
)
member_body = st.one_of(
    st.binary(max_size=200),
    json_value.map(lambda v: json.dumps(v).encode()),
)


@FUZZ
@given(st.dictionaries(member_name, member_body, max_size=6))
def test_random_zips(members: dict[str, bytes]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    sane(validate_bundle(buf.getvalue()))


@FUZZ
@given(st.integers(min_value=0, max_value=len(GOOD) - 1), st.integers(min_value=0, max_value=255))
def test_flipped_byte_of_valid_bundle(offset: int, value: int) -> None:
    data = bytearray(GOOD)
    data[offset] = value
    sane(validate_bundle(bytes(data)))


@FUZZ
@given(st.sampled_from(REPORT_PATHS), json_value)
def test_any_edit_of_the_report_resigned(path: tuple, value: Any) -> None:
    edited = replaced(REPORT, path, value)
    rep = validate_bundle(bundle_of(edited, energy_files_from=make_report()))
    sane(rep)
    if rep.ok:  # only an edit that changes no checked number may pass
        assert rep.record.gpu_energy_wh_per_1k == make_report().summary.gpu_energy_wh_per_1k_mean


@FUZZ
@given(st.sampled_from(ENV_PATHS), json_value)
def test_any_edit_of_the_environment_resigned(path: tuple, value: Any) -> None:
    sane(validate_bundle(bundle_of(make_report(), replaced(ENV, path, value))))


@FUZZ
@given(
    st.sampled_from(["samples", "gpus", "task", "phases", "txt", "extra"]),
    json_value,
)
def test_any_edit_of_a_reference_run(field: str, value: Any) -> None:
    kw: dict[str, Any] = {}
    if field == "samples":
        kw["samples"] = value
    elif field == "gpus":
        kw["gpus"] = value
    elif field == "task":
        kw["task"] = value
    elif field == "phases" and isinstance(value, dict):
        kw["phases"] = value
    elif field == "txt":
        kw["txt"] = json.dumps(value)
    elif field == "extra":
        kw["extra"] = value
    try:
        data = reference_zip(**kw)
    except TypeError:  # the builder itself cannot write this value (e.g. non-numeric phases)
        return
    sane(validate_bundle(data))
