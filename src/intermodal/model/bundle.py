"""A network bundle: one scenario's terminals, links, services, crossings and factors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from intermodal.model.disruptions import Closure
from intermodal.model.factors import FactorTable
from intermodal.model.network import BorderCrossing, Link, Mode, ModeHandling, Service, Terminal
from intermodal.model.tariffs import Tariff

__all__ = ["Access", "Bundle", "Manifest"]


@dataclass(frozen=True)
class Access:
    """How a "lat,lon" place reaches the network: a truck to nearby road terminals.

    The road distance is the great-circle distance times ``circuity``; places farther than ``max_km`` from
    every road terminal are refused.
    """

    circuity: float = 1.3
    speed_kmh: float = 50.0
    cost_per_teu_km: float = 6.0
    emission_factor: str = ""
    max_km: float = 300.0
    source: str = "assumption"


@dataclass(frozen=True)
class Manifest:
    """The bundle's ``manifest.toml``: identity and bundle-wide settings, each setting with its source."""

    name: str
    title_en: str
    title_zh: str
    currency: str = "CNY"
    region: str = ""
    description: str = ""
    version: str = "1"
    tonnes_per_teu: float = 10.0
    tonnes_per_teu_source: str = "assumption"
    max_tonnes_per_teu: float = 28.0
    max_tonnes_per_teu_source: str = "assumption"
    access: Access = field(default_factory=Access)
    #: what holding cargo costs its owner, as a share of its value per year (capital, insurance, decay):
    #: a slower option costs ``value x rate x days / 365`` more
    inventory_rate_per_year: float = 0.0
    inventory_rate_source: str = "assumption"
    #: a price on CO2e (currency per tonne, WTW) that queries use when they set none (``[carbon]``)
    carbon_price_per_t: float = 0.0
    carbon_price_source: str = "assumption"


@dataclass(frozen=True)
class Bundle:
    """Everything a scenario holds, validated. Build one with :func:`intermodal.load_bundle`."""

    manifest: Manifest
    terminals: Mapping[str, Terminal]
    links: tuple[Link, ...]
    services: tuple[Service, ...]
    crossings: Mapping[str, BorderCrossing]
    factors: FactorTable
    origin: str = ""
    #: handling that depends on the arriving and leaving modes, by (terminal, from_mode, to_mode)
    handling: Mapping[tuple[str, Mode, Mode], ModeHandling] = field(default_factory=dict)
    #: the rows of ``tariffs.csv``: rides by service or line, storage by terminal
    tariffs: tuple[Tariff, ...] = ()
    #: the rows of ``closures.csv``: links, terminals and crossings closed for some dates (a patch's dated
    #: ``[[close]]``); the search passes none of them in its window, as it passes no closure of the ledger's.
    #: Their ids are negative (minus the row's line) so they never meet a ledger disruption's id.
    closures: tuple[Closure, ...] = ()

    @property
    def name(self) -> str:
        return self.manifest.name

    def service(self, service_id: str) -> Service:
        for s in self.services:
            if s.id == service_id:
                return s
        raise KeyError(service_id)
