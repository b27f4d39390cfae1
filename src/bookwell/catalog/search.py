"""Text search and JSON predicates over the catalog, one interface per database.

`PostgresSearch` uses full text search on the GIN-indexed expression
`to_tsvector('simple', name || ' ' || description)` and pg_trgm on `name` for typos;
`SqliteSearch` uses the FTS5 table `services_fts` (both made by migration
20261121_0003). Both take the same words (split and lower-cased here, the last word
matched as a prefix) and agree on which services match plain words and in what order.
Known differences: SQLite folds Latin diacritics (cafe = café), PostgreSQL does not;
PostgreSQL keeps "3.5" or "e-mail" as one token besides their parts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

# Registers PostgreSQL's to_tsvector/to_tsquery with `func` (needed before building them).
import sqlalchemy.dialects.postgresql  # noqa: F401
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    Integer,
    SQLColumnExpression,
    and_,
    case,
    column,
    exists,
    func,
    literal,
    literal_column,
    select,
    table,
)
from sqlalchemy.types import JSON

from bookwell.models import Service

Json = SQLColumnExpression[Any]

# Letters and digits; punctuation and underscores separate words on both databases.
_WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8


def query_words(text: str) -> tuple[str, ...]:
    """The words of a search query, lower-cased, at most MAX_WORDS of them."""
    return tuple(word.lower() for word in _WORD.findall(text)[:MAX_WORDS])


@dataclass(frozen=True, slots=True)
class TextMatch:
    """Which services match, and a rank to order them by (lower is better)."""

    condition: ColumnElement[bool]
    rank: ColumnElement[Any]


class SearchDialect(Protocol):
    """What differs between the databases when searching the catalog."""

    def words(self, words: Sequence[str]) -> TextMatch:
        """Services containing every word (the last one as a prefix) in name or
        description; those whose name holds all of them rank first."""
        ...

    def similar(self, text: str) -> TextMatch | None:
        """Services whose name resembles `text` despite typos; None where the
        database cannot tell."""
        ...

    def lower(self, value: SQLColumnExpression[str]) -> ColumnElement[str]:
        """Unicode lower case (Cyrillic and Kazakh included)."""
        ...

    def usually(self, condition: SQLColumnExpression[bool]) -> ColumnElement[bool]:
        """A condition true for most rows (an active flag): not one to start from."""
        ...

    def has_any(self, json_list: Json, values: Sequence[str]) -> ColumnElement[bool]:
        """The JSON list of strings holds one of `values` (compared lower-cased)."""
        ...

    def has_hours_on(self, json_week: Json, day: str) -> ColumnElement[bool]:
        """The weekly hours (`{"monday": [{"start", "end"}, ...]}`) list `day`."""
        ...


_SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")
# Exactly the indexed expression of ix_services_search_document, so the GIN index is used.
_DOCUMENT = func.to_tsvector(
    _SIMPLE, Service.name.op("||")(literal_column("' '")).op("||")(Service.description)
)


class PostgresSearch:
    def words(self, words: Sequence[str]) -> TextMatch:
        *whole, last = words
        terms = [f"'{word}'" for word in whole] + [f"'{last}':*"]
        query = func.to_tsquery(_SIMPLE, literal(" & ".join(terms)))
        return TextMatch(
            condition=_DOCUMENT.bool_op("@@")(query),
            rank=case((func.to_tsvector(_SIMPLE, Service.name).bool_op("@@")(query), 0), else_=1),
        )

    def similar(self, text: str) -> TextMatch | None:
        # `<%`: word similarity above pg_trgm.word_similarity_threshold, GIN-indexed.
        return TextMatch(
            condition=literal(text).bool_op("<%")(Service.name),
            rank=literal(1.0, Float) - func.word_similarity(literal(text), Service.name),
        )

    def lower(self, value: SQLColumnExpression[str]) -> ColumnElement[str]:
        return func.lower(value)

    def usually(self, condition: SQLColumnExpression[bool]) -> ColumnElement[bool]:
        # The planner has statistics; the flag stays as it is.
        return and_(condition)

    def has_any(self, json_list: Json, values: Sequence[str]) -> ColumnElement[bool]:
        as_list = case(
            (func.json_typeof(json_list) == "array", json_list),
            else_=literal_column("'[]'::json"),
        )
        items = func.json_array_elements_text(as_list).table_valued("value")
        return exists(
            select(literal(1)).select_from(items).where(func.lower(items.c.value).in_(values))
        )

    def has_hours_on(self, json_week: Json, day: str) -> ColumnElement[bool]:
        hours = func.json_extract_path(json_week, literal(day), type_=JSON)
        as_list = case((func.json_typeof(hours) == "array", hours))
        return func.coalesce(func.json_array_length(as_list), 0) > 0


_FTS = table("services_fts", column("service_id"))
_FTS_MATCH: ColumnElement[Any] = literal_column("services_fts")


def _phrase(word: str, *, prefix: bool = False) -> str:
    return f'"{word}"*' if prefix else f'"{word}"'


class SqliteSearch:
    def _matching(self, expression: str) -> ColumnElement[bool]:
        ids = select(_FTS.c.service_id).where(_FTS_MATCH.op("MATCH")(literal(expression)))
        return Service.id.in_(ids)

    def words(self, words: Sequence[str]) -> TextMatch:
        phrases = [_phrase(word, prefix=i == len(words) - 1) for i, word in enumerate(words)]
        in_name = " AND ".join(f"name : {phrase}" for phrase in phrases)
        return TextMatch(
            condition=self._matching(" AND ".join(phrases)),
            rank=case((self._matching(in_name), 0), else_=1),
        )

    def similar(self, text: str) -> TextMatch | None:
        return None

    def lower(self, value: SQLColumnExpression[str]) -> ColumnElement[str]:
        # Registered on every SQLite connection by bookwell.db.
        return func.unicode_lower(value)

    def usually(self, condition: SQLColumnExpression[bool]) -> ColumnElement[bool]:
        # Without ANALYZE statistics SQLite takes `is_active = 1` for a selective index
        # and may start from it, probing a text-match list once per master (minutes on
        # 50k services); likely() marks the flag as unselective.
        return func.likely(condition, type_=Boolean)

    def has_any(self, json_list: Json, values: Sequence[str]) -> ColumnElement[bool]:
        items = func.json_each(json_list).table_valued("value")
        return exists(
            select(literal(1))
            .select_from(items)
            .where(func.unicode_lower(items.c.value).in_(values))
        )

    def has_hours_on(self, json_week: Json, day: str) -> ColumnElement[bool]:
        length = func.json_array_length(json_week, literal(f"$.{day}"), type_=Integer)
        return func.coalesce(length, 0) > 0


def search_dialect(name: str) -> SearchDialect:
    """The implementation for a SQLAlchemy dialect name."""
    if name == "postgresql":
        return PostgresSearch()
    if name == "sqlite":
        return SqliteSearch()
    raise ValueError(f"catalog search does not support the {name} database")
