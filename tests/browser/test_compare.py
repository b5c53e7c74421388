"""The Compare page in a real browser: a preset plays, every run's epoch count advances, the
charts update in place, Pause stops them."""

import pytest

pytestmark = pytest.mark.browser

ROWS = '[data-testid="stTable"] tbody tr'


def run_epochs(page) -> dict[str, int]:
    """The results table as {run label: epoch}."""
    rows = page.locator(ROWS)
    out = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("th, td").all_inner_texts()
        out[cells[0].strip()] = int(cells[1].replace(",", ""))
    return out


def chart_stats(page, key: str) -> dict:
    return page.evaluate(f"(window.__nnp || {{}})[{key!r}] || {{}}")


def test_a_preset_plays_and_every_run_advances(page, page_url, artifacts):
    page.goto(page_url("Compare"))
    page.get_by_text("Classroom demos").wait_for()
    page.locator(ROWS).first.wait_for()
    page.get_by_role("button", name="SGD vs momentum vs Adam").click()
    page.get_by_role("button", name="Pause", exact=True).wait_for()

    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stTable\"] tbody tr')]"
        ".filter(r => parseInt(r.querySelectorAll('th, td')[1].innerText.replace(/,/g, '')) > 0)"
        ".length === 3", timeout=30_000)
    first = run_epochs(page)
    maps0 = chart_stats(page, "cmp_maps").get("updates", 0)
    page.wait_for_timeout(2500)
    second = run_epochs(page)
    maps = chart_stats(page, "cmp_maps")

    assert list(first) == ["SGD", "Momentum", "Adam"]
    rows = page.locator(ROWS)
    dump = [rows.nth(i).locator("th, td").all_inner_texts() for i in range(rows.count())]
    assert all(second[k] > first[k] for k in first), (first, second, dump)
    assert maps["updates"] > maps0 and maps["mounts"] == 1
    assert chart_stats(page, "cmp_loss")["mounts"] == 1
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=artifacts / "compare.png", full_page=True)

    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for()
    page.wait_for_timeout(1000)
    paused = run_epochs(page)
    page.wait_for_timeout(1500)
    assert run_epochs(page) == paused
    assert len(set(paused.values())) == 1  # lockstep
