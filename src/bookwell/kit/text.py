"""The one rule for text a client sends: printable characters, line breaks and tabs.

NUL cannot be stored in PostgreSQL text (the driver fails: a 500, where SQLite would
keep it); other C0 controls, DEL and lone UTF-16 surrogates (which cannot be encoded
as UTF-8) corrupt what is later shown in a page, an email or a Telegram message.
Request bodies get the rule from RequestModel; the path and the query string from
PrintableInputMiddleware.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic_core import PydanticCustomError

_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

MESSAGE = "must not contain control characters (such as NUL) or unpaired surrogates"


def has_control_characters(value: Any) -> bool:
    """Whether the text, or any text inside a list, set or mapping, breaks the rule."""
    if isinstance(value, str):
        return _FORBIDDEN.search(value) is not None
    if isinstance(value, list | tuple | set | frozenset):
        return any(has_control_characters(item) for item in value)
    if isinstance(value, dict):
        return any(has_control_characters(k) or has_control_characters(v) for k, v in value.items())
    return False


def refuse_control_characters(value: Any) -> Any:
    """A pydantic field validator: the value unchanged, or a CONTROL_CHARACTERS error."""
    if has_control_characters(value):
        raise PydanticCustomError("control_characters", MESSAGE)
    return value
