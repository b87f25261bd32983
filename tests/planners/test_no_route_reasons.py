"""Why no route exists, as data: a stable code and its parameters beside each English sentence."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

import intermodal as im

MINI = Path(__file__).parents[1] / "io" / "bundles" / "mini"
READY = "2020-04-03T08:00+08:00"


@pytest.fixture(scope="module")
def chongqing() -> im.Bundle:
    return im.load_scenario("chongqing")


def test_a_late_arrival_gives_its_times_as_iso_strings(chongqing: im.Bundle) -> None:
    s = im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY, due="2020-04-05T08:00+08:00")
    with pytest.raises(im.NoRouteError) as err:
        im.find_routes(chongqing, "nanpeng", "bangkok", s)
    (detail,) = err.value.details
    assert detail["code"] == "late"
    assert detail["origin"] == "nanpeng" and detail["destination"] == "bangkok"
    due, earliest = (
        datetime.fromisoformat(str(detail["due"])),
        datetime.fromisoformat(str(detail["earliest"])),
    )
    assert earliest > due and earliest.utcoffset() is not None
    assert float(detail["hours_late"]) == pytest.approx((earliest - due).total_seconds() / 3600, abs=0.1)
    # the English sentence stays, for the CLI
    assert err.value.reasons[0].startswith("no option from nanpeng to bangkok arrives by the due time")


def test_cargo_rules_name_what_blocks_them(chongqing: im.Bundle) -> None:
    b = im.load_bundle(MINI)
    s = im.make_shipment(b, teu=1, cargo="dg:8", ready=READY)
    with pytest.raises(im.NoRouteError) as err:
        im.find_routes(b, "hub", "city", s)
    (detail,) = err.value.details
    assert detail["code"] == "cargo_not_carried" and detail["cargo"] == "dg" and detail["dg_class"] == "8"
    blockers = detail["blockers"]
    assert isinstance(blockers, list) and blockers
    codes = {x["code"] for x in blockers}
    assert codes <= {"terminal_no_dg", "service_no_dg", "link_no_dg"}
    for blocker in blockers:
        named = blocker.get("terminal") or blocker.get("service") or blocker.get("link")
        assert named and named in err.value.reasons[0]


def test_plain_string_reasons_still_work() -> None:
    err = im.NoRouteError(["no world road between them"])
    assert err.reasons == ["no world road between them"] and err.details == []
