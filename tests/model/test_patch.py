"""The patch model: the tables a patch may touch are keyed by a column their files require."""

from __future__ import annotations

from intermodal.io.bundle import ADJUSTMENTS, CROSSINGS, FACTORS, LINKS, SERVICES, TARIFFS, TERMINALS
from intermodal.model.patch import PATCH_TABLES, Closure, Patch

COLUMNS = {
    "terminals": TERMINALS,
    "links": LINKS,
    "services": SERVICES,
    "crossings": CROSSINGS,
    "factors": FACTORS,
    "adjustments": ADJUSTMENTS,
    "tariffs": TARIFFS,
}


def test_every_patch_table_is_keyed_by_a_required_column_of_its_file() -> None:
    assert set(PATCH_TABLES) == set(COLUMNS)
    for table, key in PATCH_TABLES.items():
        assert COLUMNS[table][key].required, table


def test_a_patch_is_plain_immutable_data_and_an_undated_closure_is_for_good() -> None:
    patch = Patch(name="p", title_en="P", closures=(Closure("link", "a"),))
    assert patch.closures[0].start is None and patch.closures[0].end is None
    assert hash(patch.closures[0]) == hash(Closure("link", "a"))
