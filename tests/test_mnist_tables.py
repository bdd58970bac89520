"""The search-table helpers the chapters share: Δ against each step's reference step."""

from __future__ import annotations

import pandas as pd

from hw7.mnist import tables

SEARCH = pd.DataFrame({"id": ["a", "b", "c"], "change": ["start", "wider", "dropout"],
                       "mean": [0.97, 0.9785, 0.9760], "sd": [0.001, 0.0005, 0.002],
                       "params": [100, 200, 200], "seconds": [1.0, 2.4, 3.6]})


def test_delta_and_mean_in_points_and_percent():
    assert tables.delta_points(SEARCH, "b", "a") == "+0.85"
    assert tables.delta_points(SEARCH, "c", "b") == "-0.25"
    assert tables.mean_pct(SEARCH, "c") == "97.60 %"


def test_search_report_uses_each_rows_reference():
    report = tables.search_report(SEARCH, {"a": None, "b": "a", "c": "a"})
    assert report["Δ (points)"].tolist() == ["", "+0.85", "+0.60"]
    assert report["val. accuracy (%)"].tolist()[1] == "97.85 ± 0.05"
    assert report["parameters"].tolist() == ["100", "200", "200"]

