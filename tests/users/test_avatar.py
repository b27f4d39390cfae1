"""POST /api/v1/users/avatar: checked, re-encoded, stored locally or in S3."""

from __future__ import annotations

import io
import struct
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from tests.conftest import AppFactory, client_for
from tests.factories import Account, assert_error, fields_of, register

AVATAR = "/api/v1/users/avatar"
PROFILE = "/api/v1/users/profile"
DEFAULT_LIMIT = 5 * 1024 * 1024

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


# --- images made in memory ---------------------------------------------------------


def picture(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> Image.Image:
    """A gradient, so that encoders have real data to compress."""
    width, height = size
    image = Image.linear_gradient("L").resize(size)
    if mode == "L":
        return image
    red = image
    green = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    blue = Image.new("L", size, 128)
    rgb = Image.merge("RGB", (red, green, blue))
    if mode == "RGBA":
        return Image.merge("RGBA", (*rgb.split(), Image.new("L", (width, height), 200)))
    return rgb.convert(mode)


def encode(image: Image.Image, image_format: str, **params: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format=image_format, **params)
    return out.getvalue()


def image_bytes(
    image_format: str = "JPEG", size: tuple[int, int] = (64, 48), **params: Any
) -> bytes:
    mode = "RGB" if image_format == "JPEG" else "RGBA"
    return encode(picture(size, mode), image_format, **params)


def noisy_jpeg(size: tuple[int, int]) -> bytes:
    """A JPEG that does not compress well (random pixels)."""
    return encode(Image.effect_noise(size, 80).convert("RGB"), "JPEG", quality=95)


def exif_bytes(orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x0131] = "Secret editor"  # Software
    if orientation is not None:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (51.0, 10.0, 30.0)
    gps[3] = "E"
    gps[4] = (71.0, 26.0, 45.0)
    return exif.tobytes()


XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,10.5N" '
    b'exif:GPSLongitude="71,26.7E"/></rdf:RDF></x:xmpmeta>'
)


def png_claiming_size(width: int, height: int) -> bytes:
    """A small PNG whose header claims width x height (a decompression bomb's header)."""
    data = bytearray(image_bytes("PNG", (8, 8)))
    ihdr = 8  # after the PNG signature: length(4) "IHDR"(4) data(13) crc(4)
    assert data[ihdr + 4 : ihdr + 8] == b"IHDR"
    struct.pack_into(">II", data, ihdr + 8, width, height)
    crc = zlib.crc32(bytes(data[ihdr + 4 : ihdr + 8 + 13]))
    struct.pack_into(">I", data, ihdr + 8 + 13, crc)
    return bytes(data)


# --- helpers -----------------------------------------------------------------------


async def upload(
    client: httpx.AsyncClient,
    account: Account,
    data: bytes,
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
    field: str = "avatar",
) -> httpx.Response:
    return await client.post(
        AVATAR, files={field: (filename, data, content_type)}, headers=account.headers
    )


async def uploaded_url(client: httpx.AsyncClient, account: Account, data: bytes, **kw: Any) -> str:
    response = await upload(client, account, data, **kw)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["success"] is True
    assert set(payload["data"]) == {"avatarUrl"}
    url: str = payload["data"]["avatarUrl"]
    return url


async def fetch(client: httpx.AsyncClient, url: str) -> httpx.Response:
    """GET a local-storage avatar URL through the app."""
    return await client.get(urlsplit(url).path)


def open_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def uploads_dir(app: FastAPI) -> Path:
    path: Path = app.state.settings.uploads_dir
    return path


def stored_files(app: FastAPI) -> list[Path]:
    return sorted(p for p in uploads_dir(app).rglob("*") if p.is_file())


def local_path(app: FastAPI, url: str) -> Path:
    path = urlsplit(url).path
    assert path.startswith("/media/")
    return uploads_dir(app) / path.removeprefix("/media/")


async def avatar_in_profile(client: httpx.AsyncClient, account: Account) -> str | None:
    response = await client.get(PROFILE, headers=account.headers)
    assert response.status_code == 200, response.text
    avatar: str | None = response.json()["data"]["avatar"]
    return avatar


# --- local storage: accepted images ------------------------------------------------


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
async def test_upload_stores_and_serves_the_image(
    client: httpx.AsyncClient, app: FastAPI, image_format: str
) -> None:
    account = await register(client)
    filename = f"me.{EXTENSIONS[image_format]}"
    url = await uploaded_url(
        client,
        account,
        image_bytes(image_format),
        filename=filename,
        content_type=CONTENT_TYPES[image_format],
    )
    parts = urlsplit(url)
    # PUBLIC_URL unset: this server's HOST:PORT.
    assert f"{parts.scheme}://{parts.netloc}" == "http://127.0.0.1:8000"
    assert parts.path.startswith(f"/media/avatars/{account.id}/")
    assert parts.path.endswith("." + EXTENSIONS[image_format])
    # The client's file name is not used for the stored name.
    assert filename not in parts.path

    served = await fetch(client, url)
    assert served.status_code == 200
    assert served.headers["content-type"] == CONTENT_TYPES[image_format]
    image = open_image(served.content)
    assert image.format == image_format
    assert image.size == (64, 48)
    assert local_path(app, url).read_bytes() == served.content
    assert await avatar_in_profile(client, account) == url


@pytest.mark.parametrize("host", ["attacker.example", "evil.example:8443"])
async def test_the_url_comes_from_public_url_never_from_the_host_header(
    app_factory: AppFactory, host: str
) -> None:
    app = await app_factory(public_url="https://api.bookwell.example/")
    async with client_for(app, headers={"Host": host}) as client:
        account = await register(client)
        url = await uploaded_url(client, account, image_bytes("PNG"), content_type="image/png")
        assert url.startswith("https://api.bookwell.example/media/avatars/")
        assert await avatar_in_profile(client, account) == url
    assert host.split(":")[0] not in url


async def test_the_format_is_taken_from_the_content_not_the_name(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client)
    url = await uploaded_url(
        client, account, image_bytes("PNG"), filename="photo.jpg", content_type="image/jpeg"
    )
    assert url.endswith(".png")
    served = await fetch(client, url)
    assert served.headers["content-type"] == "image/png"
    assert open_image(served.content).format == "PNG"


@pytest.mark.parametrize("mode", ["RGBA", "P", "L", "CMYK", "LA"])
async def test_jpeg_pngs_and_odd_modes_are_reencoded(client: httpx.AsyncClient, mode: str) -> None:
    account = await register(client)
    image_format = "JPEG" if mode in {"CMYK", "L"} else "PNG"
    data = encode(picture((40, 30), "RGB").convert(mode), image_format)
    url = await uploaded_url(client, account, data)
    stored = open_image((await fetch(client, url)).content)
    assert stored.format == image_format
    assert stored.size == (40, 30)
    if image_format == "JPEG":
        assert stored.mode in {"RGB", "L"}


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
async def test_exif_and_other_metadata_are_stripped(
    client: httpx.AsyncClient, image_format: str
) -> None:
    account = await register(client)
    params: dict[str, Any] = {"exif": exif_bytes()}
    if image_format in {"JPEG", "WEBP"}:
        params["xmp"] = XMP
    if image_format == "JPEG":
        params["comment"] = b"Taken at home, 12 Secret Street"
    if image_format == "PNG":
        from PIL.PngImagePlugin import PngInfo

        text = PngInfo()
        text.add_text("Comment", "Taken at home, 12 Secret Street")
        text.add_itxt("Location", "12 Secret Street")
        params["pnginfo"] = text
    original = image_bytes(image_format, **params)
    # The upload really carries the metadata.
    sent = open_image(original)
    assert sent.getexif().get(0x010F) == "SpyCam Inc."
    assert b"SpyCam" in original

    url = await uploaded_url(client, account, original)
    data = (await fetch(client, url)).content
    stored = open_image(data)
    assert stored.format == image_format
    assert dict(stored.getexif()) == {}
    assert not {"exif", "xmp", "comment", "Comment", "Location"} & set(stored.info)
    for secret in (b"SpyCam", b"Model X", b"Secret editor", b"Secret Street", b"GPSLatitude"):
        assert secret not in data


@pytest.mark.parametrize(
    ("orientation", "stored_size"),
    [(1, (60, 40)), (3, (60, 40)), (6, (40, 60)), (8, (40, 60))],
)
async def test_exif_orientation_is_applied_before_it_is_stripped(
    client: httpx.AsyncClient, orientation: int, stored_size: tuple[int, int]
) -> None:
    """Phones store portraits sideways with an EXIF Orientation tag; once EXIF is gone,
    the pixels themselves must be upright."""
    account = await register(client)
    original = Image.new("RGB", (60, 40), "white")
    original.paste((255, 0, 0), (0, 0, 10, 10))  # a red mark at the top left
    url = await uploaded_url(
        client, account, encode(original, "JPEG", exif=exif_bytes(orientation), quality=95)
    )
    stored = open_image((await fetch(client, url)).content)
    assert stored.size == stored_size
    assert dict(stored.getexif()) == {}
    # Where the mark ends up shows the rotation was the right one.
    width, height = stored.size
    corners = {
        "top-left": (2, 2),
        "top-right": (width - 3, 2),
        "bottom-left": (2, height - 3),
        "bottom-right": (width - 3, height - 3),
    }
    red = {name for name, xy in corners.items() if _is_red(stored.getpixel(xy))}
    expected = {1: "top-left", 3: "bottom-right", 6: "top-right", 8: "bottom-left"}
    assert red == {expected[orientation]}


def _is_red(pixel: Any) -> bool:
    r, g, b = pixel[:3]
    return bool(r > 200 and g < 80 and b < 80)


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
async def test_unreadable_exif_is_dropped_not_a_crash(
    client: httpx.AsyncClient, image_format: str
) -> None:
    account = await register(client)
    data = image_bytes(image_format, exif=b"Exif\x00\x00garbage, not a TIFF header")
    url = await uploaded_url(client, account, data)
    stored = (await fetch(client, url)).content
    assert dict(open_image(stored).getexif()) == {}
    assert b"garbage" not in stored


async def test_png_transparency_survives_the_reencoding(client: httpx.AsyncClient) -> None:
    account = await register(client)
    palette = picture((32, 32)).convert("P")
    url = await uploaded_url(client, account, encode(palette, "PNG", transparency=0))
    stored = open_image((await fetch(client, url)).content)
    assert stored.mode == "P"
    assert stored.info.get("transparency") == 0


async def test_multi_picture_jpeg_from_a_phone_is_accepted(client: httpx.AsyncClient) -> None:
    """Phones write JPEGs with extra pictures (MPF: HDR gain maps, depth maps); Pillow
    reports them as MPO. They are JPEGs, and the first picture is the photo."""
    account = await register(client)
    data = encode(
        picture((64, 48)),
        "MPO",
        save_all=True,
        append_images=[Image.new("RGB", (32, 24), "black")],
    )
    assert open_image(data).format == "MPO"
    url = await uploaded_url(client, account, data)
    assert url.endswith(".jpg")
    served = await fetch(client, url)
    assert served.headers["content-type"] == "image/jpeg"
    stored = open_image(served.content)
    assert stored.format == "JPEG"
    assert stored.size == (64, 48)
    assert getattr(stored, "n_frames", 1) == 1


@pytest.mark.parametrize(
    ("size", "stored_size"),
    [((3000, 2000), (1024, 683)), ((900, 2400), (384, 1024)), ((1024, 1024), (1024, 1024))],
)
async def test_big_images_are_shrunk_to_1024_px(
    client: httpx.AsyncClient, size: tuple[int, int], stored_size: tuple[int, int]
) -> None:
    account = await register(client)
    data = image_bytes("JPEG", size)
    assert len(data) < DEFAULT_LIMIT
    url = await uploaded_url(client, account, data)
    stored = open_image((await fetch(client, url)).content)
    assert stored.size == stored_size


async def test_small_images_are_not_enlarged(client: httpx.AsyncClient) -> None:
    account = await register(client)
    url = await uploaded_url(client, account, image_bytes("WEBP", (20, 10)))
    assert open_image((await fetch(client, url)).content).size == (20, 10)


# --- local storage: refused uploads ------------------------------------------------


def _truncated_jpeg() -> bytes:
    data = noisy_jpeg((200, 200))
    return data[: len(data) // 2]


def _corrupt_png() -> bytes:
    data = bytearray(image_bytes("PNG", (50, 50)))
    data[60:80] = b"\x00" * 20  # inside the image data: the chunk CRC no longer matches
    return bytes(data)


UNREADABLE = "not a readable JPEG, PNG or WebP image"
WRONG_FORMAT = "Only JPEG, PNG and WebP images are accepted"

# case: (bytes, file name, content type, what the error says)
REFUSED = {
    "text-named-jpg": (
        b"this is not an image, just text\n" * 10,
        "photo.jpg",
        "image/jpeg",
        UNREADABLE,
    ),
    "html": (b"<html><script>alert(1)</script></html>", "photo.png", "image/png", UNREADABLE),
    "svg": (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
        "a.svg",
        "image/svg+xml",
        UNREADABLE,
    ),
    "truncated-jpeg": (_truncated_jpeg(), "photo.jpg", "image/jpeg", UNREADABLE),
    "jpeg-header-only": (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100,
        "a.jpg",
        "image/jpeg",
        UNREADABLE,
    ),
    "corrupt-png": (_corrupt_png(), "photo.png", "image/png", UNREADABLE),
    "gif": (encode(picture((20, 20)).convert("P"), "GIF"), "photo.gif", "image/gif", WRONG_FORMAT),
    "gif-named-jpg": (
        encode(picture((20, 20)).convert("P"), "GIF"),
        "photo.jpg",
        "image/jpeg",
        WRONG_FORMAT,
    ),
    "bmp": (encode(picture((20, 20)), "BMP"), "photo.jpg", "image/jpeg", WRONG_FORMAT),
    "tiff": (encode(picture((20, 20)), "TIFF"), "photo.jpg", "image/jpeg", WRONG_FORMAT),
    "too-many-pixels": (png_claiming_size(8000, 6000), "bomb.png", "image/png", "too many pixels"),
}


@pytest.mark.parametrize("case", list(REFUSED))
async def test_what_is_not_a_jpeg_png_or_webp_is_400(
    client: httpx.AsyncClient, app: FastAPI, case: str
) -> None:
    data, filename, content_type, reason = REFUSED[case]
    account = await register(client)
    response = await upload(client, account, data, filename=filename, content_type=content_type)
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(error) == {"avatar"}
    assert error["details"][0]["code"] == "INVALID_IMAGE"
    assert reason in error["details"][0]["message"]
    assert stored_files(app) == []
    assert await avatar_in_profile(client, account) is None


async def test_empty_file_is_400(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await register(client)
    response = await upload(client, account, b"")
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert error["details"] == [
        {"field": "avatar", "message": "The file is empty", "code": "INVALID_IMAGE"}
    ]
    assert stored_files(app) == []


async def test_missing_file_is_400(client: httpx.AsyncClient) -> None:
    account = await register(client)
    # A multipart body without the `avatar` field ...
    response = await upload(client, account, image_bytes(), field="file")
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert [(d["field"], d["code"]) for d in error["details"]] == [("avatar", "REQUIRED")]
    # ... no body at all ...
    response = await client.post(AVATAR, headers=account.headers)
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert [(d["field"], d["code"]) for d in error["details"]] == [("avatar", "REQUIRED")]
    # ... and a plain form field instead of a file.
    response = await client.post(AVATAR, data={"avatar": "photo.jpg"}, headers=account.headers)
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(error) == {"avatar"}
    assert await avatar_in_profile(client, account) is None


async def test_upload_without_token_is_401(client: httpx.AsyncClient, app: FastAPI) -> None:
    response = await client.post(AVATAR, files={"avatar": ("a.jpg", image_bytes(), "image/jpeg")})
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert stored_files(app) == []


# --- size limit --------------------------------------------------------------------


def padded_jpeg(total: int) -> bytes:
    """A valid JPEG followed by padding, exactly `total` bytes long (decoders ignore
    what follows the end-of-image marker)."""
    data = image_bytes("JPEG", (32, 32))
    assert len(data) < total
    return data + b"\x00" * (total - len(data))


async def test_limit_is_inclusive_with_a_smaller_setting(
    app_factory: AppFactory,
) -> None:
    app = await app_factory(avatar_max_bytes=4096)
    async with client_for(app) as client:
        account = await register(client)
        url = await uploaded_url(client, account, padded_jpeg(4096))
        assert open_image((await fetch(client, url)).content).size == (32, 32)

        response = await upload(client, account, padded_jpeg(4097))
        error = assert_error(response, 413, "PAYLOAD_TOO_LARGE")
        assert error["message"] == "The avatar must be at most 4 KB"
        # The refused upload changed nothing.
        assert await avatar_in_profile(client, account) == url
        assert stored_files(app) == [local_path(app, url)]


async def test_over_the_default_5_mb_is_413(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await register(client)
    response = await upload(client, account, padded_jpeg(DEFAULT_LIMIT + 1))
    error = assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert error["message"] == "The avatar must be at most 5 MB"
    assert stored_files(app) == []
    assert await avatar_in_profile(client, account) is None


async def test_exactly_the_default_5_mb_is_accepted(client: httpx.AsyncClient) -> None:
    account = await register(client)
    url = await uploaded_url(client, account, padded_jpeg(DEFAULT_LIMIT))
    assert (await fetch(client, url)).status_code == 200


async def test_limit_message_names_a_fractional_size(app_factory: AppFactory) -> None:
    app = await app_factory(avatar_max_bytes=1_572_864)
    async with client_for(app) as client:
        account = await register(client)
        response = await upload(client, account, padded_jpeg(1_572_865))
        error = assert_error(response, 413, "PAYLOAD_TOO_LARGE")
        assert error["message"] == "The avatar must be at most 1.5 MB"


async def test_a_real_big_photo_over_the_limit_is_413(app_factory: AppFactory) -> None:
    data = noisy_jpeg((400, 400))
    app = await app_factory(avatar_max_bytes=len(data) - 1)
    async with client_for(app) as client:
        account = await register(client)
        assert_error(await upload(client, account, data), 413, "PAYLOAD_TOO_LARGE")


# --- replacing ---------------------------------------------------------------------


async def test_replacing_removes_the_previous_file(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await register(client)
    first = await uploaded_url(client, account, image_bytes("JPEG"))
    first_path = local_path(app, first)
    assert first_path.is_file()

    second = await uploaded_url(client, account, image_bytes("PNG"))
    assert second != first
    assert not first_path.exists()
    assert stored_files(app) == [local_path(app, second)]
    assert (await fetch(client, first)).status_code == 404
    assert (await fetch(client, second)).status_code == 200
    assert await avatar_in_profile(client, account) == second


async def test_refused_replacement_keeps_the_previous_file(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    account = await register(client)
    first = await uploaded_url(client, account, image_bytes("JPEG"))
    response = await upload(client, account, b"not an image")
    assert_error(response, 400, "VALIDATION_ERROR")
    assert stored_files(app) == [local_path(app, first)]
    assert await avatar_in_profile(client, account) == first


async def test_users_do_not_touch_each_others_files(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    alice = await register(client)
    bob = await register(client)
    alice_url = await uploaded_url(client, alice, image_bytes("JPEG"))
    bob_first = await uploaded_url(client, bob, image_bytes("JPEG"))
    bob_second = await uploaded_url(client, bob, image_bytes("WEBP"))
    assert stored_files(app) == sorted([local_path(app, alice_url), local_path(app, bob_second)])
    assert not local_path(app, bob_first).exists()
    assert await avatar_in_profile(client, alice) == alice_url


async def test_previous_file_is_deleted_only_after_the_commit(
    app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the transaction that switches to the new avatar fails, the profile still
    points at the old file, so the old file must still be there."""
    # JSON logs: the console renderer's traceback of the 500 is slow to draw.
    app = await app_factory(log_format="json")
    async with client_for(app) as client:
        account = await register(client)
        first = await uploaded_url(client, account, image_bytes("JPEG"))

        sessionmaker = app.state.db.sessionmaker
        base = sessionmaker.class_

        class FailingCommit(base):  # type: ignore[misc, valid-type]
            async def commit(self) -> None:
                raise RuntimeError("the database went away")

        monkeypatch.setattr(sessionmaker, "class_", FailingCommit)
        response = await upload(client, account, image_bytes("PNG"))
        assert_error(response, 500, "INTERNAL_ERROR")
        monkeypatch.setattr(sessionmaker, "class_", base)

        assert local_path(app, first).is_file()
        assert await avatar_in_profile(client, account) == first
        assert (await fetch(client, first)).status_code == 200
        # A later replacement that does commit removes it as usual.
        second = await uploaded_url(client, account, image_bytes("WEBP"))
        assert not local_path(app, first).exists()
        assert local_path(app, second).is_file()


# --- S3 storage (moto's server) ----------------------------------------------------


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(moto_endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"avatars-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def s3_settings(endpoint: str, bucket: str, **extra: Any) -> dict[str, Any]:
    return {
        "s3_bucket": bucket,
        "s3_endpoint_url": endpoint,
        "s3_access_key_id": "test",
        "s3_secret_access_key": "test",
        "s3_region": "us-east-1",
        **extra,
    }


def keys_in(s3: Any, bucket: str) -> list[str]:
    listing = s3.list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


async def test_s3_upload_lands_in_the_bucket(
    app_factory: AppFactory, moto_endpoint: str, s3: Any, bucket: str
) -> None:
    app = await app_factory(**s3_settings(moto_endpoint, bucket))
    async with client_for(app) as client:
        account = await register(client)
        original = image_bytes("JPEG", (1600, 1200), exif=exif_bytes())
        url = await uploaded_url(client, account, original)

        prefix = f"{moto_endpoint}/{bucket}/avatars/{account.id}/"
        assert url.startswith(prefix)
        assert url.endswith(".jpg")
        key = url.removeprefix(f"{moto_endpoint}/{bucket}/")
        assert keys_in(s3, bucket) == [key]

        stored = s3.get_object(Bucket=bucket, Key=key)
        assert stored["ContentType"] == "image/jpeg"
        data = stored["Body"].read()
        assert data != original
        image = open_image(data)
        assert image.format == "JPEG"
        assert image.size == (1024, 768)
        assert dict(image.getexif()) == {}
        assert b"SpyCam" not in data
        assert await avatar_in_profile(client, account) == url
        # Nothing is written locally in S3 mode, and /media is not served.
        assert stored_files(app) == []
        assert (await client.get(f"/media/{key}")).status_code == 404


async def test_s3_replacement_deletes_the_previous_object(
    app_factory: AppFactory, moto_endpoint: str, s3: Any, bucket: str
) -> None:
    app = await app_factory(**s3_settings(moto_endpoint, bucket))
    async with client_for(app) as client:
        account = await register(client)
        first = await uploaded_url(client, account, image_bytes("JPEG"))
        second = await uploaded_url(client, account, image_bytes("WEBP"))
        first_key = first.removeprefix(f"{moto_endpoint}/{bucket}/")
        second_key = second.removeprefix(f"{moto_endpoint}/{bucket}/")
        assert first_key != second_key
        assert keys_in(s3, bucket) == [second_key]
        assert s3.get_object(Bucket=bucket, Key=second_key)["ContentType"] == "image/webp"
        # A refused upload leaves the bucket alone.
        assert_error(await upload(client, account, b"GIF89a nonsense"), 400, "VALIDATION_ERROR")
        assert keys_in(s3, bucket) == [second_key]


async def test_s3_public_url_is_used_for_the_link(
    app_factory: AppFactory, moto_endpoint: str, s3: Any, bucket: str
) -> None:
    app = await app_factory(
        **s3_settings(moto_endpoint, bucket, s3_public_url="https://cdn.example.com/")
    )
    async with client_for(app) as client:
        account = await register(client)
        url = await uploaded_url(client, account, image_bytes("PNG"))
        assert url.startswith(f"https://cdn.example.com/avatars/{account.id}/")
        key = url.removeprefix("https://cdn.example.com/")
        assert s3.get_object(Bucket=bucket, Key=key)["ContentType"] == "image/png"
