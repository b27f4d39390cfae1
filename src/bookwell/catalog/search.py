"""Text search and JSON predicates over the catalog, one interface per database.

Words are matched against the search projection `search_offers` (migration
20261122_0006). `PostgresSearch` uses full text search on its GIN-indexed tsvector
`document` (the name's words with weight A, then the description's) and pg_trgm on
`services.name` for typos; `SqliteSearch` uses the FTS5 table `services_fts`
(migration 20261121_0003). Both take the same words (split and lower-cased here, the
last word matched as a prefix) and agree on which services match plain words and in
what order. Expressions take their values (words, weekday, specialties) as bound
parameters, so that a search statement can be built once and run many times. Known
differences: SQLite folds Latin diacritics (cafe = café), PostgreSQL does not;
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
    BindParameter,
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

from bookwell.models import SearchOffer, Service

Json = SQLColumnExpression[Any]
Param = BindParameter[Any]

# Letters and digits; punctuation and underscores separate words on both databases.
_WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8


def query_words(text: str) -> tuple[str, ...]:
    """The words of a search query, lower-cased, at most MAX_WORDS of them."""
    return tuple(word.lower() for word in _WORD.findall(text)[:MAX_WORDS])


@dataclass(frozen=True, slots=True)
class WordQuery:
    """The words of a search in one database's query language: every word anywhere in
    name or description, and every word in the name."""

    anywhere: str
    in_name: str


@dataclass(frozen=True, slots=True)
class TextMatch:
    """Which search rows match, and a rank to order them by (lower is better)."""

    condition: ColumnElement[bool]
    rank: ColumnElement[Any]
    # Condition and rank read `Service` columns: the search joins services for them.
    reads_services: bool = False


class SearchDialect(Protocol):
    """What differs between the databases when searching the catalog."""

    # Statements that set up the transaction of a search, run before its queries.
    settings: tuple[str, ...]

    def word_query(self, words: Sequence[str]) -> WordQuery:
        """`words` (the last one matched as a prefix) in this database's query language."""
        ...

    def words(self, anywhere: Param, in_name: Param) -> TextMatch:
        """Search rows whose service matches `anywhere` (a WordQuery's, bound when the
        statement runs); those matching `in_name` rank first."""
        ...

    def similar(self, text: Param) -> TextMatch | None:
        """Search rows whose service's name resembles `text` despite typos; None where
        the database cannot tell."""
        ...

    def lower(self, value: SQLColumnExpression[str]) -> ColumnElement[str]:
        """Unicode lower case (Cyrillic and Kazakh included)."""
        ...

    def usually(self, condition: SQLColumnExpression[bool]) -> ColumnElement[bool]:
        """A condition true for most rows (an active flag): not one to start from."""
        ...

    def has_any(self, json_list: Json, values: Param) -> ColumnElement[bool]:
        """The JSON list of strings holds one of `values` (an expanding parameter of
        lower-case strings; compared lower-cased)."""
        ...

    def has_hours_on(self, json_week: Json, day: Param) -> ColumnElement[bool]:
        """The weekly hours (`{"monday": [{"start", "end"}, ...]}`) list `day`."""
        ...


_SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")


class PostgresSearch:
    # Parallel workers cost more than they save when many searches share few cores;
    # and the planner, underrating pg_trgm's `<%`, chose a parallel scan testing every
    # service name (0.7 s) over the trigram index (0.15 s) for typo-tolerant searches.
    settings: tuple[str, ...] = ("SET LOCAL max_parallel_workers_per_gather = 0",)

    def word_query(self, words: Sequence[str]) -> WordQuery:
        *whole, last = words
        anywhere = [f"'{word}'" for word in whole] + [f"'{last}':*"]
        # Weight A marks the words of the name in SearchOffer.document.
        in_name = [f"'{word}':A" for word in whole] + [f"'{last}':*A"]
        return WordQuery(anywhere=" & ".join(anywhere), in_name=" & ".join(in_name))

    def words(self, anywhere: Param, in_name: Param) -> TextMatch:
        # A sub-select runs once per execution. Inline, a generic plan (prepared
        # statements switch to one) would parse the query again for every row it sorts.
        in_name_query = select(func.to_tsquery(_SIMPLE, in_name)).scalar_subquery()
        return TextMatch(
            condition=SearchOffer.document.bool_op("@@")(func.to_tsquery(_SIMPLE, anywhere)),
            rank=case((SearchOffer.document.bool_op("@@")(in_name_query), 0), else_=1),
        )

    def similar(self, text: Param) -> TextMatch | None:
        # `<%`: word similarity above pg_trgm.word_similarity_threshold, GIN-indexed.
        return TextMatch(
            condition=text.bool_op("<%")(Service.name),
            rank=literal(1.0, Float) - func.word_similarity(text, Service.name),
            reads_services=True,
        )

    def lower(self, value: SQLColumnExpression[str]) -> ColumnElement[str]:
        return func.lower(value)

    def usually(self, condition: SQLColumnExpression[bool]) -> ColumnElement[bool]:
        # The planner has statistics; the flag stays as it is.
        return and_(condition)

    def has_any(self, json_list: Json, values: Param) -> ColumnElement[bool]:
        as_list = case(
            (func.json_typeof(json_list) == "array", json_list),
            else_=literal_column("'[]'::json"),
        )
        items = func.json_array_elements_text(as_list).table_valued("value")
        return exists(
            select(literal(1)).select_from(items).where(func.lower(items.c.value).in_(values))
        )

    def has_hours_on(self, json_week: Json, day: Param) -> ColumnElement[bool]:
        hours = func.json_extract_path(json_week, day, type_=JSON)
        as_list = case((func.json_typeof(hours) == "array", hours))
        return func.coalesce(func.json_array_length(as_list), 0) > 0


_FTS = table("services_fts", column("service_id"))
_FTS_MATCH: ColumnElement[Any] = literal_column("services_fts")


def _phrase(word: str, *, prefix: bool = False) -> str:
    return f'"{word}"*' if prefix else f'"{word}"'


def _fts_matches(query: Param) -> ColumnElement[bool]:
    ids = select(_FTS.c.service_id).where(_FTS_MATCH.op("MATCH")(query))
    return SearchOffer.service_id.in_(ids)


class SqliteSearch:
    settings: tuple[str, ...] = ()

    def word_query(self, words: Sequence[str]) -> WordQuery:
        phrases = [_phrase(word, prefix=i == len(words) - 1) for i, word in enumerate(words)]
        return WordQuery(
            anywhere=" AND ".join(phrases),
            in_name=" AND ".join(f"name : {phrase}" for phrase in phrases),
        )

    def words(self, anywhere: Param, in_name: Param) -> TextMatch:
        return TextMatch(
            condition=_fts_matches(anywhere), rank=case((_fts_matches(in_name), 0), else_=1)
        )

    def similar(self, text: Param) -> TextMatch | None:
        return None

    def lower(self, value: SQLColumnExpression[str]) -> ColumnElement[str]:
        # Registered on every SQLite connection by bookwell.db.
        return func.unicode_lower(value)

    def usually(self, condition: SQLColumnExpression[bool]) -> ColumnElement[bool]:
        # Without ANALYZE statistics SQLite takes `is_active = 1` for a selective index
        # and may start from it, probing a text-match list once per master (minutes on
        # 50k services); likely() marks the flag as unselective.
        return func.likely(condition, type_=Boolean)

    def has_any(self, json_list: Json, values: Param) -> ColumnElement[bool]:
        items = func.json_each(json_list).table_valued("value")
        return exists(
            select(literal(1))
            .select_from(items)
            .where(func.unicode_lower(items.c.value).in_(values))
        )

    def has_hours_on(self, json_week: Json, day: Param) -> ColumnElement[bool]:
        length = func.json_array_length(json_week, literal("$.") + day, type_=Integer)
        return func.coalesce(length, 0) > 0


def search_dialect(name: str) -> SearchDialect:
    """The implementation for a SQLAlchemy dialect name."""
    if name == "postgresql":
        return PostgresSearch()
    if name == "sqlite":
        return SqliteSearch()
    raise ValueError(f"catalog search does not support the {name} database")
