"""Idempotency-Key (API.md "Idempotency"): a retried request gets the first answer.

The first request with a key inserts a claim row, keyed by (scope, key), and commits
it at once, before doing the work. The primary key makes the claim race-safe: of
several requests sent with one key at the same moment exactly one insert wins (on
PostgreSQL the others wait for the winner's tiny claim transaction, then fail on the
key). The work runs afterwards in its own transaction, and the response is written
into the claim row in that same transaction, so a booking and "its response is
stored" commit together or not at all.

A request that finds the key already claimed by the same sender:

- same body (SHA-256 of its canonical JSON), answered: the stored status and body
  are replayed with `Idempotent-Replayed: true`;
- same body, still running: 409 IDEMPOTENCY_KEY_IN_USE with `Retry-After`;
- another body: 422 IDEMPOTENCY_KEY_REUSED.

Only successful answers are kept. A refused request (4xx) or a failure releases the
key: it changed nothing, so running it again is safe and sees the world as it is
then. A claim left behind by a process that died mid-request is taken over once it
is older than `stale_after` (the request time limit); records expire after 24 hours
and an expired record is overwritten by the next request with its key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from fastapi.responses import JSONResponse
from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.errors import DomainError, ErrorDetail, IdempotencyKeyReused
from bookwell.models import IdempotencyRecord

log = structlog.get_logger(__name__)

TTL = timedelta(hours=24)
HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# 1 to 255 visible ASCII characters (a UUID is the usual choice).
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
KEY_DESCRIPTION = (
    "Optional. Retrying with the same key and body replays the first successful answer "
    "(header `Idempotent-Replayed: true`); the same key with another body is 422 "
    "IDEMPOTENCY_KEY_REUSED; while the first request is still running, 409 "
    "IDEMPOTENCY_KEY_IN_USE (with `Retry-After`). Keys are kept per sender for 24 hours; "
    "a refused request does not use up its key."
)
# Claims met while another request keeps changing them: give up after this many looks.
_ATTEMPTS = 3

Work = Callable[[], Awaitable[tuple[int, dict[str, Any]]]]


class IdempotencyKeyInUse(DomainError):
    code = "IDEMPOTENCY_KEY_IN_USE"
    status_code = 409
    default_message = (
        "A request with this Idempotency-Key is still being processed; retry in a moment"
    )


@dataclass(frozen=True, slots=True)
class IdempotentRequest:
    """One request sent with a key: who sent it to which route, and what it asked."""

    scope: str
    key: str
    fingerprint: str

    @classmethod
    def of(cls, scope: str, key: str, body: Any) -> IdempotentRequest:
        return cls(scope=scope[:200], key=key, fingerprint=fingerprint(body))


@dataclass(frozen=True, slots=True)
class _Replay:
    status_code: int
    body: dict[str, Any]


def fingerprint(body: Any) -> str:
    """SHA-256 of the canonical JSON of a (parsed) request body: key order and spacing
    do not matter."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _of_this_request(request: IdempotentRequest) -> Any:
    return and_(IdempotencyRecord.scope == request.scope, IdempotencyRecord.key == request.key)


async def _take(
    session: AsyncSession, request: IdempotentRequest, now: datetime, stale_after: timedelta
) -> _Replay | None:
    """Claim the key (None) or find the answer to replay; raises when the key is busy
    or was used with another body. Commits the claim."""
    # Whatever the request did so far (signing in) is committed first: the claim must
    # be visible to other requests at once, in a transaction of its own.
    await session.commit()
    claim = {
        "request_hash": request.fingerprint,
        "status_code": None,
        "response": None,
        "created_at": now,
        "expires_at": now + TTL,
    }
    for _ in range(_ATTEMPTS):
        try:
            async with session.begin_nested():
                await session.execute(
                    insert(IdempotencyRecord).values(scope=request.scope, key=request.key, **claim)
                )
        except IntegrityError:
            pass
        else:
            await session.commit()
            return None
        found = (
            await session.execute(
                select(
                    IdempotencyRecord.request_hash,
                    IdempotencyRecord.status_code,
                    IdempotencyRecord.response,
                    IdempotencyRecord.created_at,
                    IdempotencyRecord.expires_at,
                ).where(_of_this_request(request))
            )
        ).one_or_none()
        if found is None:  # released meanwhile: try the insert again
            continue
        abandoned = found.status_code is None and found.created_at <= now - stale_after
        if found.expires_at <= now or abandoned:
            taken = await session.scalar(
                update(IdempotencyRecord)
                .where(
                    _of_this_request(request),
                    or_(
                        IdempotencyRecord.expires_at <= now,
                        and_(
                            IdempotencyRecord.status_code.is_(None),
                            IdempotencyRecord.created_at <= now - stale_after,
                        ),
                    ),
                )
                .values(**claim)
                .returning(IdempotencyRecord.key)
                .execution_options(synchronize_session=False)
            )
            if taken is not None:
                await session.commit()
                return None
            continue
        await session.commit()
        if found.request_hash != request.fingerprint:
            raise IdempotencyKeyReused(
                details=[
                    ErrorDetail(HEADER, "was already used with a different request body", "REUSED")
                ]
            )
        if found.status_code is None:
            break
        return _Replay(found.status_code, dict(found.response or {}))
    raise IdempotencyKeyInUse(headers={"Retry-After": "1"})


async def _release(session: AsyncSession, request: IdempotentRequest, keep_changes: bool) -> None:
    """Forget the claim of a request that did not succeed, so that it may be retried."""
    try:
        if keep_changes:
            await session.commit()
        else:
            await session.rollback()
        await session.execute(delete(IdempotencyRecord).where(_of_this_request(request)))
        await session.commit()
    except Exception:
        # The claim then stays until it is stale; the request's own error is what counts.
        log.exception("idempotency_release_failed", scope=request.scope)


async def respond_once(
    session: AsyncSession,
    request: IdempotentRequest | None,
    work: Work,
    *,
    now: datetime,
    stale_after: timedelta,
) -> JSONResponse:
    """Run `work` (which returns the status and JSON body of the answer) at most once
    per key; without a key, simply run it."""
    if request is None:
        status_code, body = await work()
        return JSONResponse(body, status_code=status_code)
    replay = await _take(session, request, now, stale_after)
    if replay is not None:
        return JSONResponse(
            replay.body, status_code=replay.status_code, headers={REPLAYED_HEADER: "true"}
        )
    try:
        status_code, body = await work()
        await session.execute(
            update(IdempotencyRecord)
            .where(_of_this_request(request))
            .values(status_code=status_code, response=body)
            .execution_options(synchronize_session=False)
        )
    except Exception as error:
        await _release(session, request, isinstance(error, DomainError) and error.keep_changes)
        raise
    return JSONResponse(body, status_code=status_code)
