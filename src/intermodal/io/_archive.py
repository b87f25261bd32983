"""Reading zip archives without trusting them: sizes, compression ratio and damage are checked.

Every zip intermodal reads (bundles, GTFS feeds, uploads through the API) opens here. Limits are checked
twice: from the zip's directory when the archive opens (cheap, refuses an honest bomb at once), and again on
the bytes actually inflated while a member streams (the directory can lie). Members stream in chunks, so no
member is ever inflated whole into memory before it has been counted. Damage (a bad CRC, a corrupt deflate
stream, an encrypted or unsupported member) becomes a :class:`~intermodal.exceptions.BundleError` naming the
archive and the member.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from intermodal.exceptions import BundleError, Problem

MiB = 1024 * 1024

#: below this many inflated bytes a high ratio cannot hurt (a tiny calendar.txt may well compress 200:1)
_RATIO_FLOOR = MiB

_CHUNK = 64 * 1024

#: errors zipfile and zlib raise on a damaged or unsupported archive, whatever the damage
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError)


@dataclass(frozen=True)
class ArchiveLimits:
    """How much a zip may hold.

    Parameters
    ----------
    member_bytes
        The most one member may inflate to.
    total_bytes
        The most all members together may inflate to.
    ratio
        The most a member may inflate per compressed byte (once past 1 MiB). Text tables deflate 3 to 25
        times; a zip bomb deflates hundreds or thousands of times.
    members
        The most members the archive may list.
    """

    member_bytes: int
    total_bytes: int
    ratio: float = 100.0
    members: int = 1000


#: A bundle is a hand-made network: its largest table (a world links.csv) is a few MB. Its tables are parsed
#: into Python rows, so 64 MB of CSV already costs about a GB of memory.
BUNDLE_LIMITS = ArchiveLimits(member_bytes=64 * MiB, total_bytes=256 * MiB)

#: A city or national operator's feed has stop_times.txt of tens to a few hundred MB (NYC subway: 5.7 MB).
#: Larger feeds should be cut to the region first; the importer holds its tables in memory.
GTFS_LIMITS = ArchiveLimits(member_bytes=512 * MiB, total_bytes=1024 * MiB)


def _size(n: float) -> str:
    return f"{n / MiB:.1f} MiB" if n >= MiB else f"{int(n)} bytes"


class Archive:
    """A zip archive opened for reading within ``limits``; members are read by their name in the zip.

    Raises
    ------
    BundleError
        When the file is not a readable zip, or its directory already shows a member or the whole over the
        limits.
    """

    def __init__(self, path: Path, limits: ArchiveLimits) -> None:
        self.path = path
        self.limits = limits
        self._label = path.name
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except _DAMAGE as err:
            raise BundleError(
                Problem(f"not a readable zip archive: {err}", file=self._label, expected="an intact zip file")
            ) from None
        self._infos = {i.filename: i for i in infos if not i.is_dir()}
        self._check_directory(infos)
        #: bytes inflated so far from all members, against ``limits.total_bytes``
        self.inflated = 0

    def _check_directory(self, infos: list[zipfile.ZipInfo]) -> None:
        limits = self.limits
        if len(infos) > limits.members:
            raise BundleError(
                Problem(
                    "the archive lists too many members",
                    file=self._label,
                    found=str(len(infos)),
                    expected=f"at most {limits.members}",
                )
            )
        problems = []
        for info in infos:
            where = info.filename  # as the zip names it: the archive itself may be a temporary upload
            if info.file_size > limits.member_bytes:
                problems.append(
                    Problem(
                        "member is too large once inflated",
                        file=where,
                        found=_size(info.file_size),
                        expected=f"at most {_size(limits.member_bytes)}",
                    )
                )
            elif info.file_size > _RATIO_FLOOR and info.file_size > limits.ratio * max(info.compress_size, 1):
                problems.append(
                    Problem(
                        "member inflates too much for its size: a zip bomb?",
                        file=where,
                        found=f"{info.file_size / max(info.compress_size, 1):.0f} to 1",
                        expected=f"at most {limits.ratio:.0f} to 1",
                    )
                )
        total = sum(i.file_size for i in infos)
        if total > limits.total_bytes:
            problems.append(
                Problem(
                    "the archive is too large once inflated",
                    file=self._label,
                    found=_size(total),
                    expected=f"at most {_size(limits.total_bytes)}",
                )
            )
        if problems:
            raise BundleError(problems)

    def names(self) -> list[str]:
        """The members' names (folders left out), in the archive's order."""
        return list(self._infos)

    def __contains__(self, name: str) -> bool:
        return name in self._infos

    def open_binary(self, name: str) -> IO[bytes]:
        """A stream of the member's inflated bytes that stops with a :class:`BundleError` past the limits."""
        info = self._infos[name]
        where = name
        if info.flag_bits & 0x1:
            raise BundleError(
                Problem("member is encrypted", file=where, expected="an archive without a password")
            )
        try:
            raw = self._zip.open(info)
        except _DAMAGE as err:
            raise BundleError(
                Problem(f"member cannot be read: {err}", file=where, expected="an intact zip file")
            ) from None
        return io.BufferedReader(_Guarded(raw, where, info.compress_size, self), _CHUNK)

    def open_text(self, name: str) -> IO[str]:
        """The member as UTF-8 text (a byte-order mark is dropped), newlines left as they are for csv."""
        return io.TextIOWrapper(self.open_binary(name), encoding="utf-8-sig", newline="")

    def read_text(self, name: str) -> str:
        with self.open_text(name) as f:
            return f.read()

    def close(self) -> None:
        self._zip.close()


class _Guarded(io.RawIOBase):
    """A member's inflated bytes, counted as they come: the directory's sizes are not trusted."""

    def __init__(self, raw: IO[bytes], where: str, compressed: int, archive: Archive) -> None:
        self._raw = raw
        self._where = where
        self._compressed = max(compressed, 1)
        self._archive = archive
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self._raw.read(min(len(buffer), _CHUNK))
        except _DAMAGE as err:
            raise BundleError(
                Problem(
                    f"member is damaged: {err}",
                    file=self._where,
                    found=f"after {_size(self._count)}",
                    expected="an intact zip file",
                )
            ) from None
        self._count += len(data)
        self._archive.inflated += len(data)
        limits = self._archive.limits
        if self._archive.inflated > limits.total_bytes:
            raise BundleError(
                Problem(
                    "the archive is too large once inflated",
                    file=self._where,
                    found=f"more than {_size(limits.total_bytes)}",
                    expected=f"at most {_size(limits.total_bytes)}",
                )
            )
        if self._count > limits.member_bytes:
            raise BundleError(
                Problem(
                    "member is too large once inflated",
                    file=self._where,
                    found=f"more than {_size(limits.member_bytes)}",
                    expected=f"at most {_size(limits.member_bytes)}",
                )
            )
        if self._count > _RATIO_FLOOR and self._count > limits.ratio * self._compressed:
            raise BundleError(
                Problem(
                    "member inflates too much for its size: a zip bomb?",
                    file=self._where,
                    found=f"more than {self._count / self._compressed:.0f} to 1",
                    expected=f"at most {limits.ratio:.0f} to 1",
                )
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()
