"""Field types with clear validation messages, shared by the domains' schemas."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def _phone(value: str) -> str:
    compact = re.sub(r"[\s\-().]", "", value)
    if not _E164.match(compact):
        raise ValueError("must be an international phone number, e.g. +14155550123")
    return compact


PhoneNumber = Annotated[str, AfterValidator(_phone)]
# Passwords are taken exactly as typed: spaces at either end are part of them.
Password = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=1024)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
