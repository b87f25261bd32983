"""Calibration recovers the distributions the demo history was drawn from, and its on-time probabilities
forecast held-out months better than the timetable alone (docs/calibration.md)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from intermodal.exceptions import LedgerError
from intermodal.io import load_scenario
from intermodal.ledger import Ledger, line_from_service, load_demo, open_ledger
from intermodal.ledger import _schema as s
from intermodal.ledger.calibration import Calibration, calibrate, check_forecasts
from intermodal.ledger.demo import DEMO_TIMES
from intermodal.model import Bundle
from intermodal.planners.reliability import timetable_hours

FIT = "2019"
HELD_OUT = ("2020-01", "2020-02", "2020-03")


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    return load_scenario("chongqing")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, bundle: Bundle) -> Iterator[Ledger]:
    """The demo history of 2019 and 2020Q1 on the scenario's shuttle services (both directions)."""
    ledger = open_ledger(str(tmp_path_factory.mktemp("calibration") / "demo.sqlite3"))
    lines = [
        line_from_service(sv, zone=bundle.terminals[sv.stops[0].terminal_id].timezone)
        for sv in bundle.services
        if (sv.line or sv.id).startswith("shuttle-")
    ]
    load_demo(ledger, lines, quarters=["2019Q1", "2019Q2", "2019Q3", "2019Q4", "2020Q1"])
    yield ledger
    ledger.dispose()


@pytest.fixture(scope="module")
def fitted(demo: Ledger, bundle: Bundle) -> Calibration:
    return calibrate(demo, FIT, crossings=set(bundle.crossings), planned_h=timetable_hours(bundle))


def _within(found: float, truth: float, share: float = 0.05) -> bool:
    return abs(found / truth - 1.0) <= share


def test_fitted_medians_are_within_5_percent_of_the_generating_distributions(
    fitted: Calibration, bundle: Bundle
) -> None:
    rel = fitted.reliability
    line_of = {sv.id: sv.line or sv.id for sv in bundle.services}
    # every shuttle service, crossing and hub of the demo is fitted
    assert set(rel.services) == {sid for sid, line in line_of.items() if line.startswith("shuttle-")}
    assert set(rel.crossings) == {c for c, _ in DEMO_TIMES.crossing.values()}
    for sid, spread in rel.services.items():
        truth = DEMO_TIMES.transit[line_of[sid]]
        assert _within(spread.median_h, truth.median_h), (sid, spread.median_h, truth.median_h)
        assert spread.planned_h == timetable_hours(bundle)[sid]
    for cid, spread in rel.crossings.items():
        truth = DEMO_TIMES.clearance[cid]
        assert _within(spread.median_h, truth.median_h), (cid, spread.median_h, truth.median_h)
    for hub, spread in rel.hubs.items():
        truth = DEMO_TIMES.dwell(hub)
        assert _within(spread.median_h, truth.median_h), (hub, spread.median_h, truth.median_h)
    # spreads are found too (looser: a standard deviation is known less well than a median)
    for spread in [*rel.services.values(), *rel.crossings.values(), *rel.hubs.values()]:
        assert 0.05 < spread.sigma < 0.5


def test_every_fit_says_where_it_was_measured_and_from_how_many(fitted: Calibration, demo: Ledger) -> None:
    rel = fitted.reliability
    for spread in [*rel.services.values(), *rel.crossings.values(), *rel.hubs.values()]:
        assert spread.source == f"measured: ledger 2019, n = {spread.n}"
        assert spread.n >= 20
    with demo.reading() as connection:
        trips = Counter(
            connection.execute(
                select(s.departures.c.line_id).where(
                    s.departures.c.service_date >= dt.date(2019, 1, 1),
                    s.departures.c.service_date < dt.date(2020, 1, 1),
                )
            ).scalars()
        )
    # one transit sample and one load factor per trip, every trip of the year
    assert {sid: sp.n for sid, sp in rel.services.items()} == dict(trips)
    assert {sid: lf.n for sid, lf in rel.load_factors.items()} == dict(trips)
    assert fitted.trips == sum(trips.values())
    # the demo loads every truck full (2 TEU on 2-TEU trucks)
    assert all(lf.mean == 1.0 for lf in rel.load_factors.values())


@pytest.mark.parametrize("month", HELD_OUT)
def test_on_held_out_months_the_fit_beats_the_timetable_on_the_brier_score(
    demo: Ledger, bundle: Bundle, fitted: Calibration, month: str
) -> None:
    scores = check_forecasts(demo, month, fitted.reliability, planned_h=timetable_hours(bundle))
    assert scores.trips > 100
    # some trips are late and some on time, so the check can tell forecasts apart
    assert 0.2 < scores.on_time < 0.95
    assert scores.calibrated < scores.timetable
    # the timetable says 1 for every trip with slack >= 0: its score is the share of trips late
    assert scores.timetable == pytest.approx(1.0 - scores.on_time)


def test_a_period_without_trips_is_refused_and_says_n(demo: Ledger, bundle: Bundle) -> None:
    with pytest.raises(LedgerError) as caught:
        calibrate(demo, "2018", crossings=set(bundle.crossings), planned_h=timetable_hours(bundle))
    (problem,) = caught.value.problems
    assert problem.field == "period"
    assert problem.found == "2018: n = 0"
    assert "at least 20" in (problem.expected or "")


def test_a_month_with_too_few_trips_for_the_minimum_is_refused(demo: Ledger, bundle: Bundle) -> None:
    with pytest.raises(LedgerError) as caught:
        calibrate(
            demo, "2019-01", crossings=set(bundle.crossings), planned_h=timetable_hours(bundle), min_n=1000
        )
    (problem,) = caught.value.problems
    assert problem.found is not None and problem.found.startswith("2019-01: n = ")


def test_elements_with_too_few_samples_are_listed_not_fitted(demo: Ledger, bundle: Bundle) -> None:
    month = calibrate(demo, "2019-01", crossings=set(bundle.crossings), planned_h=timetable_hours(bundle))
    # January 2019 has about 60 trips: the thin lines cannot be fitted from it, and are named with their n
    assert month.skipped
    assert all(": n = " in line for line in month.skipped)
    assert not set(month.reliability.services) & {line.split()[1].rstrip(":") for line in month.skipped}


@pytest.mark.parametrize("bad", ["2019Q5", "last year", ""])
def test_a_bad_period_is_named(demo: Ledger, bundle: Bundle, bad: str) -> None:
    with pytest.raises(LedgerError) as caught:
        calibrate(demo, bad, crossings=set(bundle.crossings), planned_h=timetable_hours(bundle))
    assert caught.value.problems[0].field == "period"


def test_no_trips_to_check_is_refused(demo: Ledger, bundle: Bundle, fitted: Calibration) -> None:
    with pytest.raises(LedgerError) as caught:
        check_forecasts(demo, "2021", fitted.reliability, planned_h=timetable_hours(bundle))
    assert caught.value.problems[0].found == "2021: n = 0"


def test_the_fit_is_the_same_on_the_same_seed(tmp_path: Path, bundle: Bundle, fitted: Calibration) -> None:
    # a second demo from the same seed, only the fitted year: the same times, the same fit
    ledger = open_ledger(str(tmp_path / "again.sqlite3"))
    lines = [
        line_from_service(sv, zone=bundle.terminals[sv.stops[0].terminal_id].timezone)
        for sv in bundle.services
        if (sv.line or sv.id).startswith("shuttle-")
    ]
    load_demo(ledger, lines, quarters=["2019Q1", "2019Q2", "2019Q3", "2019Q4", "2020Q1"])
    again = calibrate(ledger, FIT, crossings=set(bundle.crossings), planned_h=timetable_hours(bundle))
    ledger.dispose()
    assert again.reliability == fitted.reliability


def test_each_backend_measures_the_demo(ledger: Ledger, bundle: Bundle) -> None:
    # the built-in lines (one direction each) on SQLite and on PostgreSQL; a quarter is fewer trips than a
    # year, so the medians are looser
    load_demo(ledger, quarters=["2019Q3"])
    measured = calibrate(ledger, "2019Q3", crossings=set(bundle.crossings), planned_h=timetable_hours(bundle))
    assert measured.trips == 300
    assert {"youyiguan", "mohan", "ruili", "dongxing"} == set(measured.reliability.crossings)
    for sid, spread in measured.reliability.services.items():
        assert _within(spread.median_h, DEMO_TIMES.transit[sid].median_h, 0.08), sid
