"""Request bodies. Bounds here turn bad input into a 422 before any use case runs.

A body takes JSON's own types only (no ``"5"`` for 5, no ``true`` for 1), and a whole
number written ``5.0`` is 5, as JSON Schema's ``integer`` says. A rule the server checks in
its own code, with its own error code (a PIN's digits, a name that is not blank), is shown
in the OpenAPI document with ``Documented``, so the document says what the server takes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

ID_PATTERN = r"^[A-Za-z0-9_-]+$"
MAX_CENTS = 100_000_000
# No NUL character (PostgreSQL cannot store one).
NO_NUL_PATTERN = r"^[^\x00]*$"
# Something besides blanks, and no NUL: a name the server trims and refuses when blank.
NOT_BLANK_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


class Documented:
    """JSON Schema keywords for a rule the server enforces in its own code: added to the
    type's schema in the OpenAPI document (pydantic does not check them again)."""

    def __init__(self, **keywords: Any) -> None:
        self.keywords = keywords

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema.update(self.keywords)
        return schema


Id = Annotated[str, Field(min_length=1, max_length=40, pattern=ID_PATTERN)]
PathId = Annotated[str, Path(min_length=1, max_length=40, pattern=ID_PATTERN)]
Text = Annotated[str, AfterValidator(_no_nul), Documented(pattern=NO_NUL_PATTERN)]
# Text the server trims and refuses when nothing is left (a name, a reason).
NotBlank = Annotated[Text, Documented(pattern=NOT_BLANK_PATTERN)]


def _whole_numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    return value


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _json_integers(cls, data: Any) -> Any:
        """5.0 is the integer 5 in JSON; 5.5 stays a float, which no integer field takes."""
        if isinstance(data, dict):
            return {key: _whole_numbers(value) for key, value in data.items()}
        return data
