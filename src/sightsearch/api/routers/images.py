"""``/api/v1/images``: image metadata, and search by image (upload a picture, get the products that look like it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select

from sightsearch.api.deps import READ_ACCESS, IdPath, KeyBeforeBody, SessionDep, SettingsDep, StateDep
from sightsearch.api.errors import ERROR_RESPONSES, ApiError
from sightsearch.api.pagination import SortSpec, decode_cursor, page_of
from sightsearch.api.routers import API_PREFIX
from sightsearch.api.routers.products import similar_list
from sightsearch.api.schemas import ImageDetail, ImageOut, ImageSearchResult, Page, QueryImage
from sightsearch.api.similarity import MAX_QUERY_DISTANCE
from sightsearch.errors import ImageError
from sightsearch.images import ImageInfo, inspect_image
from sightsearch.images.inspection import DecodeBudget
from sightsearch.storage.models import ImageRecord

router = APIRouter(route_class=KeyBeforeBody, prefix=f"{API_PREFIX}/images", tags=["images"],
                   dependencies=READ_ACCESS, responses=ERROR_RESPONSES)

_BY_ID = SortSpec("id", ImageRecord.id, ImageRecord.id, False, "int")


@router.get("", response_model=Page[ImageOut])
def list_images(
    session: SessionDep,
    group_key: Annotated[str | None, Query(max_length=64, description="Only this near-duplicate group.")] = None,
    failed: Annotated[bool | None, Query(description="true: only images that failed; false: only good ones.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Page[ImageOut]:
    """Image records by id."""
    query = select(ImageRecord)
    if group_key is not None:
        query = query.where(ImageRecord.group_key == group_key.replace("\x00", ""))
    if failed is not None:
        query = query.where(ImageRecord.error.is_not(None) if failed else ImageRecord.error.is_(None))
    if cursor:
        query = query.where(_BY_ID.after(*decode_cursor(_BY_ID, cursor)))
    rows = list(session.scalars(query.order_by(*_BY_ID.order_by()).limit(limit + 1)))
    items, next_cursor = page_of(rows, limit, _BY_ID, lambda image: image.id)
    return Page[ImageOut](items=[ImageOut.model_validate(image) for image in items], next_cursor=next_cursor)


@router.get("/{image_id}", response_model=ImageDetail)
def get_image(image_id: IdPath, session: SessionDep, state: StateDep) -> ImageDetail:
    """One image's metadata and the ids of the products that show it."""
    image = session.get(ImageRecord, image_id)
    if image is None:
        raise ApiError(404, "not_found", f"no image with id {image_id}")
    detail = ImageDetail.model_validate(image)
    detail.product_ids = sorted(state.images.get(session).products_by_url.get(image.url, ()))
    return detail


@router.post("/search", response_model=ImageSearchResult)
async def search_by_image(
    file: Annotated[UploadFile, File(description="A JPEG, PNG, WebP, GIF, BMP or AVIF picture.")],
    state: StateDep,
    settings: SettingsDep,
    session: SessionDep,
    max_distance: Annotated[int | None, Query(ge=0, le=MAX_QUERY_DISTANCE,
                                              description="Largest pHash Hamming distance.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> ImageSearchResult:
    """Products with an image within ``max_distance`` of the uploaded picture's pHash, nearest first.

    The upload goes through the same bomb-safe inspection as crawled images (byte and pixel limits).
    """
    data = await file.read(settings.max_image_bytes + 1)
    info = await state.run_decode(_inspect, data, settings.max_image_pixels, settings.max_image_bytes,
                                  state.decode_budget)
    del data  # the upload is not needed past its hash; the route still awaits the database
    distance = settings.near_duplicate_distance if max_distance is None else max_distance
    catalog = await run_in_threadpool(state.images.get, session)
    nearest = sorted(catalog.similar_products(info.phash, distance).items(), key=lambda item: (item[1][0], item[0]))
    matches = await run_in_threadpool(similar_list, session, dict(nearest[:limit]))
    query = QueryImage(width=info.width, height=info.height, format=info.format, phash=info.phash)
    return ImageSearchResult(query=query, max_distance=distance, matches=matches)


def _inspect(data: bytes, max_pixels: int, max_bytes: int, budget: DecodeBudget) -> ImageInfo:
    if len(data) > max_bytes:
        raise ApiError(413, "payload_too_large", f"the image is over the {max_bytes} byte limit", {"limit": max_bytes})
    try:
        return inspect_image(data, "upload", max_pixels=max_pixels, max_bytes=max_bytes, budget=budget)
    except ImageError as err:
        raise ApiError(422, "invalid_image", str(err).removesuffix(": upload")) from err
