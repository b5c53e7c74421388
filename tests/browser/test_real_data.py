"""Real data in a real browser: a 4-column iris CSV uploaded to the Playground, its petal
columns picked for the map, and Play trains it live with the axes in centimetres."""

import re

import numpy as np
import pytest
from sklearn.datasets import load_iris

from .test_classroom import STATUS, chart, no_errors, open_playground

pytestmark = pytest.mark.browser


def iris_csv() -> str:
    b = load_iris()
    rows = ["sepal length,sepal width,petal length,petal width,species"]
    rows += [",".join([*(f"{v:g}" for v in x), str(b.target_names[c])])
             for x, c in zip(b.data, b.target, strict=True)]
    return "\n".join(rows) + "\n"


def pick(page, label: str, option: str) -> None:
    """Choose `option` in the sidebar's select box labelled `label`. The sidebar may still be
    redrawing after the upload, which closes a list just opened: open it again (three tries)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label,
                                                                exact=True)
    choice = page.get_by_role("option", name=option, exact=True)
    for attempt in range(3):
        box.click()
        try:
            choice.wait_for(timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    choice.click()
    page.wait_for_timeout(1500)


def epoch_and_accuracy(page) -> tuple[int, float]:
    text = page.locator(STATUS).inner_text()
    m = re.search(r"Epoch ([\d,]+).*test accuracy ([\d.]+) %", text)
    assert m, text
    return int(m.group(1).replace(",", "")), float(m.group(2))


def test_a_four_column_csv_uploads_and_plays(page, page_url, tmp_path, artifacts):
    open_playground(page, page_url)
    page.get_by_role("tab", name="Data & files").click()
    csv = tmp_path / "iris.csv"
    csv.write_text(iris_csv())
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').nth(2).set_input_files(str(csv))
    page.get_by_text("Loaded 150 points from iris.csv (4 columns; 3 classes: setosa, "
                     "versicolor, virginica)").first.wait_for(timeout=20_000)
    pick(page, "Map x₁", "petal length")
    pick(page, "Map x₂", "petal width")
    no_errors(page)
    titles = chart(page, "map").evaluate(
        "el => [el._fullLayout.xaxis.title.text, el._fullLayout.yaxis.title.text]")
    assert titles == ["x₁: petal length", "x₂: petal width"]

    page.get_by_role("button", name="Play", exact=True).click()
    page.get_by_role("button", name="Pause", exact=True).wait_for()
    page.wait_for_function(
        """() => { const m = document.querySelector('h4.nnp-status').textContent
                     .match(/^Epoch ([\\d,]+)/);
                   return m && Number(m[1].replaceAll(',', '')) >= 100; }""", timeout=60_000)
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for()
    page.wait_for_timeout(1000)
    epoch, accuracy = epoch_and_accuracy(page)
    assert epoch >= 100 and accuracy >= 90, (epoch, accuracy)

    # The map spans the petals' own centimetres, each axis its own range, points inside it.
    x0, x1, y0, y1 = chart(page, "map").evaluate(
        "el => [...el._fullLayout.xaxis.range, ...el._fullLayout.yaxis.range]")
    data = load_iris().data
    assert x0 < data[:, 2].min() and data[:, 2].max() < x1 < 8.5
    assert y0 < data[:, 3].min() and data[:, 3].max() < y1 < 3.5
    assert not np.isclose(x1 - x0, y1 - y0)
    title = chart(page, "map").evaluate("el => el._fullLayout.title.text")
    assert "2 other inputs held at their medians" in title
    no_errors(page)
    page.screenshot(path=artifacts / "iris_petals.png", full_page=True)
