"""Energy arithmetic shared by runner and validator (energy.py, run_files.py), and shared.web.links."""

from __future__ import annotations

import json

import pytest

from runner.run_files import finalize_report, measured_phase, run_files
from shared.bundle.energy import counters_energy_wh, energy_wh_text, same, summary_file
from shared.bundle.schema import ENERGY_WH_FILE, ENVIRONMENT_FILE, REPORT_FILE, SUMMARY_FILE
from shared.web.config import BASE_URL_ENV, HOST_ENV, PORT_ENV, SPACE_HOST_ENV, SiteConfig, app_url_env
from shared.web.links import Links
from testkit.factory import make_env, make_report


def test_counters_energy() -> None:
    assert counters_energy_wh([0], [3_600_000]) == 1.0
    assert counters_energy_wh([100, 200], [1_800_100, 1_800_200]) == 1.0  # summed over GPUs
    with pytest.raises(ValueError, match="went backwards"):
        counters_energy_wh([10], [5])
    with pytest.raises(ValueError, match="one per GPU"):
        counters_energy_wh([1, 2], [3])
    with pytest.raises(ValueError, match="no counter readings"):
        counters_energy_wh([], [])


def test_measured_phase_derives_its_energy() -> None:
    p = measured_phase("forward", [0], [7_200_000], duration_s=1.0, samples=1000)
    assert p.gpu_energy_wh == 2.0


def test_same_tolerance() -> None:
    assert same(1.0, 1.0 + 1e-12) and not same(1.0, 1.001)


def test_total_is_preprocess_plus_pass() -> None:
    r = make_report(task_id="extractive_qa", repetitions=2)
    for rep in r.repetitions:
        assert rep.gpu_energy_wh == pytest.approx(r.preprocess.gpu_energy_wh + rep.phases[0].gpu_energy_wh)
    phases = r.summary.phases_wh_per_1k
    assert set(phases) == {"preprocess", "forward"}
    assert phases["preprocess"] + phases["forward"] == pytest.approx(r.summary.gpu_energy_wh_per_1k_mean)


def test_generation_split_sums_to_generate() -> None:
    r = make_report()
    s = r.summary.phases_wh_per_1k
    assert s["preprocess"] + s["prefill"] + s["decode"] == pytest.approx(r.summary.gpu_energy_wh_per_1k_mean)


def test_energy_files() -> None:
    r = make_report()
    files = run_files(r, make_env(), {"run.log": b"x"})
    assert set(files) == {REPORT_FILE, ENVIRONMENT_FILE, ENERGY_WH_FILE, SUMMARY_FILE, "logs/run.log"}
    assert files[ENERGY_WH_FILE] == energy_wh_text(r.summary).encode()
    assert files[ENERGY_WH_FILE].decode() == f"{r.summary.gpu_energy_wh_per_1k_mean:.2f}\n"
    summary = json.loads(files[SUMMARY_FILE])
    assert summary == summary_file(r.summary)
    assert summary["units"] == "Wh" and summary["per_queries"] == 1000
    assert {"total", "preprocess_wh", "prefill_wh", "decode_wh"} <= set(summary)


def test_incomplete_report_writes_no_energy_files() -> None:
    r = make_report().model_copy(update={"status": "incomplete", "summary": None})
    assert finalize_report(r) is r
    assert set(run_files(r, make_env())) == {REPORT_FILE, ENVIRONMENT_FILE}


def test_unfinalized_report_refused() -> None:
    with pytest.raises(ValueError, match="finalize_report"):
        run_files(make_report().model_copy(update={"summary": None}), make_env())


def test_ui_links() -> None:
    assert SiteConfig.from_env({}).links == Links()
    links = Links()
    assert links.app_url("leaderboard") == "/leaderboard"
    assert links.result_url("res_1") == "/r/res_1"
    on_space = SiteConfig.from_env({SPACE_HOST_ENV: "org-suite.hf.space"})
    assert on_space.on_space and on_space.links.result_url("res_1") == "https://org-suite.hf.space/r/res_1"
    env = {SPACE_HOST_ENV: "org-suite.hf.space", BASE_URL_ENV: "https://energy.example/"}
    links = SiteConfig.from_env(env).links
    assert links.label_url("res_1") == "https://energy.example/label?result=res_1"
    assert links.result_url("res_1") == "https://energy.example/r/res_1"
    links = SiteConfig.from_env({**env, app_url_env("leaderboard"): "https://lb.example/"}).links
    assert links.result_url("res_2") == "https://lb.example?result=res_2"
    nav = links.nav_html("label")
    assert nav.count("<a ") == 3 and 'class="active">Energy label' in nav
    assert 'href="https://lb.example"' in nav and 'href="https://energy.example/submit"' in nav


def test_site_config_host_port_and_entry_point_defaults() -> None:
    site = SiteConfig.from_env({})
    assert (site.host, site.port, site.local_address) == ("127.0.0.1", 7860, "http://localhost:7860")
    site = SiteConfig.from_env({HOST_ENV: "10.0.0.5", PORT_ENV: "8000"})
    assert site.local_address == "http://10.0.0.5:8000"
    # The suite served locally links absolutely to where it listens; a configured address wins.
    assert site.served_locally().links.result_url("res_1") == "http://10.0.0.5:8000/r/res_1"
    assert site.with_base_url("https://x.example/").served_locally().links.base_url == "https://x.example"
    assert SiteConfig.from_env({SPACE_HOST_ENV: "a.hf.space"}).served_locally().links.base_url == "https://a.hf.space"
    # The leaderboard alone links to its own root with ?result= (no /r/ redirect there).
    alone = site.serving_alone("leaderboard").links
    assert alone.result_url("res_1") == "http://10.0.0.5:8000?result=res_1"
    assert alone.app_url("submit") == "/submit"
    own = SiteConfig.from_env({app_url_env("leaderboard"): "https://lb.example"}).serving_alone("leaderboard")
    assert own.links.app_url("leaderboard") == "https://lb.example"
