"""Safe zip reading: bombs, lying directories and damaged members become named problems, never a hang.

Each zip reader goes through io/_archive.py: bundles (and with them the API's upload, which loads the uploaded
zip with ``load_bundle``) and GTFS feeds. The bombs here are small (a few MiB inflated): the limits trip.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest

from intermodal.exceptions import BundleError
from intermodal.io import load_bundle
from intermodal.io._archive import BUNDLE_LIMITS, GTFS_LIMITS, Archive, ArchiveLimits
from intermodal.io.gtfs import import_gtfs

MINI = Path(__file__).parent / "bundles" / "mini"
GTFS = Path(__file__).parents[1] / "data" / "gtfs" / "cairns_gtfs.zip"


def _bundle_zip(path: Path, replace: dict[str, bytes] | None = None, **kw: int) -> Path:
    replace = replace or {}
    with zipfile.ZipFile(path, "w", compression=kw.get("compression", zipfile.ZIP_DEFLATED)) as zf:
        files = {f.name: f.read_bytes() for f in sorted(MINI.iterdir())} | replace
        for name, data in files.items():
            zf.writestr(f"mini/{name}", data)
    return path


def _bomb_rows(size: int) -> bytes:
    header = (MINI / "links.csv").read_bytes().splitlines(keepends=True)
    row = header[1]
    return header[0] + row * (size // len(row))


def _patch_headers(path: Path, member: str, **fields: int) -> None:
    """Rewrite the local and central headers of ``member``: flag bits, and the sizes the directory states."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    # local header: flags at 6, compressed size at 18, size at 22; central header: 8, 20, 24
    for sig, flags_at, sizes_at in ((b"PK\x03\x04", 6, 18), (b"PK\x01\x02", 8, 20)):
        at = data.find(sig)
        while at != -1:
            name_at = at + (30 if sig == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                if "flags" in fields:
                    struct.pack_into("<H", data, at + flags_at, fields["flags"])
                if "file_size" in fields:
                    struct.pack_into("<I", data, at + sizes_at + 4, fields["file_size"])
            at = data.find(sig, at + 4)
    path.write_bytes(bytes(data))


def _problems(err: pytest.ExceptionInfo[BundleError]) -> list[str]:
    return [str(p) for p in err.value.problems]


def test_a_member_that_inflates_a_thousandfold_is_refused_from_the_directory(tmp_path: Path) -> None:
    bomb = _bundle_zip(tmp_path / "bomb.zip", {"links.csv": _bomb_rows(4 * 1024 * 1024)})
    assert bomb.stat().st_size < 200_000
    with pytest.raises(BundleError) as err:
        load_bundle(bomb)
    (problem,) = err.value.problems
    assert problem.file == "mini/links.csv"
    assert "zip bomb" in problem.message and problem.expected == "at most 100 to 1"


def test_a_member_over_the_size_limit_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    # stored, so no ratio to trip: the size alone is the fault
    big = b"x" * (BUNDLE_LIMITS.member_bytes + 1)
    archive = _bundle_zip(tmp_path / "big.zip", {"notes.txt": big}, compression=zipfile.ZIP_STORED)
    with pytest.raises(BundleError) as err:
        load_bundle(archive)
    assert [p.message for p in err.value.problems] == ["member is too large once inflated"]
    assert err.value.problems[0].file == "mini/notes.txt"


def test_the_whole_archive_is_limited_too(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(3):
            zf.writestr(f"part{i}.txt", b"y" * 1000)
    with pytest.raises(BundleError) as err:
        Archive(path, ArchiveLimits(member_bytes=1000, total_bytes=2500))
    assert err.value.problems[0].message == "the archive is too large once inflated"
    with pytest.raises(BundleError, match="too many members"):
        Archive(path, ArchiveLimits(member_bytes=1000, total_bytes=5000, members=2))


def test_inflated_bytes_are_counted_while_streaming_not_only_from_the_directory(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.txt", "".join(f"{i},{i * 7919 % 10007}\n" for i in range(300_000)))
        zf.writestr("b.txt", b"c,d\n" * 1_000)
    archive = Archive(path, ArchiveLimits(member_bytes=8 * 1024 * 1024, total_bytes=8 * 1024 * 1024))
    # as if the directory had stated less than the member holds: the stream must stop on its own count
    archive.limits = ArchiveLimits(member_bytes=100_000, total_bytes=8 * 1024 * 1024)
    with pytest.raises(BundleError, match="too large once inflated"):
        archive.read_text("a.txt")
    archive.limits = ArchiveLimits(member_bytes=8 * 1024 * 1024, total_bytes=8 * 1024 * 1024, ratio=1.5)
    with pytest.raises(BundleError, match="zip bomb"):
        archive.read_text("a.txt")
    archive.limits = ArchiveLimits(member_bytes=8 * 1024 * 1024, total_bytes=100)
    with pytest.raises(BundleError, match="archive is too large"):
        archive.read_text("b.txt")


def test_a_directory_that_understates_a_member_is_named_not_trusted(tmp_path: Path) -> None:
    bomb = _bundle_zip(tmp_path / "liar.zip", {"links.csv": _bomb_rows(4 * 1024 * 1024)})
    _patch_headers(bomb, "mini/links.csv", file_size=2000)
    with pytest.raises(BundleError) as err:
        load_bundle(bomb)
    assert any(p.file == "mini/links.csv" for p in err.value.problems), _problems(err)


def test_a_bad_crc_is_named(tmp_path: Path) -> None:
    path = _bundle_zip(tmp_path / "crc.zip", compression=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    at = data.find(b"hub-station,hub,station")
    data[at] = ord("H")
    path.write_bytes(bytes(data))
    with pytest.raises(BundleError) as err:
        load_bundle(path)
    (problem,) = err.value.problems
    assert problem.file == "mini/links.csv" and "CRC" in problem.message


def test_a_corrupt_deflate_stream_is_named(tmp_path: Path) -> None:
    path = _bundle_zip(tmp_path / "deflate.zip")
    info = zipfile.ZipFile(path).getinfo("mini/terminals.csv")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start : start + 40] = b"\xff" * 40
    path.write_bytes(bytes(data))
    with pytest.raises(BundleError) as err:
        load_bundle(path)
    assert [p.file for p in err.value.problems] == ["mini/terminals.csv"], _problems(err)
    assert "damaged" in err.value.problems[0].message


def test_an_encrypted_member_is_named(tmp_path: Path) -> None:
    path = _bundle_zip(tmp_path / "locked.zip")
    _patch_headers(path, "mini/manifest.toml", flags=0x1)
    with pytest.raises(BundleError) as err:
        load_bundle(path)
    assert [str(p) for p in err.value.problems] == [
        "mini/manifest.toml: member is encrypted (expected an archive without a password)"
    ]


def test_a_truncated_or_false_zip_is_named(tmp_path: Path) -> None:
    good = _bundle_zip(tmp_path / "good.zip").read_bytes()
    (tmp_path / "cut.zip").write_bytes(good[: len(good) // 2] + good[-22:])
    (tmp_path / "text.zip").write_text("not a zip")
    for name in ("cut.zip", "text.zip"):
        with pytest.raises(BundleError) as err:
            load_bundle(tmp_path / name)
        assert err.value.problems[0].file == name, _problems(err)


def test_a_gtfs_bomb_is_refused_before_the_import_reads_it(tmp_path: Path) -> None:
    feed = tmp_path / "feed.zip"
    with zipfile.ZipFile(GTFS) as src, zipfile.ZipFile(feed, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("stop_times.txt"):
                head, row = data.splitlines(keepends=True)[:2]
                data = head + row * (8 * 1024 * 1024 // len(row))
            zf.writestr(info.filename, data)
    with pytest.raises(BundleError) as err:
        import_gtfs(feed)
    (problem,) = err.value.problems
    assert problem.file is not None and problem.file.endswith("stop_times.txt")
    assert "zip bomb" in problem.message


def test_the_real_feeds_are_within_the_gtfs_limits() -> None:
    for feed in GTFS.parent.glob("*.zip"):
        archive = Archive(feed, GTFS_LIMITS)
        assert archive.names()
