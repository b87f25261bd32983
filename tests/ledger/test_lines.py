"""Lines: built from scenario services, refreshed in place, grouped into commercial lines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from intermodal.exceptions import LedgerError
from intermodal.ledger import Ledger, Line, get_line, line_from_service, list_lines, upsert_lines


def test_lines_come_from_services_and_are_refreshed(sqlite_ledger: Ledger) -> None:
    service = {
        "id": "shuttle-east-nb",
        "name_en": "East line (Hanoi-Chongqing)",
        "name_zh": "东线",
        "capacity_teu": 2.0,
        "line": "shuttle-east",
    }
    line = line_from_service(service, zone="Asia/Ho_Chi_Minh")
    assert (line.commercial_line, line.zone, line.capacity_kg) == ("shuttle-east", "Asia/Ho_Chi_Minh", 28_000)
    assert upsert_lines(sqlite_ledger, [line]) == 1
    upsert_lines(sqlite_ledger, [Line("shuttle-east-nb", "Renamed", capacity_teu=Decimal("2.25"))])
    again = get_line(sqlite_ledger, "shuttle-east-nb")
    assert (again.name_en, again.capacity_teu) == ("Renamed", Decimal("2.25"))
    assert len(list_lines(sqlite_ledger)) == 7  # the six shuttle lines of the fixture, and this one


def test_bad_lines_are_refused(sqlite_ledger: Ledger) -> None:
    with pytest.raises(LedgerError, match="quarter steps"):
        Line("x", "X", capacity_teu=Decimal("2.1"))
    with pytest.raises(LedgerError, match="unknown line"):
        get_line(sqlite_ledger, "nope")
