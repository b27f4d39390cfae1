"""HTTP routes of the businesses domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["businesses"])
