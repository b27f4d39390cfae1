"""Every query of the catalog: public search, categories, service details.

A search row is one (service, master) pair: a service offered by three masters is
three rows, each with its own specialist. Visible means: active service of an active
business, offered by an active master (of the same business) whose user is active.
A search costs two statements: one for the count and the facets, one for the page.
Both read the search projection `SearchOffer` alone (the visible pairs with their
category, comparable price, rating, reviews and searchable text, kept by triggers;
`services` is joined only for typo-tolerant name matching); the page joins the detail
tables for its own rows alone.
"""

from __future__ import annotations

import functools
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    SQLColumnExpression,
    String,
    bindparam,
    case,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.catalog.search import SearchDialect, TextMatch, search_dialect
from bookwell.models import (
    Business,
    BusinessStatus,
    Category,
    Location,
    Master,
    SearchOffer,
    Service,
    User,
    service_masters,
)


class SortBy(StrEnum):
    RELEVANCE = "relevance"
    RATING = "rating"
    PRICE = "price"
    REVIEWS = "reviews"


# Prices are compared in 1/10_000 of a major unit (SearchOffer.price_scaled) so that
# currencies with 0, 2, 3 or 4 decimals (JPY, USD, KWD, CLF) compare in major units.
PRICE_DIGITS = 4

# Lower ends (major units) of the price ranges reported with a search.
PRICE_RANGE_STARTS = (0, 51, 101, 201, 501, 1001)


def scaled(amount: Decimal, *, round_up: bool) -> int:
    """A major-unit amount in the 1/10_000 units of SearchOffer.price_scaled."""
    value = amount.scaleb(PRICE_DIGITS)
    return math.ceil(value) if round_up else math.floor(value)


@dataclass(frozen=True, slots=True)
class SearchCriteria:
    words: tuple[str, ...] = ()
    category: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    min_rating: Decimal | None = None
    location: str | None = None
    # Lower-case weekday name ("monday"): the master must work that day.
    works_on: str | None = None
    specialties: tuple[str, ...] = ()
    sort_by: SortBy = SortBy.RELEVANCE
    descending: bool = True
    # Match names despite typos (PostgreSQL) instead of exact words.
    fuzzy: bool = False


@dataclass(frozen=True, slots=True)
class SpecialistRow:
    master_id: uuid.UUID
    business_name: str
    first_name: str
    last_name: str
    avatar_url: str | None
    rating: Decimal
    total_reviews: int
    is_verified: bool
    auto_confirm: bool
    description: str
    specialties: list[str]
    experience_years: int


@dataclass(frozen=True, slots=True)
class SearchHit:
    service_id: uuid.UUID
    name: str
    description: str
    price: int
    currency: str
    duration_minutes: int
    category_id: str | None
    specialist: SpecialistRow


@dataclass(frozen=True, slots=True)
class PriceRangeCount:
    start: int
    end: int | None
    count: int


@dataclass(frozen=True, slots=True)
class SearchPage:
    total: int
    hits: list[SearchHit]
    categories: list[str]
    price_ranges: list[PriceRangeCount]


@dataclass(frozen=True, slots=True)
class CategoryRow:
    category: Category
    service_count: int


_SPECIALIST_COLUMNS = (
    Master.id,
    Business.name,
    User.first_name,
    User.last_name,
    User.avatar_url,
    Master.rating,
    Master.total_reviews,
    Master.is_verified,
    func.coalesce(Master.auto_confirm, Business.auto_confirm),
    Master.description,
    Master.specialties,
    Master.experience_years,
)


def _specialist(row: Sequence[Any]) -> SpecialistRow:
    return SpecialistRow(
        master_id=row[0],
        business_name=row[1],
        first_name=row[2],
        last_name=row[3],
        avatar_url=row[4],
        rating=Decimal(row[5]),
        total_reviews=row[6],
        is_verified=bool(row[7]),
        auto_confirm=bool(row[8]),
        description=row[9],
        specialties=list(row[10] or []),
        experience_years=row[11],
    )


_SelectT = TypeVar("_SelectT", bound="Select[*tuple[Any, ...]]")


def _visible_offers(statement: _SelectT, dialect: SearchDialect) -> _SelectT:
    """Join services to their business, masters and the masters' users; keep what the
    public may see. Service editing keeps a service's masters in its own business; a
    second business check here would only mislead the planner's row estimates."""
    return (
        statement.select_from(Service)
        .join(Business, Business.id == Service.business_id)
        .join(service_masters, service_masters.c.service_id == Service.id)
        .join(Master, Master.id == service_masters.c.master_id)
        .join(User, User.id == Master.user_id)
        .where(
            dialect.usually(Service.is_active),
            dialect.usually(Business.status == BusinessStatus.ACTIVE),
            dialect.usually(Master.is_active),
            dialect.usually(User.is_active),
        )
    )


# --- search statements -----------------------------------------------------------
#
# The SQL of a search depends only on its shape: which criteria are given, the sort,
# and how the text is matched. Every value travels as a bound parameter, so the two
# statements of a shape are built once per process and reused: building and keying
# them took more Python time than PostgreSQL took to run them.

# Bound parameter names. Text: words (with the name-only variant) or typo-tolerant.
_WORDS, _WORDS_IN_NAME, _SIMILAR = "words", "words_in_name", "similar"
_CATEGORY, _MIN_PRICE, _MAX_PRICE, _MIN_RATING = "category", "min_price", "max_price", "min_rating"
_LOCATION, _WORKS_ON, _SPECIALTIES = "location", "works_on", "specialties"
_OFFSET, _LIMIT = "offset", "limit"

# The escape character of location LIKE patterns (autoescape needs a literal string).
_LIKE_ESCAPE = "/"


def _like_escaped(value: str) -> str:
    """`value` matched literally inside a LIKE pattern with ESCAPE _LIKE_ESCAPE."""
    escape = _LIKE_ESCAPE
    return value.replace(escape, escape * 2).replace("%", f"{escape}%").replace("_", f"{escape}_")


def _search_values(criteria: SearchCriteria, dialect: SearchDialect) -> dict[str, Any]:
    """The bound values of a search; the names of those given make its shape."""
    values: dict[str, Any] = {}
    if criteria.words and criteria.fuzzy:
        values[_SIMILAR] = " ".join(criteria.words)
    elif criteria.words:
        query = dialect.word_query(criteria.words)
        values[_WORDS], values[_WORDS_IN_NAME] = query.anywhere, query.in_name
    if criteria.category is not None:
        values[_CATEGORY] = criteria.category
    if criteria.min_price is not None:
        values[_MIN_PRICE] = scaled(criteria.min_price, round_up=True)
    if criteria.max_price is not None:
        values[_MAX_PRICE] = scaled(criteria.max_price, round_up=False)
    if criteria.min_rating is not None:
        values[_MIN_RATING] = criteria.min_rating
    if criteria.location:
        values[_LOCATION] = _like_escaped(criteria.location.lower())
    if criteria.works_on is not None:
        values[_WORKS_ON] = criteria.works_on
    if criteria.specialties:
        values[_SPECIALTIES] = list(criteria.specialties)
    return values


@dataclass(frozen=True, slots=True)
class _Shape:
    """What the SQL of a search depends on."""

    parameters: frozenset[str]
    sort_by: SortBy
    descending: bool


@dataclass(frozen=True, slots=True)
class _SearchStatements:
    # (category, price range index, count) for every match; bound values only.
    facets: Select[*tuple[Any, ...]]
    # The page's rows with their details; bound values plus offset and limit.
    page: Select[*tuple[Any, ...]]


def _text_match(dialect: SearchDialect, given: frozenset[str]) -> TextMatch | None:
    """How the text of the search is matched, if it has text."""
    if _SIMILAR in given:
        return dialect.similar(bindparam(_SIMILAR, type_=String))
    if _WORDS in given:
        return dialect.words(
            bindparam(_WORDS, type_=String), bindparam(_WORDS_IN_NAME, type_=String)
        )
    return None


def _conditions(
    dialect: SearchDialect, given: frozenset[str], match: TextMatch | None
) -> list[ColumnElement[bool]]:
    """Conditions on SearchOffer (and on Service for typo-tolerant text)."""
    conditions: list[ColumnElement[bool]] = []
    if match is not None:
        conditions.append(match.condition)
    if _CATEGORY in given:
        conditions.append(SearchOffer.category_id == bindparam(_CATEGORY))
    if _MIN_PRICE in given:
        conditions.append(SearchOffer.price_scaled >= bindparam(_MIN_PRICE))
    if _MAX_PRICE in given:
        conditions.append(SearchOffer.price_scaled <= bindparam(_MAX_PRICE))
    if _MIN_RATING in given:
        conditions.append(SearchOffer.rating >= bindparam(_MIN_RATING))
    if _LOCATION in given:
        needle = bindparam(_LOCATION, type_=String)
        conditions.append(
            select(Location.id)
            .where(
                Location.business_id == SearchOffer.business_id,
                Location.is_active,
                or_(
                    dialect.lower(Location.name).contains(needle, escape=_LIKE_ESCAPE),
                    dialect.lower(Location.address).contains(needle, escape=_LIKE_ESCAPE),
                ),
            )
            .exists()
        )
    masters: list[ColumnElement[bool]] = []
    if _WORKS_ON in given:
        day = bindparam(_WORKS_ON, type_=String)
        masters.append(dialect.has_hours_on(Master.working_hours, day))
    if _SPECIALTIES in given:
        specialties = bindparam(_SPECIALTIES, type_=String, expanding=True)
        masters.append(dialect.has_any(Master.specialties, specialties))
    if masters:
        conditions.append(SearchOffer.master_id.in_(select(Master.id).where(*masters)))
    return conditions


def _order(shape: _Shape, match: TextMatch | None) -> list[tuple[SQLColumnExpression[Any], bool]]:
    """The sort keys of a search, each with True for descending."""
    way = shape.descending
    relevance = [(match.rank, False)] if match is not None else []
    rating = (SearchOffer.rating, True)
    reviews = (SearchOffer.total_reviews, True)
    orders: dict[SortBy, list[tuple[SQLColumnExpression[Any], bool]]] = {
        SortBy.RELEVANCE: [*relevance, rating, reviews],
        SortBy.RATING: [(SearchOffer.rating, way), reviews, *relevance],
        SortBy.REVIEWS: [(SearchOffer.total_reviews, way), rating, *relevance],
        SortBy.PRICE: [(SearchOffer.price_scaled, way), *relevance, rating],
    }
    by = orders[shape.sort_by]
    # Ties broken by the keys, so pages never overlap or skip a row.
    return [*by, (SearchOffer.service_id, False), (SearchOffer.master_id, False)]


@functools.lru_cache(maxsize=256)
def _search_statements(dialect_name: str, shape: _Shape) -> _SearchStatements | None:
    """The two statements of a search shape; None when the database cannot match its
    text (typo tolerance on SQLite)."""
    dialect = search_dialect(dialect_name)
    match = _text_match(dialect, shape.parameters)
    if match is None and shape.parameters & {_WORDS, _SIMILAR}:
        return None
    conditions = _conditions(dialect, shape.parameters, match)

    def matching(*columns: SQLColumnExpression[Any]) -> Select[Any]:
        statement = select(*columns).select_from(SearchOffer)
        if match is not None and match.reads_services:
            statement = statement.join(Service, Service.id == SearchOffer.service_id)
        return statement.where(*conditions)

    range_of = case(
        *[
            (SearchOffer.price_scaled < scaled(Decimal(start), round_up=True), index)
            for index, start in enumerate(PRICE_RANGE_STARTS[1:])
        ],
        else_=len(PRICE_RANGE_STARTS) - 1,
    )
    grouped = matching(
        SearchOffer.category_id.label("category"), range_of.label("range")
    ).subquery()
    facets = select(grouped.c.category, grouped.c.range, func.count()).group_by(
        grouped.c.category, grouped.c.range
    )

    keys = _order(shape, match)
    page = (
        matching(
            SearchOffer.service_id,
            SearchOffer.master_id,
            *(key.label(f"key{i}") for i, (key, _desc) in enumerate(keys)),
        )
        .order_by(*(key.desc() if desc else key.asc() for key, desc in keys))
        .offset(bindparam(_OFFSET, type_=Integer))
        .limit(bindparam(_LIMIT, type_=Integer))
        .subquery("page")
    )
    outer_keys = [(page.c[f"key{i}"], desc) for i, (_key, desc) in enumerate(keys)]
    details = (
        select(
            Service.id,
            Service.name,
            Service.description,
            Service.price,
            Business.currency,
            Service.duration_minutes,
            Service.category_id,
            *_SPECIALIST_COLUMNS,
        )
        .select_from(page)
        .join(Service, Service.id == page.c.service_id)
        .join(Business, Business.id == Service.business_id)
        .join(Master, Master.id == page.c.master_id)
        .join(User, User.id == Master.user_id)
        .order_by(*(key.desc() if desc else key.asc() for key, desc in outer_keys))
    )
    return _SearchStatements(facets=facets, page=details)


class CatalogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.dialect_name = session.get_bind().dialect.name
        self.dialect: SearchDialect = search_dialect(self.dialect_name)

    def _offers(self, statement: _SelectT) -> _SelectT:
        return _visible_offers(statement, self.dialect)

    # --- search ----------------------------------------------------------------

    async def search(self, criteria: SearchCriteria, offset: int, limit: int) -> SearchPage:
        """One page of (service, master) rows, the total, and the facets of all rows.

        Both statements read the search projection (joined to services only for
        typo-tolerant text); the page joins the detail tables for its `limit` rows alone.
        """
        values = _search_values(criteria, self.dialect)
        shape = _Shape(frozenset(values), criteria.sort_by, criteria.descending)
        statements = _search_statements(self.dialect_name, shape)
        if statements is None:
            # Typo tolerance asked of a database without it: nothing matches.
            return SearchPage(total=0, hits=[], categories=[], price_ranges=[])

        for setting in self.dialect.settings:
            await self.session.execute(text(setting))
        total = 0
        categories: set[str] = set()
        per_range = [0] * len(PRICE_RANGE_STARTS)
        for category, range_index, count in await self.session.execute(statements.facets, values):
            total += count
            per_range[range_index] += count
            if category is not None:
                categories.add(category)

        hits: list[SearchHit] = []
        if total > offset:
            page = await self.session.execute(
                statements.page, {**values, _OFFSET: offset, _LIMIT: limit}
            )
            for row in page:
                hits.append(
                    SearchHit(
                        service_id=row[0],
                        name=row[1],
                        description=row[2],
                        price=row[3],
                        currency=row[4],
                        duration_minutes=row[5],
                        category_id=row[6],
                        specialist=_specialist(row[7:]),
                    )
                )

        ranges = [
            PriceRangeCount(
                start=start,
                end=PRICE_RANGE_STARTS[i + 1] - 1 if i + 1 < len(PRICE_RANGE_STARTS) else None,
                count=per_range[i],
            )
            for i, start in enumerate(PRICE_RANGE_STARTS)
            if per_range[i]
        ]
        return SearchPage(
            total=total, hits=hits, categories=sorted(categories), price_ranges=ranges
        )

    # --- categories --------------------------------------------------------------

    async def categories_with_counts(self) -> list[CategoryRow]:
        """Every category with the number of distinct services a search can show."""
        visible = (
            self._offers(select(Service.category_id, Service.id))
            .where(Service.category_id.is_not(None))
            .distinct()
            .subquery()
        )
        counts = (
            select(visible.c.category_id, func.count().label("services"))
            .group_by(visible.c.category_id)
            .subquery()
        )
        result = await self.session.execute(
            select(Category, func.coalesce(counts.c.services, 0))
            .outerjoin(counts, counts.c.category_id == Category.id)
            .order_by(Category.sort_order, Category.id)
        )
        return [CategoryRow(category, int(count)) for category, count in result]

    # --- details -----------------------------------------------------------------

    async def visible_service(self, service_id: uuid.UUID) -> tuple[Service, str] | None:
        """An active service of an active business, with the business currency."""
        result = await self.session.execute(
            select(Service, Business.currency)
            .join(Business, Business.id == Service.business_id)
            .where(
                Service.id == service_id,
                Service.is_active,
                Business.status == BusinessStatus.ACTIVE,
            )
        )
        row = result.first()
        return (row[0], row[1]) if row is not None else None

    async def masters_of(self, service_id: uuid.UUID) -> list[SpecialistRow]:
        """The service's visible masters, the longest-serving first."""
        result = await self.session.execute(
            self._offers(select(*_SPECIALIST_COLUMNS))
            .where(Service.id == service_id)
            .order_by(Master.created_at, Master.id)
        )
        return [_specialist(row) for row in result]
