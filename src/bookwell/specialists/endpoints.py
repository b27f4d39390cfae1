"""HTTP routes of the specialists domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["specialists"])
