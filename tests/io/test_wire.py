"""json_bytes: the API's route JSON, with the values json.dumps writes."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import intermodal as im
from intermodal.io.wire import json_bytes

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(_JSON)
def test_same_values_as_json_dumps(doc: object) -> None:
    assert json.loads(json_bytes(doc)) == json.loads(json.dumps(doc))


def test_a_route_answer_has_the_values_json_dumps_writes() -> None:
    bundle = im.load_scenario("chongqing")
    shipment = im.make_shipment(bundle, teu=2, cargo="reefer", ready="2020-04-03T08:00+08:00")
    doc = im.find_routes(bundle, "nanpeng", "bangkok", shipment).to_dict()
    assert json.loads(json_bytes(doc)) == json.loads(json.dumps(doc))


def test_compact_utf8_with_text_as_is() -> None:
    assert json_bytes({"to": "曼谷", "teu": [1, 2.5]}) == '{"to":"曼谷","teu":[1,2.5]}'.encode()


def test_keys_and_numbers_json_dumps_accepts() -> None:
    # integer keys become strings, integers past 64 bits and numpy scalars stay numbers
    assert json.loads(json_bytes({1: 2**70, "x": np.float64(0.1)})) == {"1": 2**70, "x": 0.1}


def test_not_json_data_is_refused() -> None:
    with pytest.raises(TypeError):
        json_bytes({"x": object()})
