"""The operations ledger (layer 6): departures, quotes that hold room, bookings,
container events, disruptions and rebooking, and throughput reports.

Open a ledger, then call the functions on it; each write is one transaction, all or nothing::

    from intermodal import ledger

    db = ledger.open_ledger()  # SQLite in the user's data dir; or open_ledger("postgresql://...")
    ledger.load_demo(db)
    report = ledger.throughput_report(db, "2020Q1", by="line")

The web API and the CLI call these same functions. See docs/ledger.md.
"""

from intermodal.ledger._storage import ENV_URL, Ledger, default_url, migrate, open_ledger, resolve_url
from intermodal.ledger.bookings import (
    Booking,
    BookingRequest,
    LegRef,
    book,
    book_itinerary,
    book_many,
    cancel_booking,
    get_booking,
    list_bookings,
    request_from_itinerary,
)
from intermodal.ledger.charts import plot_report
from intermodal.ledger.demo import CHONGQING_SHUTTLE_LINES, DEMO_TARGETS, DemoSummary, load_demo
from intermodal.ledger.departures import (
    Departure,
    create_departure,
    departure_ref,
    get_departure,
    list_departures,
    set_departure_status,
)
from intermodal.ledger.disruptions import (
    BrokenBooking,
    Disruption,
    DisruptionImpact,
    add_disruption,
    clear_disruption,
    disruption_impact,
    get_disruption,
    list_disruptions,
    rebook,
    rebook_option,
)
from intermodal.ledger.eta import Eta, EtaStop, booking_eta, booking_events, plan_points, planned_events
from intermodal.ledger.events import (
    EVENT_KINDS,
    Event,
    ImportResult,
    export_dcsa,
    import_dcsa,
    known_places,
    list_events,
    record_event,
)
from intermodal.ledger.exchange import export_csv, import_csv
from intermodal.ledger.lines import Line, get_line, line_from_service, list_lines, upsert_lines
from intermodal.ledger.periods import Period, parse_period
from intermodal.ledger.quotes import (
    DEFAULT_HOLD_MINUTES,
    Quote,
    QuoteLine,
    book_quote,
    create_quote,
    expire_quotes,
    get_quote,
    list_quotes,
    quote_route,
    release_quote,
)
from intermodal.ledger.reports import (
    ReportRow,
    Throughput,
    ThroughputReport,
    report_currencies,
    throughput_report,
)

__all__ = [
    "CHONGQING_SHUTTLE_LINES",
    "DEFAULT_HOLD_MINUTES",
    "DEMO_TARGETS",
    "ENV_URL",
    "EVENT_KINDS",
    "Booking",
    "BookingRequest",
    "BrokenBooking",
    "DemoSummary",
    "Departure",
    "Disruption",
    "DisruptionImpact",
    "Eta",
    "EtaStop",
    "Event",
    "ImportResult",
    "Ledger",
    "LegRef",
    "Line",
    "Period",
    "Quote",
    "QuoteLine",
    "ReportRow",
    "Throughput",
    "ThroughputReport",
    "add_disruption",
    "book",
    "book_itinerary",
    "book_many",
    "book_quote",
    "booking_eta",
    "booking_events",
    "cancel_booking",
    "clear_disruption",
    "create_departure",
    "create_quote",
    "default_url",
    "departure_ref",
    "disruption_impact",
    "expire_quotes",
    "export_csv",
    "export_dcsa",
    "get_booking",
    "get_departure",
    "get_disruption",
    "get_line",
    "get_quote",
    "import_csv",
    "import_dcsa",
    "known_places",
    "line_from_service",
    "list_bookings",
    "list_departures",
    "list_disruptions",
    "list_events",
    "list_lines",
    "list_quotes",
    "load_demo",
    "migrate",
    "open_ledger",
    "parse_period",
    "plan_points",
    "planned_events",
    "plot_report",
    "quote_route",
    "rebook",
    "rebook_option",
    "record_event",
    "release_quote",
    "report_currencies",
    "request_from_itinerary",
    "resolve_url",
    "set_departure_status",
    "throughput_report",
    "upsert_lines",
]
