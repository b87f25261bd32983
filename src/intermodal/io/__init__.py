"""Files in, files out (layer 1b): bundles (folder or zip), the embedded scenarios, GTFS, world graphs.

Readers turn files into the model and report every problem with its file, row and field. Only services call
this layer; the engines and planners never read files.
"""

from intermodal.io.bundle import load_bundle, validate_bundle
from intermodal.io.scenarios import (
    DEFAULT_SCENARIO,
    embedded_scenario,
    list_scenarios,
    load_scenario,
    scenario_path,
)

__all__ = [
    "DEFAULT_SCENARIO",
    "embedded_scenario",
    "list_scenarios",
    "load_bundle",
    "load_scenario",
    "scenario_path",
    "validate_bundle",
]
