"""Data flows one way: a layer never imports a layer above it (design.md, "Architecture")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "intermodal"

# What each layer may import from intermodal. Everything may import ``exceptions`` and private top-level
# helpers (``intermodal._x``). io sits beside the model: it builds the model from files, and only services
# may call it, so engines and planners can never read files.
ALLOWED: dict[str, set[str]] = {
    "model": set(),
    "io": {"model", "accounting"},
    "accounting": {"model"},
    "network": {"model", "accounting"},
    "engines": {"network"},
    "planners": {"model", "accounting", "network", "engines"},
    "ledger": {"model", "accounting", "network", "planners"},
    "services": {"model", "io", "accounting", "network", "engines", "planners", "ledger"},
}


def _layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "intermodal" or len(parts) < 2:
        return None
    return parts[1]


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ["intermodal", *path.relative_to(SRC).with_suffix("").parts]
    package = package[:-1]  # the package that relative imports start from
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.append((node.lineno, mod))
            # ``from intermodal import planners`` imports a layer by name
            if mod == "intermodal":
                found += [(node.lineno, f"intermodal.{a.name}") for a in node.names]
    return found


def test_every_package_is_a_known_layer() -> None:
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages - {"data"} <= set(ALLOWED), f"unknown layers: {packages - set(ALLOWED)}"


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_layers_below(layer: str) -> None:
    bad = []
    for path in sorted((SRC / layer).rglob("*.py")):
        for lineno, mod in _imports(path):
            target = _layer_of(mod)
            if target is None or target == layer or target == "exceptions" or target.startswith("_"):
                continue
            if target not in ALLOWED[layer]:
                bad.append(f"{path.relative_to(SRC)}:{lineno} imports {mod}")
    assert not bad, "layer violations:\n" + "\n".join(bad)


def test_lower_layers_never_import_web_or_cli_frameworks() -> None:
    heavy = {"fastapi", "uvicorn", "typer", "rich", "starlette"}
    bad = []
    for layer in ("model", "io", "accounting", "network", "engines", "planners", "ledger"):
        for path in sorted((SRC / layer).rglob("*.py")):
            for lineno, mod in _imports(path):
                if mod.split(".")[0] in heavy:
                    bad.append(f"{path.relative_to(SRC)}:{lineno} imports {mod}")
    assert not bad, "\n".join(bad)
