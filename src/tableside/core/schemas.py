"""Request bodies. Bounds here turn bad input into a 422 before any use case runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

ID_PATTERN = r"^[A-Za-z0-9_-]+$"
MAX_CENTS = 100_000_000


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


Id = Annotated[str, Field(min_length=1, max_length=40, pattern=ID_PATTERN)]
PathId = Annotated[str, Path(min_length=1, max_length=40, pattern=ID_PATTERN)]
Text = Annotated[str, AfterValidator(_no_nul)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
