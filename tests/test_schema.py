"""``mistral_client.json_schema(T)``: strict, self-contained schemas for every shape a user writes."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Literal, Optional

import jsonschema
import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict  # pydantic needs this one on Python < 3.12

from mistral_client import json_schema


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Address(BaseModel):
    street: str
    city: str


class Person(BaseModel):
    """A person."""

    name: str = Field(description="Full name")
    age: int | None = None
    address: Address
    previous: list[Address] = []
    favourite: Color
    kind: Literal["adult", "child"]
    contact: Address | str
    tags: dict[str, int] = {}


class Node(BaseModel):
    value: int
    children: list[Node] = []


class Point(TypedDict):
    x: float
    y: float


@dataclasses.dataclass
class Segment:
    start: Point
    end: Point
    label: Optional[str] = None  # noqa: UP045 - the spelling users still write


def objects(schema: Any) -> list[dict[str, Any]]:
    """Every object schema in ``schema``, $defs included."""
    found = []
    if isinstance(schema, dict):
        if schema.get("type") == "object" or "properties" in schema:
            found.append(schema)
        for key, value in schema.items():
            if key in ("properties", "$defs"):
                for child in value.values():
                    found += objects(child)
            elif key != "enum":
                found += objects(value)
    elif isinstance(schema, list):
        for item in schema:
            found += objects(item)
    return found


def refs(schema: Any) -> list[str]:
    if isinstance(schema, dict):
        own = [schema["$ref"]] if isinstance(schema.get("$ref"), str) else []
        return own + [ref for value in schema.values() for ref in refs(value)]
    if isinstance(schema, list):
        return [ref for item in schema for ref in refs(item)]
    return []


@pytest.mark.parametrize("type_", [Person, Node, Point, Segment, Address])
def test_every_object_forbids_extra_keys_and_every_ref_resolves(type_: Any) -> None:
    schema = json_schema(type_)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object"
    for obj in objects(schema):
        if obj is not schema.get("properties", {}).get("tags"):
            assert obj["additionalProperties"] is False, obj
    for ref in refs(schema):
        assert ref.startswith("#/$defs/") and ref[8:] in schema["$defs"], ref
    assert "title" not in str(objects(schema)[0].get("properties", {}).get("name", {}))


def test_nested_optional_enum_list_union_and_dict_shapes() -> None:
    schema = json_schema(Person)
    properties = schema["properties"]
    assert schema["required"] == ["name", "address", "favourite", "kind", "contact"]
    assert properties["name"] == {"type": "string", "description": "Full name"}
    assert schema["description"] == "A person."
    assert {"type": "null"} in properties["age"]["anyOf"]
    assert properties["address"] == {"$ref": "#/$defs/Address"}
    assert properties["previous"]["items"] == {"$ref": "#/$defs/Address"}
    assert schema["$defs"]["Color"]["enum"] == ["red", "blue"]
    assert properties["kind"]["enum"] == ["adult", "child"]
    assert {"type": "string"} in properties["contact"]["anyOf"]
    # A dict keeps its value schema: the keys are the user's data, not fixed fields.
    assert properties["tags"]["additionalProperties"] == {"type": "integer"}
    validator = jsonschema.Draft202012Validator(schema)
    good = {
        "name": "Ada",
        "address": {"street": "1 rue", "city": "Paris"},
        "favourite": "red",
        "kind": "adult",
        "contact": "ada@example.com",
    }
    validator.validate(good)
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**good, "address": {"street": "1 rue", "city": "Paris", "zip": "75001"}})
    assert "title" not in repr(schema)


def test_a_recursive_model_has_an_object_root_and_resolvable_refs() -> None:
    schema = json_schema(Node)
    assert schema["type"] == "object" and "$ref" not in schema
    assert schema["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    validator = jsonschema.Draft202012Validator(schema)
    validator.validate({"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]})
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({"value": 1, "children": [{"value": "two"}]})


def test_typeddict_and_dataclass() -> None:
    point = json_schema(Point)
    assert point == {
        "type": "object",
        "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
        "required": ["x", "y"],
        "additionalProperties": False,
    }
    segment = json_schema(Segment)
    assert segment["required"] == ["start", "end"]
    assert segment["$defs"]["Point"]["additionalProperties"] is False
    jsonschema.Draft202012Validator(segment).validate({"start": {"x": 0, "y": 0}, "end": {"x": 1, "y": 1}})


def test_fields_named_like_keywords_are_kept() -> None:
    class Book(BaseModel):
        title: str
        properties: dict[str, str] = {}

    schema = json_schema(Book)
    assert list(schema["properties"]) == ["title", "properties"]
    assert schema["required"] == ["title"]
