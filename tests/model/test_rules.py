"""The cargo rules on the Chongqing scenario: the cases users asked about, and the planner obeying them."""

from __future__ import annotations

import dataclasses

import pytest

from intermodal.io.scenarios import load_scenario
from intermodal.model import Bundle, Cargo, CargoKind
from intermodal.model.rules import crosses_border, service_problems, terminal_problems


@pytest.fixture(scope="module")
def chongqing() -> Bundle:
    return load_scenario("chongqing")


def test_class_1_1_is_refused_on_the_middle_shuttle_and_its_class_3_is_carried(chongqing: Bundle) -> None:
    middle = chongqing.service("shuttle-middle")
    (problem,) = service_problems(middle, Cargo(CargoKind.DANGEROUS, "1.1"), teu=2)
    assert "class 1.1" in problem.message and problem.found == "dg:1.1"
    assert service_problems(middle, Cargo(CargoKind.DANGEROUS, "3"), teu=2) == []


def test_capacity_and_reefer_rules(chongqing: Bundle) -> None:
    middle = chongqing.service("shuttle-middle")
    assert [p.found for p in service_problems(middle, Cargo(), teu=2.25)] == ["2.25 TEU"]
    hanoi_rail = chongqing.service("guoyuan-hanoi-rail")
    assert "reefer" in service_problems(hanoi_rail, Cargo(CargoKind.REEFER), teu=1)[0].message
    no_plugs = [t for t in chongqing.terminals.values() if not t.reefer]
    assert no_plugs and terminal_problems(no_plugs[0], Cargo(CargoKind.REEFER))


def test_the_shuttles_cross_a_border_and_the_yangtze_liner_does_not(chongqing: Bundle) -> None:
    assert crosses_border(chongqing.service("shuttle-middle"), chongqing.terminals)
    assert not crosses_border(chongqing.service("yangtze-down"), chongqing.terminals)


def test_a_reefer_shipment_larger_than_a_services_plugs_is_refused_and_general_cargo_is_not(
    chongqing: Bundle,
) -> None:
    train = chongqing.service("railsea-south")  # 100 TEU, 20 TEU of reefer plugs (services.csv)
    assert train.reefer_plugs_teu == 20
    (problem,) = service_problems(train, Cargo(CargoKind.REEFER), teu=22)
    assert "at most 20 TEU of reefer" in problem.message and problem.found == "22 TEU reefer"
    assert service_problems(train, Cargo(CargoKind.REEFER), teu=20) == []
    assert service_problems(train, Cargo(), teu=22) == []
    uncounted = dataclasses.replace(train, reefer_plugs_teu=None)
    assert service_problems(uncounted, Cargo(CargoKind.REEFER), teu=22) == []
