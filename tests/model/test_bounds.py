"""The bounds on what comes in: each check names the field, what was found and what was expected; every
value inside the bounds survives the arithmetic done on it; and the route CLI and API both apply them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from intermodal.exceptions import ShipmentError
from intermodal.io import load_scenario
from intermodal.ledger._values import money_to_minor, teu_problem, tonnes_to_kg
from intermodal.model.bounds import (
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_CAPACITY_KG,
    MAX_ID,
    MAX_SEARCH_DAYS,
    MAX_TONNES,
    MAX_VALUE,
    MAX_WINDOW_DAYS,
    id_problem,
    quantity_problem,
    time_problem,
    window_problem,
)
from intermodal.planners.shipments import make_shipment, parse_time
from intermodal.services.api import Settings, create_app
from intermodal.services.cli import app

INT64 = 2**63 - 1
_CHONGQING = load_scenario("chongqing")


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "Asia/Shanghai", "UTC"])
def test_the_extreme_dates_survive_zones_and_the_search_horizon(zone: str) -> None:
    first = dt.datetime.combine(EARLIEST_DATE, dt.time(0, 0), tzinfo=ZoneInfo(zone))
    last = dt.datetime.combine(LATEST_DATE, dt.time(23, 59), tzinfo=ZoneInfo(zone))
    for when in (first, last):
        assert time_problem(when, field="ready") is None
        # what the planner and the ledger do with a time: UTC, epoch seconds, a horizon ahead, local again
        utc = when.astimezone(dt.UTC)
        ahead = utc + dt.timedelta(days=MAX_SEARCH_DAYS)
        assert ahead.astimezone(ZoneInfo(zone)).year < 9999
        assert (utc - dt.timedelta(days=1)).year > 1
        assert int(ahead.timestamp()) < INT64


def test_the_largest_quantities_fit_the_ledgers_64_bit_columns() -> None:
    assert MAX_VALUE * 100 < INT64  # value in minor units
    assert MAX_TONNES * 1000 < INT64 and MAX_CAPACITY_KG < INT64  # weight in kg
    assert MAX_ID == INT64


@pytest.mark.parametrize("when", ["0001-01-01T00:00+08:00", "9999-12-31", "1900-04-03T09:00", "2101-01-01"])
def test_a_date_out_of_range_is_named(when: str) -> None:
    problem = time_problem(dt.datetime.fromisoformat(when), field="departs")
    assert problem is not None and problem.field == "departs"
    assert "1970-01-01 to 2100-12-31" in str(problem.expected)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (0, "greater than 0"),
        (-0.0, "greater than 0"),
        (Decimal("-0"), "greater than 0"),
        (-1, "greater than 0"),
        (float("nan"), "not a finite number"),
        (float("inf"), "not a finite number"),
        (Decimal("NaN"), "not a finite number"),
        (1e308, "too large"),
        (Decimal("1e30"), "too large"),
        (Decimal("9" * 5000), "too large"),
    ],
)
def test_a_quantity_out_of_range_is_named(value: float | Decimal, says: str) -> None:
    problem = quantity_problem(value, field="teu", maximum=10_000)
    assert problem is not None and says in problem.message and problem.field == "teu"
    assert problem.expected == "a number > 0 and <= 10,000"


def test_zero_is_allowed_where_it_means_something() -> None:
    assert quantity_problem(0, field="value", maximum=10, zero=True) is None
    assert quantity_problem(Decimal("-0"), field="value", maximum=10, zero=True) is None
    assert quantity_problem(10, field="value", maximum=10) is None


@pytest.mark.parametrize("key", [2**63, "99999999999999999999999", "9" * 5000, 0, -1, "0"])
def test_an_id_no_database_holds_is_an_unknown_one(key: int | str) -> None:
    problem = id_problem(key, field="departure", what="departure")
    assert problem is not None and problem.message.startswith("unknown departure")
    assert len(str(problem)) < 300  # a 5,000-digit id is not echoed whole


def test_an_id_in_range_passes() -> None:
    assert id_problem(MAX_ID, field="d", what="departure") is None
    assert id_problem("00000000000000000000001", field="d", what="departure") is None


def test_the_window_is_at_most_sixty_days() -> None:
    ready = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    assert window_problem(ready, ready + dt.timedelta(days=MAX_WINDOW_DAYS)) is None
    problem = window_problem(ready, ready + dt.timedelta(days=MAX_WINDOW_DAYS, seconds=1))
    assert problem is not None and problem.field == "due"


def test_make_shipment_bounds_dates_quantities_and_the_window() -> None:
    bundle = load_scenario("chongqing")
    with pytest.raises(ShipmentError) as caught:
        make_shipment(
            bundle, teu=1e308, tonnes=float("inf"), value=1e30, ready="9999-12-31", due="0001-01-01"
        )
    assert {p.field for p in caught.value.problems} == {"teu", "tonnes", "value", "ready", "due"}
    with pytest.raises(ShipmentError) as caught:
        make_shipment(bundle, ready="2020-01-01T00:00+08:00", due="2999-01-01T00:00+08:00")
    assert [p.field for p in caught.value.problems] == ["due"]
    with pytest.raises(ShipmentError) as caught:
        make_shipment(bundle, ready="2020-01-01T00:00+08:00", due="2020-06-01T00:00+08:00")
    assert caught.value.problems[0].message == "due is too far after ready"
    with pytest.raises(ShipmentError):  # a datetime given directly is bounded too
        make_shipment(bundle, ready=dt.datetime(1900, 1, 1, tzinfo=dt.UTC))
    assert make_shipment(bundle, ready="2100-12-31T23:59-12:00").ready.year == 2100
    with pytest.raises(ShipmentError):
        parse_time("0001-01-01", field="ready")


@pytest.mark.parametrize(
    "args",
    [
        ["--ready", "9999-12-01T00:00:00+08:00"],
        ["--ready", "0001-01-01T00:00:00+08:00"],
        ["--ready", "2020-01-01T00:00+08:00", "--due", "2999-01-01"],
        ["--teu", "1e308"],
        ["--value", "inf"],
    ],
)
def test_the_route_command_refuses_out_of_range_input_with_exit_2(args: list[str]) -> None:
    result = CliRunner().invoke(app, ["route", "--from", "nanpeng", "--to", "bangkok", *args])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_route_command_at_the_last_date_answers_without_a_traceback() -> None:
    result = CliRunner().invoke(
        app, ["route", "--from", "nanpeng", "--to", "bangkok", "--ready", "2100-12-31"]
    )
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    "fields",
    [
        {"ready": "9999-12-31"},
        {"ready": "0001-01-01"},
        {"ready": "2020-01-01T00:00+08:00", "due": "2999-01-01T00:00+08:00"},
        {"ready": "2020-01-01", "due": "2999-01-01"},  # naive times: the window is the library's too
    ],
)
def test_the_route_api_answers_422_naming_the_field(tmp_path: Path, fields: dict[str, str]) -> None:
    settings = Settings(tokens_file=tmp_path / "tokens.json", bundles_dir=tmp_path / "bundles")
    with TestClient(create_app(settings)) as client:
        answer = client.post("/api/routes", json={"from": "nanpeng", "to": "bangkok", **fields})
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["errors"][0]["field"] in ("ready", "due")


_NUMBERS = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**70), 2**70))
_TIMES = st.one_of(
    st.none(),
    st.datetimes(
        timezones=st.sampled_from([None, dt.UTC, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Etc/GMT+12")])
    ),
    st.datetimes().map(lambda d: d.isoformat()),
    st.text(max_size=30),
)


@settings(max_examples=300, deadline=None)
@given(teu=_NUMBERS, tonnes=_NUMBERS, value=_NUMBERS, ready=_TIMES, due=_TIMES)
def test_make_shipment_answers_a_shipment_within_bounds_or_a_shipment_error(
    teu: float | None, tonnes: float | None, value: float | None, ready: object, due: object
) -> None:
    try:
        made = make_shipment(
            _CHONGQING,
            teu=teu,
            tonnes=tonnes,
            value=value,
            ready=ready,  # type: ignore[arg-type]
            due=due,  # type: ignore[arg-type]
        )
    except ShipmentError as error:
        assert error.problems and all(p.field for p in error.problems)
        return
    assert 0 < made.teu <= 10_000 and 0 < made.tonnes <= MAX_TONNES
    utc = made.ready.astimezone(dt.UTC) if made.ready.tzinfo else made.ready
    assert (utc + dt.timedelta(days=MAX_SEARCH_DAYS)).year < 9999  # the search horizon stays in range


@settings(max_examples=300, deadline=None)
@given(
    value=st.one_of(
        st.text(max_size=40),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.floats(),
        st.integers(-(2**80), 2**80),
        st.from_regex(r"-?[0-9]{0,400}(\.[0-9]{0,40})?([eE][-+]?[0-9]{1,12})?", fullmatch=True),
    )
)
def test_the_ledgers_numbers_are_a_value_or_a_problem_never_an_exception(value: object) -> None:
    for problem in (teu_problem(value), tonnes_to_kg(value)[1], money_to_minor(value)[1]):
        assert problem is None or problem.field
    kg, problem = tonnes_to_kg(value)
    assert (kg is None) != (problem is None)
    if kg is not None:
        assert 0 < kg <= MAX_TONNES * 1000
    minor, problem = money_to_minor(value)
    if minor is not None:
        assert 0 <= minor <= MAX_VALUE * 100


def test_a_shipment_made_any_other_way_is_bounded_too() -> None:
    made = make_shipment(_CHONGQING, teu=2, ready="2020-04-03T08:00+08:00")
    with pytest.raises(ShipmentError) as caught:
        dataclasses.replace(made, ready=dt.datetime(9999, 12, 31, tzinfo=dt.UTC), teu=float("inf"))
    assert {p.field for p in caught.value.problems} == {"ready", "teu"}


@pytest.mark.parametrize("ready", ["1970-01-01T00:00+14:00", "2100-12-31T23:59-12:00"])
def test_the_route_api_at_the_extreme_dates_answers_without_a_500(tmp_path: Path, ready: str) -> None:
    settings = Settings(tokens_file=tmp_path / "tokens.json", bundles_dir=tmp_path / "bundles")
    query = {"from": "nanpeng", "to": "bangkok", "ready": ready, "range_days": 14}
    with TestClient(create_app(settings)) as client:
        answer = client.post("/api/routes", json=query)
    assert answer.status_code in (200, 422), answer.text
    if answer.status_code == 422:
        assert answer.json()["type"] == "/problems/no-route"
