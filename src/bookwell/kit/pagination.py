"""Page numbers from 1, `limit` 20 by default and at most 100 (API.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

from fastapi import Query

from bookwell.kit.schemas import CamelModel


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int
    limit: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


def page_request(
    page: Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1")] = 1,
    limit: Annotated[int, Query(ge=1, le=100, description="Items per page, at most 100")] = 20,
) -> PageRequest:
    return PageRequest(page=page, limit=limit)


class Pagination(CamelModel):
    current_page: int
    total_pages: int
    total_items: int
    has_next: bool
    has_prev: bool

    @classmethod
    def of(cls, request: PageRequest, total: int) -> Pagination:
        pages = math.ceil(total / request.limit) if total else 0
        return cls(
            current_page=request.page,
            total_pages=pages,
            total_items=total,
            has_next=request.page < pages,
            has_prev=request.page > 1,
        )
