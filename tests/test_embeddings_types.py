"""Embeddings as the user sees them: float vectors, base64 decoded, ints for integer dtypes, to_numpy."""

from __future__ import annotations

import array
import base64
import json
import subprocess
import sys
from typing import Any

import pytest

import mistral_client as mc
from mistral_client import Client
from mistral_client.types import EmbeddingResponse


def _respond(serve: Any, data: list[dict[str, Any]]) -> tuple[Client, Any]:
    body = {"id": "e", "object": "list", "model": "m", "data": data}
    server = serve(lambda request, conn: conn.respond_json(200, body))
    return Client(api_key="k", base_url=server.url, max_retries=0), server


def test_base64_vectors_are_decoded(serve: Any) -> None:
    vectors = [[0.5, -0.25, 1.0], [0.125, 2.0, -3.5]]
    data = [
        {"index": i, "embedding": base64.b64encode(array.array("f", v).tobytes()).decode()}
        for i, v in enumerate(vectors)
    ]
    client, server = _respond(serve, data)
    response = client.embeddings.create(model="m", input=["a", "b"], encoding_format="base64")
    assert json.loads(server.requests[0].body)["encoding_format"] == "base64"
    first: list[float] = response.data[0].embedding
    assert first == vectors[0] and response.embeddings == vectors


def test_integer_dtypes_give_ints(serve: Any) -> None:
    client, _ = _respond(serve, [{"index": 0, "embedding": [1, -2, 3]}])
    response = client.embeddings.create(model="m", input="a", output_dtype="int8")
    assert response.embeddings == [[1, -2, 3]]
    assert all(type(x) is int for x in response.data[0].embedding)
    packed = base64.b64encode(array.array("b", [5, -6]).tobytes()).decode()
    client, _ = _respond(serve, [{"index": 0, "embedding": packed}])
    response = client.embeddings.create(model="m", input="a", output_dtype="int8", encoding_format="base64")
    assert response.data[0].embedding == [5, -6]


@pytest.mark.parametrize("dtype", ["int8", "uint8", "binary", "ubinary"])
def test_any_number_the_spec_allows_parses_under_an_integer_dtype(serve: Any, dtype: Any) -> None:
    # The spec's vector is "number": a whole float is the int it stands for, another stays a float.
    client, _ = _respond(serve, [{"index": 0, "embedding": [3.0, -2, 0.5, 1e3]}])
    response = client.embeddings.create(model="m", input="a", output_dtype=dtype)
    assert response.embeddings == [[3, -2, 0.5, 1000]]
    assert [type(x) for x in response.data[0].embedding] == [int, int, float, int]
    client, _ = _respond(serve, [{"index": 0, "embedding": [1, "2"]}])
    with pytest.raises(mc.APIResponseValidationError) as info:  # not a number: the vector is unusable
        client.embeddings.create(model="m", input="a", output_dtype=dtype)
    assert info.value.field.startswith("data.0.embedding")


def test_embeddings_are_ordered_and_never_dropped() -> None:
    response = EmbeddingResponse.model_validate(
        {"data": [{"index": 1, "embedding": [2.0]}, {"index": 0, "embedding": [1.0]}]}
    )
    assert response.embeddings == [[1.0], [2.0]]
    sparse = EmbeddingResponse.model_validate({"data": [{"index": 0, "embedding": [1.0]}, {"index": 1}]})
    assert len(sparse.data) == 2
    with pytest.raises(mc.APIResponseValidationError) as info:
        _ = sparse.embeddings
    assert info.value.field == "data.1.embedding"
    unindexed = EmbeddingResponse.model_validate({"data": [{"embedding": [3.0]}, {"embedding": [4.0]}]})
    assert unindexed.embeddings == [[3.0], [4.0]]  # as sent


def test_to_numpy() -> None:
    np = pytest.importorskip("numpy")
    response = EmbeddingResponse.model_validate(
        {"data": [{"index": 1, "embedding": [3.0, 4.0]}, {"index": 0, "embedding": [1.0, 2.0]}]}
    )
    matrix = response.to_numpy()
    assert matrix.dtype == np.float32 and matrix.shape == (2, 2)
    assert matrix.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_to_numpy_without_numpy_says_so() -> None:
    code = (
        "import sys; sys.modules['numpy'] = None\n"
        "from mistral_client.types import EmbeddingResponse\n"
        "r = EmbeddingResponse.model_validate({'data': [{'embedding': [1.0]}]})\n"
        "try:\n    r.to_numpy()\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "needs numpy" in out.stdout and "pip install numpy" in out.stdout


def test_import_does_not_load_numpy() -> None:
    code = "import sys, mistral_client; mistral_client.Client(api_key='k'); print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
