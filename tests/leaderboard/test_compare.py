"""The Compare view: side-by-side rows, highlighted differences, ratios, escaping, the picker and links.

Unit tests call `leaderboard.compare` and `Leaderboard` directly; the browser tests pick two results
in chromium and follow a `?compare=` link.
"""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from leaderboard.app import build_demo
from leaderboard.compare import (
    DIFF_CLASS,
    MAX_COMPARE,
    compare_html,
    compare_url,
    comparison,
    energy_ratios,
    ratio_text,
)
from leaderboard.views import Leaderboard, split_ids
from shared.store.models import RatedResult
from tests.conftest import serve
from tests.leaderboard.conftest import Filled, Spec, fill_store, submit
from tests.leaderboard.test_table import rated


@dataclasses.dataclass
class Row:
    """A row of the rendered comparison: its classes, heading and cell texts."""

    classes: set[str]
    label: str
    cells: list[str]


class _Rows(HTMLParser):
    """The rows of `table.lb-compare` as text (enough to check what a reader sees)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []
        self._cell: list[str] | None = None
        self._in_th = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append(Row(set((dict(attrs).get("class") or "").split()), "", []))
        elif tag in ("th", "td") and self.rows:
            self._cell, self._in_th = [], tag == "th"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell is not None:
            text = "".join(self._cell).strip()
            row = self.rows[-1]
            if self._in_th and not row.label and not row.cells:
                row.label = text
            else:
                row.cells.append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse_rows(html: str) -> list[Row]:
    """Rows of a rendered comparison."""
    parser = _Rows()
    parser.feed(html)
    return parser.rows


def section(rows: list[Row], title: str) -> list[Row]:
    """The rows of one section (between its heading row and the next)."""
    start = next(i for i, r in enumerate(rows) if "lb-section" in r.classes and r.label == title)
    out = []
    for row in rows[start + 1 :]:
        if "lb-section" in row.classes:
            break
        out.append(row)
    return out


def with_setup(r: RatedResult, **changes: Any) -> RatedResult:
    """A copy of a result whose record has the given fields changed."""
    return dataclasses.replace(r, record=dataclasses.replace(r.record, **changes))


BASE_CONFIG = {"batch_size": 1, "samples": 1000, "repetitions": 3, "dtype": "bfloat16"}
ENV = {"software": {"torch": "2.11.0", "transformers": "5.0.0", "numpy": "2.5.2"}}


@pytest.fixture
def pair() -> list[RatedResult]:
    """Two results of one task that differ in two config keys (one only the second records)."""
    a = with_setup(
        rated("acme/small", 2.0, 5),
        config=dict(BASE_CONFIG),
        environment=ENV,
        phases_wh_per_1k={"prefill": 0.5, "decode": 1.5},
    )
    b = with_setup(
        rated("acme/large", 4.7, 2),
        config={**BASE_CONFIG, "batch_size": 8, "image_size": 1024},
        environment=ENV,
        phases_wh_per_1k={"prefill": 1.0, "decode": 3.7},
    )
    return [a, b]


# ---- pure rendering --------------------------------------------------------------------------


def test_differing_config_rows_are_highlighted_and_listed_first(pair: list[RatedResult]) -> None:
    rows = parse_rows(compare_html(pair))
    config = section(rows, "Configuration")
    assert [r.label for r in config] == ["batch_size", "image_size", "dtype", "repetitions", "samples"]
    assert [DIFF_CLASS in r.classes for r in config] == [True, True, False, False, False]
    assert config[0].cells == ["1", "8"] and config[1].cells == ["not recorded", "1,024"]
    assert comparison(pair).differing == ["batch_size", "image_size"]
    summary = compare_html(pair).split("<table", 1)[0]
    assert "2 settings differ" in summary and "batch_size" in summary and "image_size" in summary


def test_setup_differences_are_highlighted_but_measured_outcomes_are_not(pair: list[RatedResult]) -> None:
    a, b = pair
    b = with_setup(b, precision="float16", environment={"software": {**ENV["software"], "numpy": "2.6.0"}})
    rows = parse_rows(compare_html([a, b]))
    setup = {r.label: r for r in section(rows, "Setup")}
    assert DIFF_CLASS in setup["Precision"].classes and setup["Precision"].cells == ["not recorded", "float16"]
    assert DIFF_CLASS in setup["numpy"].classes  # other software shows only where its version differs
    assert DIFF_CLASS not in setup["torch"].classes and setup["torch"].cells == ["2.11.0", "2.11.0"]
    assert DIFF_CLASS not in setup["GPU"].classes
    measured = section(rows, "Measured")
    assert measured and not any(DIFF_CLASS in r.classes for r in measured)
    # Same software everywhere: numpy is not listed at all.
    assert "numpy" not in {r.label for r in section(parse_rows(compare_html(pair)), "Setup")}


def test_energy_ratio_to_the_most_frugal_and_phase_union(pair: list[RatedResult]) -> None:
    rows = {r.label: r for r in parse_rows(compare_html(pair))}
    assert rows["Energy vs the most frugal here"].cells == ["1.00x", "2.35x"]
    assert rows["GPU energy per 1,000 queries"].cells == ["2.00 Wh", "4.70 Wh"]
    assert rows["Phase: decode (Wh / 1k)"].cells == ["1.50 Wh", "3.70 Wh"]
    # Order matters for the ratio only through which one is the smallest.
    assert {r.label: r for r in parse_rows(compare_html(pair[::-1]))}["Energy vs the most frugal here"].cells == [
        "2.35x",
        "1.00x",
    ]
    assert energy_ratios([3.0, 1.5, 6.0]) == [2.0, 1.0, 4.0]
    assert energy_ratios([0.0, 2.0]) == [1.0, None] and ratio_text(None) == "n/a"
    assert ratio_text(1234.0) == "1,234.00x"


def test_phases_missing_in_one_result_read_not_recorded(pair: list[RatedResult]) -> None:
    a, b = pair
    b = with_setup(b, phases_wh_per_1k={"forward": 4.7})
    rows = {r.label: r for r in parse_rows(compare_html([a, b]))}
    assert rows["Phase: prefill (Wh / 1k)"].cells == ["0.50 Wh", "not recorded"]
    assert rows["Phase: forward (Wh / 1k)"].cells == ["not recorded", "4.70 Wh"]


def test_hostile_model_id_and_config_are_escaped(pair: list[RatedResult]) -> None:
    a, b = pair
    evil_id = '<img src=x onerror="alert(1)">'
    b = with_setup(
        b, model_id=evil_id, config={"<b>key</b>": "<script>alert('x')</script>"}, runner='"><svg onload=alert(2)>'
    )
    b = dataclasses.replace(b, result_id='res_"><x')
    html = compare_html([a, b])
    for raw in ("<img", "<script", "<svg", "<b>key", 'res_"><x'):
        assert raw not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html and "&lt;b&gt;key&lt;/b&gt;" in html
    assert "huggingface.co/&lt;img" not in html  # a non-Hub id is not linked
    rows = parse_rows(html)
    assert rows[0].cells[1] == evil_id  # the reader still sees the id as text


def test_fewer_than_two_results_show_a_note(pair: list[RatedResult]) -> None:
    none, one = compare_html([]), compare_html(pair[:1])
    for html in (none, one):
        assert "lb-compare-note" in html and "<table" not in html
    assert "Pick two to four" in none and "One result chosen" in one


def test_at_most_four_columns_and_a_link_that_reopens_them(pair: list[RatedResult]) -> None:
    many = [with_setup(dataclasses.replace(pair[0], result_id=f"res_{i}"), model_id=f"acme/m{i}") for i in range(6)]
    html = compare_html(many)
    assert html.count("<th data-result-id=") == MAX_COMPARE
    assert compare_url(many[:2]) == "/leaderboard?compare=res_0,res_1&version=v1"
    assert 'href="/leaderboard?compare=res_0,res_1,res_2,res_3&amp;version=v1"' in html


# ---- the app's logic on a filled store -------------------------------------------------------


@pytest.fixture
def lb(filled: Filled) -> Leaderboard:
    return Leaderboard(filled.store)


def test_compare_ignores_unknown_ids_and_other_tasks(lb: Leaderboard, filled: Filled) -> None:
    frugal, huge = filled.ids["acme/frugal-1b"], filled.ids["bigco/huge-30b"]
    vit = filled.ids["google/vit-base-patch16-224"]
    html = lb.compare("2026-11", ["res_unknown", frugal, vit, huge], "text_generation")
    heads = re.findall(r'<th data-result-id="([^"]+)"', html)
    assert heads == [frugal, huge]
    # The stars are the version's: huge-30b has 1 star in May 2026 and 3 in November 2026.
    assert "1 of 5 stars" in lb.compare("2026-05", [frugal, huge]) and "3 of 5 stars" in html
    assert "lb-compare-note" in lb.compare("2026-11", [frugal, "res_unknown"], "text_generation")
    # A result that is not in the version cannot be compared in it.
    zeta = filled.ids["zeta/mid-1b"]
    assert lb.compare_selection("2026-05", "text_generation", [zeta, frugal]) == [lb.data.result(frugal, "2026-05")]


def test_picker_keeps_chosen_results_of_the_task_and_drops_the_rest(lb: Leaderboard, filled: Filled) -> None:
    frugal, huge = filled.ids["acme/frugal-1b"], filled.ids["bigco/huge-30b"]
    view = lb.view("2026-11", "text_generation", "B")
    choices, kept = lb.compare_choices("2026-11", "text_generation", view, [frugal, huge, "res_unknown"])
    assert kept == [frugal, huge]
    # Class B hides frugal-1b from the table, but it stays chosen (added to the choices).
    ids = [rid for _, rid in choices]
    assert ids[0] == frugal and set(ids[1:]) == set(view["result_id"])
    assert choices == [(choices[0][0], frugal), *lb.model_choices(view)]
    # Another task: nothing of text generation can stay chosen.
    ic = lb.view("2026-11", "image_classification")
    choices, kept = lb.compare_choices("2026-11", "image_classification", ic, [frugal, huge])
    assert kept == [] and choices == lb.model_choices(ic)


def test_compare_link_preselects_results_and_opens_the_tab(lb: Leaderboard, filled: Filled) -> None:
    frugal, huge = filled.ids["acme/frugal-1b"], filled.ids["bigco/huge-30b"]
    vit = filled.ids["google/vit-base-patch16-224"]
    start = lb.initial_state({"compare": f" {huge},{frugal},{huge},nope,{vit}"})
    assert (start.version_id, start.task_id, start.compare, start.tab) == (
        "2026-11",
        "text_generation",
        (huge, frugal),
        "compare",
    )
    # The task comes from the first result found, unless the link names one.
    assert lb.initial_state({"compare": f"{vit},{frugal}"}).task_id == "image_classification"
    assert lb.initial_state({"compare": f"{vit},{frugal}", "task": "text_generation"}).compare == (frugal,)
    assert lb.initial_state({}).tab == "plots" and lb.initial_state({"result": frugal}).tab == "detail"
    assert split_ids("a, b,,a ,") == ["a", "b"]


# ---- in the browser ----------------------------------------------------------------------------

BATCH8 = Spec("text_generation", "acme/batch8-1b", 2.0, "A", config={"batch_size": 8})


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The two versions of fill_store, and a third adding a result run with another batch size."""
    filled = fill_store(tmp_path_factory.mktemp("lb-compare") / "store.sqlite3")
    filled.ids[BATCH8.model_id] = submit(filled.store, BATCH8, 40)
    filled.store.publish_version("2027-01", "January 2027")
    url, demo = serve(build_demo(filled.store))
    yield url, filled
    demo.close()


def pick(page: Any, model_id: str) -> None:
    """Choose a model in the Compare picker (typing filters the options, a click chooses one)."""
    box = page.locator("#lb-compare-pick input")
    box.click()
    box.fill(model_id)
    page.locator(f'[role=option][aria-label^="{model_id} ("]').click()


def compared(page: Any, ids: list[str]) -> None:
    """Wait until the comparison shows exactly these result columns, in order."""
    page.wait_for_function(
        "exp => JSON.stringify([...document.querySelectorAll('#lb-compare th[data-result-id]')]"
        ".map(th => th.dataset.resultId)) === JSON.stringify(exp)",
        arg=ids,
    )


@pytest.mark.browser
@pytest.mark.slow
def test_pick_two_models_and_see_what_differs(page: Any, served: Any) -> None:
    url, filled = served
    frugal, batch8 = filled.ids["acme/frugal-1b"], filled.ids[BATCH8.model_id]
    page.goto(url + "/")
    page.locator("#lb-table tbody td.model a").first.wait_for()
    page.get_by_role("tab", name="Compare").click()
    page.locator("#lb-compare .lb-compare-note").wait_for()

    pick(page, "acme/frugal-1b")
    page.locator("#lb-compare .lb-compare-note", has_text="One result chosen").wait_for()
    pick(page, BATCH8.model_id)
    compared(page, [frugal, batch8])
    table = page.locator("#lb-compare table.lb-compare")
    assert table.locator("thead a").all_inner_texts() == ["acme/frugal-1b", BATCH8.model_id]

    diff = table.locator(f"tr.{DIFF_CLASS}")
    assert diff.count() == 1
    assert diff.locator("th").inner_text().strip().endswith("batch_size")
    assert diff.locator("td").all_inner_texts() == ["1", "8"]
    # Highlighted for real: the page's CSS paints the differing row, not the others.
    same = table.locator("tr", has=page.locator("th", has_text=re.compile(r"^samples$")))
    paint = "el => getComputedStyle(el).backgroundColor"
    assert diff.locator("td").first.evaluate(paint) != same.locator("td").first.evaluate(paint)
    assert "1 setting differs" in page.locator("#lb-compare .lb-compare-summary").inner_text()

    # A search changes the view; the chosen results of the task stay chosen.
    page.locator("#lb-search textarea, #lb-search input").first.fill("bigco")
    page.wait_for_function("() => document.querySelectorAll('#lb-table tbody td.model a').length === 3")
    compared(page, [frugal, batch8])
    # Another task: they are not in its choices any more, and the note comes back.
    page.locator("#lb-task label", has_text="Image classification").click()
    page.locator("#lb-compare .lb-compare-note", has_text="Pick two").wait_for()
    assert "acme/frugal-1b" not in page.locator("#lb-compare-pick").inner_text()


@pytest.mark.browser
@pytest.mark.slow
def test_compare_link_opens_the_compare_tab(page: Any, served: Any) -> None:
    url, filled = served
    huge, frugal = filled.ids["bigco/huge-30b"], filled.ids["acme/frugal-1b"]
    page.goto(f"{url}/?compare={huge},{frugal}&version=2026-05")
    compared(page, [huge, frugal])
    assert page.locator("#lb-compare").is_visible()
    picked = page.locator("#lb-compare-pick").inner_text()
    assert "bigco/huge-30b" in picked and "acme/frugal-1b" in picked
    rows = {r.label: r.cells for r in parse_rows(page.locator("#lb-compare").inner_html())}
    assert rows["Energy vs the most frugal here"][1] == "1.00x"
    assert page.locator("#lb-compare .lb-stars[title='1 of 5 stars']").count() == 1  # huge-30b in May 2026
    # Removing one of the two leaves nothing to compare it with.
    page.locator("#lb-compare-pick .token", has_text="bigco/huge-30b").locator(".token-remove").click()
    page.locator("#lb-compare .lb-compare-note", has_text="One result chosen").wait_for()
