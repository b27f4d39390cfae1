"""HTTP routes of /users."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile

from bookwell.auth.dependencies import CurrentUserDep
from bookwell.deps import CacheDep, SessionDep, SettingsDep
from bookwell.errors import PayloadTooLarge, ValidationFailed
from bookwell.kit.openapi import error_responses
from bookwell.kit.schemas import Envelope, MessageOut, ok
from bookwell.kit.storage import FileStorage
from bookwell.users import service
from bookwell.users.schemas import AvatarOut, ChangePasswordIn, ProfileIn, ProfileOut

router = APIRouter(prefix="/users", tags=["users"])

_CHUNK = 64 * 1024


@router.get("/profile", summary="The signed-in user's profile", responses=error_responses(401))
async def get_profile(user: CurrentUserDep) -> Envelope[ProfileOut]:
    return ok(ProfileOut.of(user.user))


@router.put(
    "/profile",
    summary="Update the profile (only the fields given change)",
    responses=error_responses(400, 401),
)
async def put_profile(
    body: ProfileIn, user: CurrentUserDep, session: SessionDep, cache: CacheDep
) -> Envelope[ProfileOut]:
    return ok(ProfileOut.of(await service.update_profile(session, cache, user.user, body)))


def _size_text(limit: int) -> str:
    """5242880 -> "5 MB", 1572864 -> "1.5 MB", 4096 -> "4 KB" (rounded down)."""
    megabytes = limit / (1024 * 1024)
    if megabytes >= 1:
        return f"{math.floor(megabytes * 10) / 10:g} MB"
    return f"{limit // 1024} KB"


async def _read_limited(upload: UploadFile, limit: int) -> bytes:
    chunks = []
    size = 0
    while chunk := await upload.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The avatar must be at most {_size_text(limit)}")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/avatar",
    summary="Upload an avatar (JPEG, PNG or WebP, up to 5 MB; multipart field `avatar`)",
    responses=error_responses(400, 401, 413),
)
async def upload_avatar(
    request: Request,
    user: CurrentUserDep,
    session: SessionDep,
    settings: SettingsDep,
    cache: CacheDep,
    avatar: Annotated[UploadFile | None, File(description="The image file")] = None,
) -> Envelope[AvatarOut]:
    if avatar is None:
        raise ValidationFailed.on(
            "avatar", "A file in the multipart field `avatar` is required", "REQUIRED"
        )
    raw = await _read_limited(avatar, settings.avatar_max_bytes)
    storage: FileStorage = request.app.state.storage
    url = await service.replace_avatar(session, cache, user.user, raw, storage)
    return ok(AvatarOut(avatar_url=url))


@router.put(
    "/change-password",
    summary="Change the password; other sessions are signed out",
    responses=error_responses(400, 401),
)
async def change_password(
    body: ChangePasswordIn, user: CurrentUserDep, session: SessionDep
) -> Envelope[MessageOut]:
    await service.change_password(
        session, user.user, user.session_id, body.current_password, body.new_password
    )
    return ok(MessageOut(message="Password changed; other sessions were signed out"))
