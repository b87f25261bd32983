"""The ledger's tables, as SQLAlchemy Core metadata.

Alembic migrations in ``migrations/versions`` create these tables; this module is what the code queries
through, and a test checks that the two agree. Quantities are stored so that sums are exact on every backend:

- TEU as a decimal in quarter steps (20 ft = 1, 40 ft = 2, 40 ft high cube = 2.25): quarters are exact binary
  fractions, so SQLite's REAL arithmetic adds them without error;
- weight as whole kilograms;
- money as whole minor units (fen, cents) beside its ISO 4217 currency, read back as ``Decimal``;
- timestamps as naive UTC (see :class:`UTCDateTime`); each departure keeps its terminal's IANA zone to show.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# Names for constraints, so that migrations and error messages can refer to them on every backend.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime, stored as naive UTC and read back as aware UTC.

    SQLite has no time zone type and PostgreSQL's ``timestamptz`` shifts values to the session zone; storing
    naive UTC on both makes the stored value the same everywhere. A naive datetime is refused rather than
    guessed at.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise ValueError(f"the ledger stores aware datetimes only, got {value!r}")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


TEU = Numeric(9, 2, asdecimal=True)

lines = Table(
    "lines",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name_en", Text, nullable=False),
    Column("name_zh", Text, nullable=False, server_default=""),
    Column("capacity_teu", TEU, nullable=False),
    Column("capacity_kg", BigInteger, nullable=False),
    Column("zone", String(64), nullable=False, server_default="Asia/Shanghai"),
    # The commercial line a service belongs to (both directions of a shuttle are one line); added in 0002.
    Column("commercial_line", String(64), nullable=False),
    CheckConstraint("capacity_teu > 0", name="capacity_teu_positive"),
    CheckConstraint("capacity_kg > 0", name="capacity_kg_positive"),
)

departures = Table(
    "departures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # The id the route engine gives a departure: "<service>@<local ISO time with offset>".
    Column("ref", String(160), nullable=False, unique=True),
    Column("line_id", String(64), ForeignKey("lines.id"), nullable=False),
    Column("service_date", Date, nullable=False),
    Column("departs_at", UTCDateTime, nullable=False),
    Column("zone", String(64), nullable=False),
    Column("vehicle", String(64), nullable=True),
    Column("capacity_teu", TEU, nullable=False),
    Column("capacity_kg", BigInteger, nullable=False),
    Column("booked_teu", TEU, nullable=False, server_default="0"),
    Column("booked_kg", BigInteger, nullable=False, server_default="0"),
    Column("status", String(16), nullable=False, server_default="scheduled"),
    # "timetable" when `schedule_departures` made it (and may remove it again), "manual" when entered by hand
    Column("origin", String(16), nullable=False, server_default="manual"),
    Column("created_at", UTCDateTime, nullable=False),
    # The last line of defence: the database itself refuses an overbooked departure.
    CheckConstraint("booked_teu >= 0 AND booked_teu <= capacity_teu", name="teu_within_capacity"),
    CheckConstraint("booked_kg >= 0 AND booked_kg <= capacity_kg", name="kg_within_capacity"),
    CheckConstraint("capacity_teu > 0 AND capacity_kg > 0", name="capacity_positive"),
    CheckConstraint(
        "status IN ('scheduled', 'departed', 'arrived', 'cancelled')",
        name="status_known",
    ),
    Index("ix_departures_line_date", "line_id", "service_date"),
    Index("ix_departures_service_date", "service_date"),
)

bookings = Table(
    "bookings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    # SHA-256 of the canonical request, to tell a retry (same body) from a reused key (different body).
    Column("request_hash", String(64), nullable=False),
    Column("shipper", Text, nullable=False),
    Column("cargo_class", String(32), nullable=False),
    Column("teu", TEU, nullable=False),
    Column("weight_kg", BigInteger, nullable=False),
    Column("value_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("customs_status", String(16), nullable=False),
    Column("equipment_ref", String(32), nullable=True),
    Column("status", String(16), nullable=False, server_default="confirmed"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("cancelled_at", UTCDateTime, nullable=True),
    CheckConstraint("teu > 0", name="teu_positive"),
    CheckConstraint("weight_kg >= 0", name="weight_nonnegative"),
    CheckConstraint("value_minor >= 0", name="value_nonnegative"),
    CheckConstraint("customs_status IN ('bonded', 'cleared')", name="customs_known"),
    CheckConstraint("status IN ('confirmed', 'cancelled')", name="status_known"),
)

booking_legs = Table(
    "booking_legs",
    metadata,
    Column("booking_id", Integer, ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("departure_id", Integer, ForeignKey("departures.id"), nullable=False),
    Column("from_place", String(64), nullable=True),
    Column("to_place", String(64), nullable=True),
    UniqueConstraint("booking_id", "departure_id", name="uq_booking_legs_booking_departure"),
    Index("ix_booking_legs_departure", "departure_id"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_type", String(16), nullable=False),  # DCSA eventType: EQUIPMENT, TRANSPORT, SHIPMENT
    Column("event_code", String(4), nullable=False),  # DCSA code: GTIN, LOAD, DEPA, ARRI, RELS, DISC, ...
    Column("classifier", String(3), nullable=False, server_default="ACT"),  # DCSA: ACT, EST, PLN
    Column("event_at", UTCDateTime, nullable=False),
    Column("zone", String(64), nullable=False),
    Column("place", String(64), nullable=False),
    Column("equipment_ref", String(32), nullable=True),
    Column("booking_id", Integer, ForeignKey("bookings.id"), nullable=True),
    Column("departure_id", Integer, ForeignKey("departures.id"), nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    # Added in 0006 for DCSA Track & Trace 2.2.0: the eventID (UUID), a shipment event's documentTypeCode and
    # documentID, an equipment event's emptyIndicatorCode, and the message an imported event came in.
    Column("event_uuid", String(36), nullable=True, unique=True),
    Column("document_type", String(3), nullable=True),
    Column("document_id", String(100), nullable=True),
    Column("empty_indicator", String(5), nullable=True),
    Column("message", Text, nullable=True),
    CheckConstraint("classifier IN ('ACT', 'EST', 'PLN')", name="classifier_known"),
    Index("ix_events_booking", "booking_id"),
    Index("ix_events_equipment", "equipment_ref"),
)

# A quote: the price of one route option for one shipment, valid until ``valid_until``, while it holds room on
# every departure it rides (its quote_legs). Its hold is live while status is "open" and valid_until is ahead;
# after that it counts for nothing, with or without a sweep marking it "expired".
quotes = Table(
    "quotes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cargo_class", String(32), nullable=False),
    Column("teu", TEU, nullable=False),
    Column("weight_kg", BigInteger, nullable=False),
    Column("value_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    # the sum of the rounded line items, in the option's currency
    Column("total_minor", BigInteger, nullable=False),
    Column("price_currency", String(3), nullable=False),
    Column("co2e_kg_wtw", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("co2e_kg_ttw", Numeric(16, 2, asdecimal=True), nullable=False),
    # the route option as quoted (route JSON), to show and to book from
    Column("option_json", Text, nullable=False),
    Column("status", String(16), nullable=False, server_default="open"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("valid_until", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("booking_id", Integer, ForeignKey("bookings.id"), nullable=True),
    CheckConstraint("teu > 0", name="teu_positive"),
    CheckConstraint("weight_kg >= 0", name="weight_nonnegative"),
    CheckConstraint("value_minor >= 0", name="value_nonnegative"),
    CheckConstraint("valid_until > created_at", name="valid_after_created"),
    CheckConstraint("status IN ('open', 'booked', 'expired', 'released')", name="status_known"),
    Index("ix_quotes_status_valid_until", "status", "valid_until"),
)

quote_lines = Table(
    "quote_lines",
    metadata,
    Column("quote_id", Integer, ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # leg, handling, clearance
    Column("description", Text, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
)

# The holds: one row per departure a quote rides; the held amount is the quote's TEU and kg.
quote_legs = Table(
    "quote_legs",
    metadata,
    Column("quote_id", Integer, ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("departure_id", Integer, ForeignKey("departures.id"), nullable=False),
    Column("from_place", String(64), nullable=True),
    Column("to_place", String(64), nullable=True),
    UniqueConstraint("quote_id", "departure_id", name="uq_quote_legs_quote_departure"),
    Index("ix_quote_legs_departure", "departure_id"),
)

# A disruption (migration 0007): a link, terminal or crossing closed for [starts_at, ends_at), a departure
# cancelled (target: its ref), or a service's trips leaving in the window late by delay_hours. While open,
# every search against the ledger respects it (ledger.availability hands it to the search); clearing ends it.
disruptions = Table(
    "disruptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("target", String(160), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("delay_hours", Numeric(7, 2, asdecimal=True), nullable=True),
    Column("note", Text, nullable=False, server_default=""),
    Column("status", String(16), nullable=False, server_default="open"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("cleared_at", UTCDateTime, nullable=True),
    CheckConstraint("kind IN ('link', 'terminal', 'crossing', 'departure', 'delay')", name="kind_known"),
    CheckConstraint("status IN ('open', 'cleared')", name="status_known"),
    CheckConstraint("ends_at > starts_at", name="window_nonempty"),
    Index("ix_disruptions_status_ends_at", "status", "ends_at"),
)
