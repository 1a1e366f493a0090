"""``@tool`` / ``FunctionTool``: schemas from signatures and docstrings, validation, results, sending."""

from __future__ import annotations

import dataclasses
import enum
import functools
import subprocess
import sys
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field

from mistral_client import Client, FunctionTool, InvalidToolArgumentsError, tool
from mistral_client.testing import FakeBackend
from mistral_client.types import Function, Tool

from .loopback import LoopbackServer
from .scripted import Script, answer, streamed

MSG = [{"role": "user", "content": "Hi"}]


class Unit(enum.Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class Place(BaseModel):
    city: str
    country: str = "FR"


@tool
def forecast(place: Place, days: int = 1, unit: Unit = Unit.CELSIUS) -> dict[str, Any]:
    """Forecast the weather.

    Uses a made-up service.

    Args:
        place: Where to forecast.
        days: How many days ahead.
        unit: The temperature unit.
    """
    return {"place": place, "days": days, "unit": unit}


def test_the_tool_is_still_the_function() -> None:
    assert isinstance(forecast, FunctionTool)
    assert forecast(Place(city="Paris"), days=2)["days"] == 2
    assert forecast.__name__ == "forecast" and "Forecast the weather." in (forecast.__doc__ or "")


def test_schema_from_signature_and_google_docstring() -> None:
    assert forecast.name == "forecast"
    assert forecast.description == "Forecast the weather.\n\nUses a made-up service."
    parameters = forecast.parameters
    assert parameters["required"] == ["place"]
    assert parameters["additionalProperties"] is False
    assert parameters["properties"]["place"] == {"$ref": "#/$defs/Place", "description": "Where to forecast."}
    assert parameters["properties"]["days"] == {
        "type": "integer",
        "default": 1,
        "description": "How many days ahead.",
    }
    assert parameters["$defs"]["Unit"]["enum"] == ["celsius", "fahrenheit"]
    assert parameters["$defs"]["Place"]["additionalProperties"] is False
    assert forecast.definition == {
        "type": "function",
        "function": {"name": "forecast", "description": forecast.description, "parameters": parameters},
    }


def test_numpy_and_sphinx_docstrings_and_explicit_field_descriptions() -> None:
    def numpy_style(query: str, limit: int = 10) -> list[str]:
        """Search the catalogue.

        Parameters
        ----------
        query : str
            Words to look for.
        limit : int
            At most this many results.
        """
        return []

    def sphinx_style(query: str, mode: Literal["fast", "exact"] = "fast") -> str:
        """Search.

        :param query: Words to look for.
        :param mode: How hard to look.
        """
        return query

    def annotated(query: Annotated[str, Field(description="Explicit wins")]) -> str:
        """Search.

        Args:
            query: From the docstring.
        """
        return query

    numpy_tool = tool(numpy_style)
    assert numpy_tool.description == "Search the catalogue."
    assert numpy_tool.parameters["properties"]["limit"]["description"] == "At most this many results."
    sphinx_tool = tool(sphinx_style, name="search", description="Find things")
    assert (sphinx_tool.name, sphinx_tool.description) == ("search", "Find things")
    assert sphinx_tool.parameters["properties"]["mode"] == {
        "enum": ["fast", "exact"],
        "type": "string",
        "default": "fast",
        "description": "How hard to look.",
    }
    assert tool(annotated).parameters["properties"]["query"]["description"] == "Explicit wins"

    @tool(name="lookup", description="Look it up")
    def decorated(query: str) -> str:
        return query

    assert (decorated.name, decorated.description, decorated("x")) == ("lookup", "Look it up", "x")


def test_arguments_are_validated_and_coerced_nested_models_arrive_as_models() -> None:
    args, kwargs = forecast.validate_arguments(
        '{"place": {"city": "Lyon"}, "days": "3", "unit": "fahrenheit"}'
    )
    assert args == []
    assert kwargs == {"place": Place(city="Lyon"), "days": 3, "unit": Unit.FAHRENHEIT}
    assert forecast.run({"place": {"city": "Lyon"}}) == (
        '{"place":{"city":"Lyon","country":"FR"},"days":1,"unit":"celsius"}'
    )
    with pytest.raises(InvalidToolArgumentsError) as caught:
        forecast.validate_arguments('{"place": {}, "days": "soon", "colour": 1}')
    assert caught.value.errors == [
        ("place.city", "Field required"),
        ("days", "Input should be a valid integer, unable to parse string as an integer"),
        ("colour", "Extra inputs are not permitted"),
    ]
    with pytest.raises(
        InvalidToolArgumentsError, match="Invalid arguments for forecast: <arguments>: Invalid JSON"
    ):
        forecast.validate_arguments('{"place": ')


@dataclasses.dataclass
class Reading:
    celsius: float


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain text", "plain text"),
        (Place(city="Nice"), '{"city":"Nice","country":"FR"}'),
        (Reading(21.5), '{"celsius":21.5}'),
        ({"a": [1, 2]}, '{"a":[1,2]}'),
        ([Reading(1.0)], '[{"celsius":1.0}]'),
        (None, "null"),
    ],
)
def test_return_values_become_tool_message_text(value: Any, text: str) -> None:
    assert tool(lambda: value, name="give").run("") == text


async def _async_add(a: int, b: int) -> int:
    return a + b


class Calculator:
    def __init__(self, offset: int) -> None:
        self.offset = offset

    @tool
    def shift(self, x: int) -> int:
        """Add the offset.

        Args:
            x: The number.
        """
        return x + self.offset


def test_async_functions_methods_and_partials() -> None:
    async_tool = tool(_async_add)
    assert async_tool.is_async and async_tool.run({"a": 1, "b": "2"}) == "3"

    class AsyncCallable:
        async def __call__(self, a: int) -> int:
            return a

    callable_tool = tool(AsyncCallable(), name="echo")
    assert callable_tool.is_async and callable_tool.run({"a": 4}) == "4"

    shift = Calculator(10).shift
    assert "self" not in shift.parameters["properties"]
    assert shift.parameters["properties"]["x"]["description"] == "The number."
    assert shift(1) == 11 and shift.run('{"x": 5}') == "15"
    assert tool(Calculator(1).shift, name="shift_by_one").run({"x": 1}) == "2"

    class Toolbox:
        weather = forecast  # a tool kept on a class is not a method

    assert Toolbox().weather is forecast

    def power(base: int, exponent: int) -> int:
        return int(base**exponent)

    square = tool(functools.partial(power, exponent=2), name="square")
    assert list(square.parameters["properties"]) == ["base"]  # bound by keyword: not the model's
    assert square.run({"base": 3}) == "9"
    with pytest.raises(InvalidToolArgumentsError):
        square.run({"base": 3, "exponent": 3})
    cube = tool(functools.partial(power, 2))
    assert cube.name == "power" and list(cube.parameters["properties"]) == ["exponent"]
    assert cube.run({"exponent": 3}) == "8"


def test_a_partial_binding_a_dependency_by_keyword() -> None:
    class Database:  # not a type pydantic can describe: it must stay out of the schema
        def get(self, key: str) -> str:
            return key.upper()

    def lookup(key: str, db: Database) -> str:
        """Look a key up."""
        return db.get(key)

    secret_db = Database()
    lookup_tool = tool(functools.partial(lookup, db=secret_db))
    assert lookup_tool.name == "lookup" and list(lookup_tool.parameters["properties"]) == ["key"]
    assert lookup_tool.parameters["required"] == ["key"]
    assert lookup_tool.run({"key": "a"}) == "A"


def test_variadic_and_nameless_functions_are_refused() -> None:
    def spread(*values: int) -> int:
        return sum(values)

    with pytest.raises(TypeError, match="variadic"):
        tool(spread)
    with pytest.raises(TypeError, match="pass name="):
        tool(lambda: 1)


def test_tools_mix_function_tools_dicts_and_models_when_sent(serve: Any) -> None:
    script = Script(answer("ok"), streamed("ok"))
    model_tool = Tool(function=Function(name="lookup", parameters={"type": "object", "properties": {}}))
    dict_tool = {"type": "function", "function": {"name": "ping", "parameters": {"type": "object"}}}
    server: LoopbackServer = serve(script)
    with Client(api_key="k", base_url=server.url) as client:
        client.chat.complete(model="m", messages=MSG, tools=[forecast, model_tool, dict_tool])
        with client.chat.stream(model="m", messages=MSG, tools=[dict_tool, forecast]) as stream:
            stream.get_final_response()
    sent = [[item["function"]["name"] for item in body["tools"]] for body in script.bodies]
    assert sent == [["forecast", "lookup", "ping"], ["ping", "forecast"]]
    assert script.bodies[0]["tools"][0] == forecast.definition


def test_the_docstring_parser_loads_only_when_a_tool_is_made() -> None:
    code = (
        "import sys, mistral_client\n"
        "from mistral_client import tool\n"
        "assert 'docstring_parser' not in sys.modules\n"
        "tool(lambda: 1, name='one')\n"
        "assert 'docstring_parser' not in sys.modules  # no docstring, nothing to parse\n"
        "def f() -> None:\n"
        "    'Doc.'\n"
        "tool(f)\n"
        "assert 'docstring_parser' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.anyio
async def test_an_async_tool_run_synchronously_inside_an_event_loop(anyio_backend: str) -> None:
    # A sync runner used where a loop already runs (a notebook cell, async code calling sync code).
    async_tool = tool(_async_add)
    assert async_tool.run({"a": 1, "b": 2}) == "3"
    fake = FakeBackend()
    fake.add_response(tool_calls=[{"name": "_async_add", "arguments": {"a": 2, "b": 3}}]).add_response("5")
    runner = Client(backend=fake).chat.tool_runner(
        model="m", messages=[{"role": "user", "content": "2 + 3?"}], tools=[async_tool]
    )
    assert runner.until_done().text == "5" and runner.messages[2].content == "5"


class _Place(BaseModel):
    city: str


class _Finder:
    """Find places."""

    def __call__(self, place: _Place, limit: int = 3) -> str:
        return f"{place.city} {limit}"


def test_a_callable_object_with_postponed_annotations() -> None:
    # This module uses `from __future__ import annotations`: the hints are strings to resolve.
    finder = tool(_Finder(), name="find")
    assert finder.parameters["properties"]["place"] == {"$ref": "#/$defs/_Place"}
    assert finder.run({"place": {"city": "Paris"}}) == "Paris 3"
