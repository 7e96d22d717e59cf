"""The room's spread (pages/room.py), through Streamlit's AppTest: the stored runs of the
lesson's experiment, whatever their seeds, pooled into one chart."""
from __future__ import annotations

import json

from tests.test_app import assert_clean, chart_data, open_page
from vgcore.runs import run_config
from vgcore.store import open_store
from vgcore.workshop.experiments import PAGE_EXPERIMENTS

PATH = "pages/room.py"


def test_an_empty_room_says_how_runs_arrive():
    at = open_page(PATH, lesson="loss_curves", epochs="1", width="7")
    assert_clean(at)
    assert any("No stored run of this experiment yet" in i.value for i in at.info)


def test_the_room_pools_every_learners_seeds():
    """Three learners with seeds 0, 1, 2 and one with seed 5 and two repeats: five seeds
    from four runs; a run of other settings is not the room's."""
    link = PAGE_EXPERIMENTS["loss_curves"].config.replace(epochs=1, n_seeds=1)
    store = open_store()
    for config in [link.replace(seed=s) for s in (0, 1, 2)] + \
            [link.replace(seed=5, n_seeds=2), link.replace(seed=9, lr=0.05)]:
        store.put(config, run_config(config))
    at = open_page(PATH, lesson="loss_curves", epochs="1")
    assert_clean(at)
    said = " ".join(m.value for m in at.markdown)
    assert "**5 seeds in this room**, from 4 stored runs (seeds 0, 1, 2, 5, 6)" in said
    beats = [m.value for m in at.markdown if " beat " in m.value]
    assert beats and all("of 5 seeds (final test accuracy)" in b for b in beats)
    table = at.dataframe[0].value
    assert list(table["seeds"]) == [5] * len(link.activations)
    accuracy = chart_data(at, "Accuracy of every run")
    seeds = accuracy["seed"].dropna()            # the rest: the median's rows
    assert sorted(seeds.astype(int).unique()) == [0, 1, 2, 5, 6]
    assert set(accuracy["activation"]) == set(link.activations)
    spec = [s for t, s in _specs(at) if "Accuracy of every run" in t][0]
    assert "range over 5 seeds" in json.dumps(spec["title"])


def test_a_room_of_twelve_seeds_draws_the_middle_half():
    """From ten seeds on the band and the table are the median and interquartile range:
    a room's one wild seed does not set the band's edge."""
    link = PAGE_EXPERIMENTS["loss_curves"].config.replace(epochs=1, hidden=(8, 8, 8),
                                                          n_seeds=1)
    store = open_store()
    for config in (link.replace(seed=0, n_seeds=10), link.replace(seed=10),
                   link.replace(seed=11)):
        store.put(config, run_config(config))
    at = open_page(PATH, lesson="loss_curves", epochs="1", width="8")
    assert_clean(at)
    assert "**12 seeds in this room**, from 3 stored runs" in \
        " ".join(m.value for m in at.markdown)
    table = at.dataframe[0].value
    column = "final test accuracy: median (interquartile range)"
    assert column in table and all("IQR" in cell for cell in table[column])
    spec = [s for t, s in _specs(at) if "Accuracy of every run" in t][0]
    assert "interquartile range over 12 seeds" in json.dumps(spec["title"])


def _specs(at):
    """(title text, spec) of every chart on the page."""
    out = []
    for el in at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart"):
        spec = json.loads(el.proto.spec)
        out.append((json.dumps(spec.get("title", "")), spec))
    return out
