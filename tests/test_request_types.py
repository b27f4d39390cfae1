"""Rules that hold for every route by construction, checked over the whole app, so a
new route cannot forget them: every date or time a request carries is bounded (kit
Instant or Day), and no text with control characters gets in (kit/text.py)."""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import AfterValidator, AwareDatetime, BaseModel, FutureDate, NaiveDatetime, PastDate

from bookwell.app import create_app
from bookwell.kit.fields import within_years
from bookwell.kit.schemas import RequestModel
from tests.businesses.factories import active_business
from tests.conftest import make_settings
from tests.factories import assert_error, register

_TEMPORAL = (AwareDatetime, NaiveDatetime, PastDate, FutureDate)


def _bounded(metadata: typing.Iterable[Any]) -> bool:
    return any(isinstance(m, AfterValidator) and m.func is within_years for m in metadata)


def _temporal(
    annotation: Any, seen: set[type], bounded: bool = False
) -> Iterator[tuple[str, bool]]:
    """Every date or time type reachable in the annotation, and whether it is bounded."""
    if typing.get_origin(annotation) is typing.Annotated:
        inner_bounded = bounded or _bounded(annotation.__metadata__)
        yield from _temporal(annotation.__origin__, seen, inner_bounded)
        return
    if isinstance(annotation, type) and (issubclass(annotation, date) or annotation in _TEMPORAL):
        yield annotation.__name__, bounded
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for name, field in annotation.model_fields.items():
            field_bounded = bounded or _bounded(field.metadata)
            for found, ok in _temporal(field.annotation, seen, field_bounded):
                yield f"{annotation.__name__}.{name}: {found}", ok
        return
    for argument in typing.get_args(annotation):
        yield from _temporal(argument, seen, bounded)


def _unbounded(app: FastAPI) -> tuple[list[str], int]:
    """The unbounded temporal fields of every route, and how many bounded ones."""
    offenders, bounded = [], 0
    for where, annotation, metadata in _request_params(app):
        for found, ok in _temporal(annotation, set(), _bounded(metadata)):
            if ok:
                bounded += 1
            else:
                offenders.append(f"{where} -> {found}")
    return offenders, bounded


def _params_of(dependant: Dependant) -> Iterator[Any]:
    """The route's own parameters and those of every dependency, recursively."""
    yield from dependant.path_params
    yield from dependant.query_params
    yield from dependant.header_params
    yield from dependant.cookie_params
    yield from dependant.body_params
    for dependency in dependant.dependencies:
        yield from _params_of(dependency)


def _request_params(app: FastAPI) -> Iterator[tuple[str, Any, list[Any]]]:
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        for param in _params_of(route.dependant):
            where = f"{sorted(context.methods or ())} {context.path} {param.name}"
            yield where, param.field_info.annotation, param.field_info.metadata


def test_every_date_and_time_in_a_request_is_bounded(tmp_path: Any) -> None:
    app = create_app(make_settings(tmp_path, f"sqlite:///{tmp_path}/unused.db"))
    offenders, bounded = _unbounded(app)
    assert offenders == [], "use kit.fields.Instant or Day:\n" + "\n".join(offenders)
    assert bounded > 10  # the walk reaches the dates and times of the API


class _PlainBody(BaseModel):
    when: datetime | None = None


def test_the_walk_finds_an_unbounded_date(tmp_path: Any) -> None:
    """Control: a route taking a plain datetime is reported."""
    app = create_app(make_settings(tmp_path, f"sqlite:///{tmp_path}/unused.db"))

    async def plain(body: _PlainBody, day: date) -> None:
        return None

    app.add_api_route("/api/v1/test-plain", plain, methods=["POST"])
    offenders, _ = _unbounded(app)
    assert offenders == [
        "['POST'] /api/v1/test-plain day -> date",
        "['POST'] /api/v1/test-plain body -> _PlainBody.when: datetime",
    ]


# --- the overflow the bounds prevent, through the API --------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "business": "nobody",
                "name": "Eve",
                "company": "X",
                "email": "eve@example.com",
                "timeSlot": {"startTime": "9999-12-31T23:59:00Z", "duration": 60},
            },
            "timeSlot.startTime",
        ),
        (
            {
                "business": "nobody",
                "name": "Eve",
                "email": "eve@example.com",
                "scheduledAt": "0001-01-01T00:00:00+05:00",
            },
            "scheduledAt",
        ),
    ],
)
async def test_public_booking_far_dates_are_400(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/public/booking", json=body)
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in [detail["field"] for detail in error["details"]]


# --- control characters ----------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ("\x00", "CONTROL_CHARACTERS"),
        ("\x07", "CONTROL_CHARACTERS"),
        ("\x1b[31m", "CONTROL_CHARACTERS"),
        ("\x7f", "CONTROL_CHARACTERS"),
        # Not UTF-8 at all: pydantic's JSON parser refuses it first.
        ("\ud800", "STRING_UNICODE"),
    ],
)
async def test_control_characters_in_a_body_are_400_naming_the_field(
    client: httpx.AsyncClient, bad: str, code: str
) -> None:
    account = await register(client)
    # ASCII JSON: escapes as a client sends them ("\u0000", "\ud800").
    response = await client.put(
        "/api/v1/users/profile",
        content=json.dumps({"firstName": f"Ev{bad}e"}),
        headers={**account.headers, "Content-Type": "application/json"},
    )
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert error["details"][0]["field"] == "firstName"
    assert error["details"][0]["code"] == code


async def test_control_characters_nested_in_lists_are_refused(client: httpx.AsyncClient) -> None:
    account = await register(client, userType="specialist")
    response = await client.put(
        "/api/v1/specialists/profile",
        json={"specialties": ["hair", "nails\x00"]},
        headers=account.headers,
    )
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert error["details"][0]["field"] == "specialties"


async def test_line_breaks_and_tabs_are_text(client: httpx.AsyncClient) -> None:
    account = await register(client, userType="specialist")
    response = await client.put(
        "/api/v1/specialists/profile",
        json={"description": "Line one\nLine two\r\n\tindented"},
        headers=account.headers,
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/services/search?query=a%00b", "query"),
        ("/api/v1/public/business/ab%00cd", "path"),
        ("/api/v1/services/search?x%01=1", "query"),
    ],
)
async def test_control_characters_in_path_or_query_are_400(
    client: httpx.AsyncClient, url: str, field: str
) -> None:
    error = assert_error(await client.get(url), 400, "VALIDATION_ERROR")
    assert error["details"][0]["field"] == field
    assert error["details"][0]["code"] == "CONTROL_CHARACTERS"


def test_every_request_body_is_a_request_model(tmp_path: Any) -> None:
    """RequestModel carries the text rule (and refuses unknown fields): a body model
    that is not one would let control characters through."""
    app = create_app(make_settings(tmp_path, f"sqlite:///{tmp_path}/unused.db"))
    bodies, others = 0, []
    for where, annotation, _metadata in _request_params(app):
        for model in _models_in(annotation, set()):
            if issubclass(model, RequestModel):
                bodies += 1
            else:
                others.append(f"{where}: {model.__name__}")
    assert others == []
    assert bodies > 20


def _models_in(annotation: Any, seen: set[type]) -> Iterator[type[BaseModel]]:
    """The models in the annotation, and the models nested in their fields."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in seen:
            seen.add(annotation)
            yield annotation
            for field in annotation.model_fields.values():
                yield from _models_in(field.annotation, seen)
        return
    for argument in typing.get_args(annotation):
        yield from _models_in(argument, seen)


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("PUT", "", {"description": "About\x00us"}, "description"),
        ("PUT", "", {"name": "Studio\x1b[2J"}, "name"),
        ("POST", "/locations", {"name": "Branch\x00", "address": "1 Main St"}, "name"),
        ("POST", "/locations", {"name": "Branch", "address": "1 Main\x00St"}, "address"),
        ("POST", "/api-keys", {"name": "key\x00"}, "name"),
        ("POST", "/services", {"name": "Cut\x00", "duration": 30, "price": 10}, "name"),
    ],
)
async def test_business_fields_refuse_control_characters_on_both_databases(
    app: FastAPI,
    client: httpx.AsyncClient,
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    """Once stored on SQLite and a 500 on PostgreSQL; now a 400 on both, nothing kept."""
    tenant = await active_business(app, client)
    url = f"/api/v1/businesses/{tenant.id}{path}"
    response = await client.request(method, url, json=body, headers=tenant.owner.headers)
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in [detail["field"] for detail in error["details"]]
    after = await client.get(f"/api/v1/businesses/{tenant.id}", headers=tenant.owner.headers)
    assert "\\u0000" not in after.text
    assert "\x00" not in after.text
