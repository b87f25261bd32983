"""The API's settings, from ``INTERMODAL_*`` environment variables, so that every uvicorn worker agrees."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Settings"]


def _user_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("intermodal", appauthor=False))


def _cores() -> int:
    """The cores this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    """What the API allows, and where it keeps its files.

    Parameters
    ----------
    scenario
        The scenario a query uses when it names none (``INTERMODAL_SCENARIO``).
    reads
        ``"open"``: anyone may read; ``"token"``: reads need a token as writes do (``INTERMODAL_READS``).
    cors_origins
        Origins allowed to call the API from a browser; empty means same origin only
        (``INTERMODAL_CORS_ORIGINS``, comma-separated).
    max_request_bytes
        The largest request body outside bundle uploads (``INTERMODAL_MAX_REQUEST_BYTES``).
    max_upload_bytes
        The largest bundle upload (``INTERMODAL_MAX_UPLOAD_BYTES``).
    max_labels
        The cap on search work per route query (``INTERMODAL_MAX_LABELS``).
    query_seconds
        The wall-clock budget of one route query; past it the API answers 503 (``INTERMODAL_QUERY_SECONDS``).
    max_window_days
        The longest ready-to-due window a query may ask for (``INTERMODAL_MAX_WINDOW_DAYS``).
    max_searches
        How many route queries run at once (``INTERMODAL_MAX_SEARCHES``; default one per core), so that a few
        heavy queries cannot starve the others of the cores.
    queue_seconds
        How long a route query waits for one of those slots before it answers 503
        (``INTERMODAL_QUEUE_SECONDS``).
    tokens_file
        Where token hashes live (``INTERMODAL_TOKENS_FILE``; default in the user data directory).
    bundles_dir
        Where uploaded bundles live (``INTERMODAL_BUNDLES_DIR``; default in the user data directory).
    ledger_url
        The operations ledger (``INTERMODAL_LEDGER_URL``; default a SQLite file in the user data directory).
    reliability_file
        Measured time spreads of the default scenario (``INTERMODAL_RELIABILITY``: the ``reliability.csv`` of
        ``intermodal calibrate``, or its folder), for each option's ``p_on_time``; default none.
    """

    scenario: str = "chongqing"
    reads: str = "open"
    cors_origins: tuple[str, ...] = ()
    max_request_bytes: int = 64 * 1024
    max_upload_bytes: int = 20 * 1024 * 1024
    max_labels: int = 200_000
    query_seconds: float = 10.0
    max_window_days: float = 60.0
    max_searches: int = field(default_factory=_cores)
    queue_seconds: float = 5.0
    tokens_file: Path = field(default_factory=lambda: _user_data_dir() / "tokens.json")
    bundles_dir: Path = field(default_factory=lambda: _user_data_dir() / "bundles")
    ledger_url: str | None = None
    reliability_file: Path | None = None

    @classmethod
    def from_env(cls) -> Settings:
        """Settings from the environment, with the defaults above."""
        origins = tuple(
            o.strip() for o in os.environ.get("INTERMODAL_CORS_ORIGINS", "").split(",") if o.strip()
        )
        reads = os.environ.get("INTERMODAL_READS", "open").strip().lower()
        if reads not in ("open", "token"):
            # a typo must not silently open a closed server
            reads = "token"
        tokens = os.environ.get("INTERMODAL_TOKENS_FILE")
        bundles = os.environ.get("INTERMODAL_BUNDLES_DIR")
        return cls(
            scenario=os.environ.get("INTERMODAL_SCENARIO", "chongqing"),
            reads=reads,
            cors_origins=origins,
            max_request_bytes=_int("INTERMODAL_MAX_REQUEST_BYTES", cls.max_request_bytes),
            max_upload_bytes=_int("INTERMODAL_MAX_UPLOAD_BYTES", cls.max_upload_bytes),
            max_labels=_int("INTERMODAL_MAX_LABELS", cls.max_labels),
            query_seconds=_float("INTERMODAL_QUERY_SECONDS", cls.query_seconds),
            max_window_days=_float("INTERMODAL_MAX_WINDOW_DAYS", cls.max_window_days),
            max_searches=_int("INTERMODAL_MAX_SEARCHES", _cores()),
            queue_seconds=_float("INTERMODAL_QUEUE_SECONDS", cls.queue_seconds),
            tokens_file=Path(tokens) if tokens else _user_data_dir() / "tokens.json",
            bundles_dir=Path(bundles) if bundles else _user_data_dir() / "bundles",
            ledger_url=os.environ.get("INTERMODAL_LEDGER_URL") or None,
            reliability_file=Path(os.environ["INTERMODAL_RELIABILITY"])
            if os.environ.get("INTERMODAL_RELIABILITY")
            else None,
        )
