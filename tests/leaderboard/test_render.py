"""HTML of the table, callout and empty states: links, tooltips, bars, stars, escaping, pages."""

from __future__ import annotations

import re

from leaderboard.render import (
    PAGE_SIZE,
    callout_html,
    empty_state_html,
    format_params,
    hub_link,
    no_match_html,
    pager_text,
    stars_html,
    table_html,
)
from leaderboard.table import COLUMNS, energy_spread, results_frame
from shared.method.tasks import TASKS
from tests.leaderboard.test_table import rated

TG, IC = TASKS["text_generation"], TASKS["image_classification"]


def test_headers_carry_tooltips_and_sort_keys() -> None:
    html = table_html(results_frame([rated("acme/a", 1.0)]), TG, 1.0, "energy", False)
    for col in COLUMNS:
        if col.key == "quality":
            continue  # shown only when a result has a quality score
        assert f'data-sort="{col.key}"' in html
        assert col.tooltip.split(" ")[0] in html
    assert "▲" in html and html.count('class="sorted"') == 1


def test_class_column_only_for_tasks_with_classes_and_quality_only_when_present() -> None:
    plain = results_frame([rated("acme/a", 1.0, task="image_classification", cls=None)])
    assert 'data-sort="class"' not in table_html(plain, IC, 1.0, "energy", False)
    assert 'data-sort="quality"' not in table_html(plain, IC, 1.0, "energy", False)
    scored = results_frame([rated("acme/a", 1.0, quality=50.0)])
    assert 'data-sort="quality"' in table_html(scored, TG, 1.0, "energy", False)


def test_model_links_to_hub_and_rows_open_details() -> None:
    html = table_html(results_frame([rated("acme/a", 1.0)]), TG, 1.0, "energy", False)
    assert '<a href="https://huggingface.co/acme/a"' in html
    assert 'data-result="res_acme_a"' in html


def test_bar_is_scaled_to_task_max() -> None:
    frame = results_frame([rated("acme/a", 1.0), rated("acme/b", 4.0)])
    html = table_html(frame, TG, 4.0, "energy", False)
    assert re.findall(r"width:([\d.]+)%", html) == ["25.0", "100.0"]


def test_random_weights_badge() -> None:
    frame = results_frame([rated("acme/a", 1.0)])
    frame.loc[0, "random_weights"] = True
    assert "random weights" in table_html(frame, TG, 1.0, "energy", False)


def test_short_workload_badge_only_below_the_standard_samples() -> None:
    frame = results_frame([rated("acme/a", 1.0), rated("acme/b", 2.0)])
    frame.loc[0, "samples"] = 60
    frame.loc[1, "samples"] = 1000
    html = table_html(frame, TG, 2.0, "energy", False)
    assert html.count("lb-badge") == 1
    assert ">60 queries<" in html and "60 of the standard 1,000 queries" in html


def test_untrusted_model_id_is_escaped_and_not_linked() -> None:
    evil = 'x"><img src=x onerror=alert(1)>'
    html = table_html(results_frame([rated(evil, 1.0)]), TG, 1.0, "energy", False)
    assert "<img" not in html and "&lt;img" in html
    assert hub_link("../../evil") == "../../evil"


def test_stars_are_green_filled_and_grey_empty() -> None:
    html = stars_html(3)
    assert html.count("★") == 5 and 'class="off">★★<' in html and "3 of 5" in html
    assert "unrated" in stars_html(None)


def test_pages() -> None:
    frame = results_frame([rated(f"acme/m{i:03d}", 1.0 + i) for i in range(PAGE_SIZE + 5)])
    second = table_html(frame, TG, 200.0, "energy", False, page=1)
    assert second.count("<tr data-row") == 5 and "acme/m100" in second and "acme/m000" not in second
    assert pager_text(PAGE_SIZE + 5, 1) == f"Results 101–{PAGE_SIZE + 5} of {PAGE_SIZE + 5} (page 2 of 2)"


def test_callout() -> None:
    frame = results_frame([rated("acme/a", 1.0), rated("acme/b", 42.0)])
    html = callout_html(energy_spread(frame), "Text generation")
    assert "Energy difference of 42.0 x" in html and "acme/b" in html
    assert "nothing to compare" in callout_html(energy_spread(frame.iloc[:1]), "Text generation")


def test_empty_states_explain_how_to_submit() -> None:
    html = empty_state_html(TASKS["reasoning"], "May 2026")
    assert "No text generation (reasoning) results in May 2026" in html and 'href="/submit"' in html
    assert "No leaderboard version is published yet" in empty_state_html(None, None)
    assert "class B" in no_match_html("llama", "B") and "llama" in no_match_html("llama", "B")
    # The hint names only what widens the view.
    assert 'Clear the search or choose "All" classes.' in no_match_html("llama", "B")
    assert "Clear the search." in no_match_html("llama", "All") and '"All"' not in no_match_html("llama", "All")
    assert 'Choose "All" classes.' in no_match_html("", "C") and "search" not in no_match_html("", "C")


def test_format_params() -> None:
    counts = (7_240_000_000, 1_500_000, 350_000_000, 120_000_000_000, None, 0)
    assert [format_params(n) for n in counts] == ["7.2B", "1.5M", "350M", "120B", "", ""]


def test_detail_says_when_queries_were_fewer_than_the_standard() -> None:
    from leaderboard.detail import queries_text

    assert queries_text(1000) == "1,000"
    assert queries_text(200) == "200 (of the standard 1,000; normalised per 1,000 queries; demo data)"
    assert queries_text(0) == "not recorded"


def test_a_single_repetition_has_no_interval() -> None:
    # The summary states the mean as both bounds for one repetition; that is no interval to show.
    one = rated("acme/a", 2.0)
    one.record.repetitions, one.record.ci95_low_wh_per_1k, one.record.ci95_high_wh_per_1k = 1, 2.0, 2.0
    ten = rated("acme/b", 3.0)
    ten.record.repetitions, ten.record.ci95_low_wh_per_1k, ten.record.ci95_high_wh_per_1k = 10, 2.9, 3.1
    assert one.record.ci95 is None and ten.record.ci95 == (2.9, 3.1)
    html = table_html(results_frame([one, ten]), TG, 3.0, "energy", False)
    assert 'title="No interval: a single repetition">n/a<' in html and "2.9 – 3.1" in html
