"""``chat.parse`` and ``chat.parse_stream``, sync and async, against scripted loopback answers."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

import pytest
from pydantic import BaseModel
from typing_extensions import TypedDict

from mistral_client import (
    AsyncClient,
    Client,
    InvalidRequestError,
    LengthFinishReasonError,
    OutputValidationError,
    ParsedChatCompletionResponse,
    StructuredOutputError,
)
from mistral_client.types import ChatCompletionResponse, ResponseFormat

from .loopback import LoopbackServer
from .scripted import Script, answer, call, streamed

Serve = Callable[[Script], LoopbackServer]
MSG = [{"role": "user", "content": "Paris?"}]
PARIS = '{"name": "Paris", "population": 2100000, "landmarks": ["Eiffel Tower"]}'


class City(BaseModel):
    name: str
    population: int
    landmarks: list[str] = []


def client_for(server: LoopbackServer) -> Client:
    return Client(api_key="k", base_url=server.url, max_retries=0)


def test_parse_sends_a_strict_schema_and_returns_the_model(serve: Serve) -> None:
    script = Script(answer(PARIS))
    with client_for(serve(script)) as client:
        response = client.chat.parse(model="m", messages=MSG, response_format=City)
    assert isinstance(response, ParsedChatCompletionResponse) and isinstance(response, ChatCompletionResponse)
    assert response.parsed == City(name="Paris", population=2100000, landmarks=["Eiffel Tower"])
    assert response.choices[0].message.parsed is response.parsed
    assert response.usage.total_tokens == 8 and response.text == PARIS
    sent = script.bodies[0]["response_format"]
    assert sent["type"] == "json_schema"
    assert sent["json_schema"]["name"] == "City" and sent["json_schema"]["strict"] is True
    assert sent["json_schema"]["schema"]["additionalProperties"] is False


def test_the_parsed_message_goes_back_as_the_model_wrote_it(serve: Serve) -> None:
    script = Script(answer(PARIS), answer("ok"))
    with client_for(serve(script)) as client:
        response = client.chat.parse(model="m", messages=MSG, response_format=City)
        client.chat.complete(model="m", messages=[*MSG, response.choices[0].message])
    assert script.bodies[1]["messages"][1] == {"role": "assistant", "content": PARIS}


@pytest.mark.parametrize(
    ("content", "finish_reason", "error", "match"),
    [
        ('{"name": "Par', "length", LengthFinishReasonError, "cut off .*'length'"),
        ('{"name": "Paris", "popu', "model_length", LengthFinishReasonError, "model_length"),
        ("Paris has 2.1 million people.", "stop", OutputValidationError, "is not JSON"),
        ('{"name": "Paris"}', "stop", OutputValidationError, "not a valid City: population: Field required"),
        ("", "stop", OutputValidationError, "empty"),
        ("  \n ", "stop", OutputValidationError, "empty"),
    ],
)
def test_errors_carry_the_response_and_the_raw_content(
    serve: Serve, content: str, finish_reason: str, error: type[StructuredOutputError], match: str
) -> None:
    client = client_for(serve(Script(answer(content, finish_reason=finish_reason))))
    with client, pytest.raises(error, match=match) as caught:
        client.chat.parse(model="m", messages=MSG, response_format=City)
    assert isinstance(caught.value, StructuredOutputError)
    assert caught.value.content == content
    assert caught.value.response.usage.total_tokens == 8
    assert caught.value.response.choices[0].finish_reason == finish_reason
    if error is OutputValidationError and "population" in match:
        assert isinstance(caught.value, OutputValidationError)
        assert caught.value.errors == [("population", "Field required")]


def test_a_tool_call_instead_of_an_answer_parses_to_none(serve: Serve) -> None:
    reply = answer(tool_calls=[call("lookup", '{"city": "Paris"}')])
    with client_for(serve(Script(reply))) as client:
        response = client.chat.parse(
            model="m", messages=MSG, response_format=City, tools=[], tool_choice="auto"
        )
    assert response.choices[0].message.parsed is None
    assert response.choices[0].message.tool_calls is not None
    with pytest.raises(StructuredOutputError, match="no parsed output"):
        _ = response.parsed


def test_a_dict_response_format_passes_through(serve: Serve) -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}, "strict": False}}
    script = Script(answer('{"a": 1}'), answer('{"b": 2}'), answer('{"c": 3}'))
    with client_for(serve(script)) as client:
        assert client.chat.complete(model="m", messages=MSG, response_format=fmt).text == '{"a": 1}'  # type: ignore[typeddict-item]
        parsed = client.chat.parse(model="m", messages=MSG, response_format=fmt)  # type: ignore[arg-type]
        as_model = client.chat.parse(
            model="m", messages=MSG, response_format=ResponseFormat.model_validate(fmt)
        )  # type: ignore[arg-type]
    assert [body["response_format"] for body in script.bodies] == [fmt, fmt, fmt]
    assert parsed.parsed == {"b": 2} and as_model.parsed == {"c": 3}


def test_a_type_pydantic_can_not_describe_fails_before_sending(serve: Serve) -> None:
    script = Script()
    with client_for(serve(script)) as client:
        with pytest.raises(InvalidRequestError, match="response_format"):
            client.chat.parse(model="m", messages=MSG, response_format=object())  # type: ignore[arg-type]
        with pytest.raises(InvalidRequestError, match="temperature"):
            client.chat.parse(model="m", messages=MSG, response_format=City, temperature=9.0)
    assert script.bodies == []


# --- parse_stream -------------------------------------------------------------------------------------

PIECES = ['{"name": "Pa', 'ris", "popu', 'lation": 21', "00000", ', "landmarks": ["Eiffel', ' Tower"]}']


def test_partials_never_show_a_value_that_may_still_grow(serve: Serve) -> None:
    script = Script(streamed(*PIECES))
    client = client_for(serve(script))
    with client, client.chat.parse_stream(model="m", messages=MSG, response_format=City) as stream:
        partials = list(stream.partials())
        final = stream.get_final_response()
    assert partials == [
        {},
        {"name": "Paris"},
        # 21 and then 2100000 were never shown: the number only ended with the next piece's comma.
        {"name": "Paris", "population": 2100000, "landmarks": []},
        {"name": "Paris", "population": 2100000, "landmarks": ["Eiffel Tower"]},
    ]
    assert final.parsed == City(name="Paris", population=2100000, landmarks=["Eiffel Tower"])
    assert script.bodies[0]["stream"] is True
    assert script.bodies[0]["response_format"]["json_schema"]["name"] == "City"


def test_parse_stream_is_lazy_and_has_text_deltas(serve: Serve) -> None:
    script = Script(streamed(*PIECES))
    with client_for(serve(script)) as client:
        stream = client.chat.parse_stream(model="m", messages=MSG, response_format=City)
        assert script.bodies == []
        assert "".join(stream.text_deltas()) == "".join(PIECES)
        assert stream.get_final_response().parsed.population == 2100000


def test_parse_stream_errors(serve: Serve) -> None:
    script = Script(streamed('{"name": "Pa', finish_reason="length"), streamed("not json"))
    with client_for(serve(script)) as client:
        with pytest.raises(LengthFinishReasonError) as cut:
            client.chat.parse_stream(model="m", messages=MSG, response_format=City).get_final_response()
        with pytest.raises(OutputValidationError, match="not JSON") as bad:
            client.chat.parse_stream(model="m", messages=MSG, response_format=City).get_final_response()
    assert cut.value.content == '{"name": "Pa' and cut.value.response.usage.total_tokens == 8
    assert bad.value.content == "not json"


# --- async ---------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_parse_and_parse_stream(serve: Serve, anyio_backend: str) -> None:
    script = Script(answer(PARIS), streamed(*PIECES), answer("{}", finish_reason="length"))
    async with AsyncClient(api_key="k", base_url=serve(script).url, max_retries=0) as client:
        response = await client.chat.parse(model="m", messages=MSG, response_format=City)
        assert response.parsed.landmarks == ["Eiffel Tower"]
        async with client.chat.parse_stream(model="m", messages=MSG, response_format=City) as stream:
            partials = [partial async for partial in stream.partials()]
            final = await stream.get_final_response()
        with pytest.raises(LengthFinishReasonError):
            await client.chat.parse(model="m", messages=MSG, response_format=City)
    assert partials[-1] == json.loads("".join(PIECES)) and len(partials) == 4
    assert final.parsed.name == "Paris"


def test_parsed_arguments_whether_string_or_object() -> None:
    from mistral_client import InvalidToolArgumentsError
    from mistral_client.types import FunctionCall

    assert FunctionCall(name="f", arguments='{"a": 1}').parsed_arguments == {"a": 1}
    assert FunctionCall(name="f", arguments={"a": 1}).parsed_arguments == {"a": 1}
    assert FunctionCall(name="f", arguments="").parsed_arguments == {}
    with pytest.raises(InvalidToolArgumentsError, match="'f': not JSON"):
        _ = FunctionCall(name="f", arguments='{"a": ').parsed_arguments
    with pytest.raises(InvalidToolArgumentsError, match="expected a JSON object"):
        _ = FunctionCall(name="f", arguments="[1]").parsed_arguments


class CityDict(TypedDict):
    name: str
    population: int


@dataclasses.dataclass
class CityRecord:
    name: str
    population: int


def test_typeddict_and_dataclass_outputs(serve: Serve) -> None:
    script = Script(answer(PARIS), answer(PARIS))
    with client_for(serve(script)) as client:
        as_dict = client.chat.parse(model="m", messages=MSG, response_format=CityDict).parsed
        record = client.chat.parse(model="m", messages=MSG, response_format=CityRecord).parsed
    # A TypedDict ignores keys it does not declare; the schema sent forbade them anyway.
    assert as_dict == {"name": "Paris", "population": 2100000}
    assert record == CityRecord(name="Paris", population=2100000)
    assert [body["response_format"]["json_schema"]["name"] for body in script.bodies] == [
        "CityDict",
        "CityRecord",
    ]
