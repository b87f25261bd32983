"""Fuzzing the readers: random bytes and mutated real files either load or raise named problems, soon.

The bundle loader (a folder or a zip) and the factor reader get random bytes, and real files of the mini
bundle with bytes flipped, cut, repeated or replaced by what breaks parsers (quotes, commas, line breaks, NUL,
huge or non-finite numbers). Each must either load or raise the library's BundleError / FactorError whose
problems name a file, and within the deadline: a reader that hangs, crashes or loses a problem's place fails.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import intermodal as im
from intermodal.exceptions import BundleError, FactorError, InputError
from intermodal.io import load_bundle
from intermodal.io.factors import apply_factor_overrides

MINI = Path(__file__).parent / "bundles" / "mini"
FILES = sorted(p.name for p in MINI.iterdir())
#: a hang guard, not a speed claim: a reader that loops or inflates a bomb overruns it by minutes
FUZZ = settings(max_examples=40, deadline=5000, suppress_health_check=list(HealthCheck))

NASTY = [
    b'"',
    b",",
    b"\n",
    b"\r",
    b"\x00",
    b'"\n"',
    b"nan",
    b"inf",
    b"-1e308",
    b"1e308",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"[",
    b"x" * 140_000,
    b"|",
    b"=",
]


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` with a few edits: a byte flipped, a span cut or repeated, a nasty token put in."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        kind = draw(st.sampled_from(["flip", "cut", "repeat", "insert", "truncate"]))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 40))]
        elif kind == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 200))] * draw(st.integers(1, 50))
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(NASTY))
        else:
            del data[at:]
    return bytes(data)


def _check(load: object, error: type[InputError]) -> None:
    try:
        load()  # type: ignore[operator]
    except error as err:
        assert err.problems
        for p in err.problems:
            assert p.message and p.file, p


def _zip_bytes(replace: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in FILES:
            zf.writestr(f"mini/{name}", (replace or {}).get(name, (MINI / name).read_bytes()))
    return buffer.getvalue()


@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes_as_a_bundle_zip(data: bytes) -> None:
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "bundle.zip"
        path.write_bytes(data)
        _check(lambda: load_bundle(path), BundleError)


@FUZZ
@given(name=st.sampled_from(FILES), data=st.data())
def test_a_mutated_file_in_a_bundle_folder(name: str, data: st.DataObject) -> None:
    content = data.draw(mutated((MINI / name).read_bytes()))
    with TemporaryDirectory() as tmp:
        folder = Path(tmp) / "b"
        shutil.copytree(MINI, folder)
        (folder / name).write_bytes(content)
        _check(lambda: load_bundle(folder), BundleError)


@FUZZ
@given(name=st.sampled_from(FILES), data=st.data())
def test_a_mutated_file_in_a_bundle_zip(name: str, data: st.DataObject) -> None:
    content = data.draw(mutated((MINI / name).read_bytes()))
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "bundle.zip"
        path.write_bytes(_zip_bytes({name: content}))
        _check(lambda: load_bundle(path), BundleError)


@FUZZ
@given(data=st.data())
def test_a_mutated_zip_archive(data: st.DataObject) -> None:
    content = data.draw(mutated(_zip_bytes()))
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "bundle.zip"
        path.write_bytes(content)
        _check(lambda: load_bundle(path), BundleError)


SCENARIO = im.load_scenario()
FACTORS = b"".join(
    (
        b"id,mode,unit,wtt,ttw,reefer_variant,measured,description,source\n",
        b"road_truck_container,road,g/t-km,11,36.5,,true,Carrier fuel data,Carrier X\n",
        b"sea_container_average,sea,g/TEU-km,11,70,sea_container_average_reefer,true,x,Carrier X\n",
    )
)


@FUZZ
@given(content=st.one_of(st.binary(max_size=4096), mutated(FACTORS)))
def test_random_or_mutated_factor_files(content: bytes) -> None:
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "my_factors.csv"
        path.write_bytes(content)
        _check(lambda: apply_factor_overrides(SCENARIO, path), FactorError)
