"""JSON documents as the API sends them: compact UTF-8 bytes, the same values as the standard library writes.

A route answer is a few hundred nested dicts; ``json.dumps`` spent about as long on one as the route search
did. The API's route responses and the http_load benchmark's in-process client both call :func:`json_bytes`,
so that the benchmark measures what serving costs.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["json_bytes"]

# non-string keys become strings as json.dumps makes them; numpy scalars become numbers
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def json_bytes(doc: Any) -> bytes:
    """``doc`` as compact JSON in UTF-8, with the values ``json.dumps`` gives.

    Unlike ``json.dumps(..., allow_nan=False)``, a NaN or an infinity is written as ``null`` rather than
    refused.

    Parameters
    ----------
    doc
        Plain JSON data: dicts, lists, strings, numbers, booleans and ``None``.

    Returns
    -------
    bytes
        The document, no whitespace between tokens, non-ASCII text as is.

    Raises
    ------
    TypeError
        ``doc`` holds something that is not JSON data.

    Examples
    --------
    >>> json_bytes({"to": "曼谷", "teu": 2})
    b'{"to":"\\xe6\\x9b\\xbc\\xe8\\xb0\\xb7","teu":2}'
    """
    try:
        return orjson.dumps(doc, option=_OPTIONS)
    except orjson.JSONEncodeError:
        # what orjson refuses (integers past 64 bits, say) the standard library may still write, or refuse
        # with its own error
        pass
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
