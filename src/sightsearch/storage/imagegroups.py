"""Near-duplicate image groups over every hashed image in the store."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sightsearch.storage.models import ImageRecord


def regroup_images(session: Session, max_distance: int) -> int:
    """Recompute ``group_key`` for all images from their pHash; returns the number of groups of 2+.

    A group's key is the smallest image id in it, so keys are stable while the group's oldest member stays.
    """
    rows = session.execute(select(ImageRecord.id, ImageRecord.phash).where(ImageRecord.phash.is_not(None))).all()
    groups = []
    if rows:  # NumPy loads only when there is something to group
        from sightsearch.images.near_duplicates import group_near_duplicates

        groups = group_near_duplicates({str(row.id): row.phash for row in rows}, max_distance)
    session.execute(update(ImageRecord).where(ImageRecord.group_key.is_not(None)).values(group_key=None))
    for members in groups:
        ids = sorted(int(member) for member in members)
        session.execute(update(ImageRecord).where(ImageRecord.id.in_(ids)).values(group_key=f"g{ids[0]}"))
    return len(groups)
