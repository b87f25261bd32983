"""DCSA Track & Trace 2.2.0 JSON: the standard's schemas, and events to and from its messages.

The schemas are the standard's own (``intermodal/data/dcsa``, Apache 2.0 by DCSA, see its NOTICE.md). The
OpenAPI document nests each event as ``allOf`` chains of ``$ref``s under ``#/components/schemas``; each
event schema is validated with those references resolved inside that document.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator

from intermodal.exceptions import Problem

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "data" / "dcsa" / "tnt-2.2.0-schemas.json"
#: The schema of each eventType, by its name under ``#/components/schemas``.
SCHEMA_OF_TYPE = {"TRANSPORT": "transportEvent", "SHIPMENT": "shipmentEvent", "EQUIPMENT": "equipmentEvent"}
#: The field that carries an event's code, by eventType (2.2.0; ``eventTypeCode`` is the deprecated one).
CODE_FIELD = {
    "TRANSPORT": "transportEventTypeCode",
    "SHIPMENT": "shipmentEventTypeCode",
    "EQUIPMENT": "equipmentEventTypeCode",
}
#: Every id the ledger derives (a transport call, an event written before eventIDs were kept) is a UUID 5 in
#: this namespace, so that the same row exports with the same id every time.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/intermodal/intermodal/ledger/events")
# The DCSA facility type of a terminal kind (facilityTypeCodeTRN); kinds without a match give none.
_FACILITY_TYPE = {
    "border_crossing": "BOCR",
    "port": "POTE",
    "hub": "INTE",
    "rail_station": "INTE",
    "bonded_zone": "INTE",
    "customs": "INTE",
}
# The DCSA modeOfTransport of a network mode.
MODE_OF_TRANSPORT = {"road": "TRUCK", "rail": "RAIL", "inland_waterway": "BARGE", "sea": "VESSEL"}


@functools.cache
def schema_document() -> dict[str, Any]:
    """The 2.2.0 OpenAPI document's ``components.schemas`` (and ``info``), as shipped."""
    document: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return document


def _inlined(node: Any, schemas: Mapping[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """``node`` with every ``#/components/schemas/...`` reference replaced by the schema it names.

    The event schemas nest dozens of references; resolving them once makes validation about three times
    faster than resolving them on every event. The event schemas have no cycles; one would be a bug here.
    """
    if isinstance(node, Mapping):
        if "$ref" in node:
            name = str(node["$ref"]).rsplit("/", 1)[-1]
            if name in seen:
                raise ValueError(f"the DCSA schema {name} refers to itself")
            return _inlined(schemas[name], schemas, (*seen, name))
        return {key: _inlined(value, schemas, seen) for key, value in node.items()}
    if isinstance(node, list):
        return [_inlined(item, schemas, seen) for item in node]
    return node


@functools.cache
def _validators() -> dict[str, Draft4Validator]:
    schemas = schema_document()["components"]["schemas"]
    return {
        kind: Draft4Validator(_inlined(schemas[name], schemas), format_checker=Draft4Validator.FORMAT_CHECKER)
        for kind, name in SCHEMA_OF_TYPE.items()
    }


def schema_problems(message: Any, *, file: str | None = None, where: str = "") -> list[Problem]:
    """What is wrong with one event message by the 2.2.0 schema of its ``eventType`` (empty if nothing)."""
    if not isinstance(message, Mapping):
        return [Problem("an event must be a JSON object", file=file, field=where or None)]
    event_type = message.get("eventType")
    validator = _validators().get(event_type) if isinstance(event_type, str) else None
    if validator is None:
        return [
            Problem(
                "unknown eventType",
                file=file,
                field=f"{where}.eventType" if where else "eventType",
                found=str(event_type)[:40],
                expected=", ".join(SCHEMA_OF_TYPE),
            )
        ]
    problems = []
    for error in sorted(validator.iter_errors(message), key=lambda e: list(map(str, e.absolute_path))):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            path = f"{path}.{missing}" if missing else path
        problems.append(
            Problem(
                "not DCSA Track & Trace 2.2.0",
                file=file,
                field=f"{where}{path}".lstrip(".") or None,
                found=None if error.validator == "required" else _short(error.instance),
                expected=error.message[:200] if error.validator != "required" else "a required field",
            )
        )
    return problems


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def derived_uuid(*parts: object) -> str:
    """A stable UUID for a thing the ledger knows by other keys (a row id, a departure and a place)."""
    return str(uuid.uuid5(NAMESPACE, "|".join(str(p) for p in parts)))


def utc_text(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as DCSA writes metadata times."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def facility_type(kind: str | None) -> str | None:
    return _FACILITY_TYPE.get(kind or "")


def looks_like_locode(place: str) -> bool:
    """Whether ``place`` has the shape of a UN/LOCODE (two letters of country, three of place)."""
    return len(place) == 5 and place[:2].isalpha() and place.isupper() and place.isalnum()
