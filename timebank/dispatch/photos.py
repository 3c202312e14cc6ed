"""Event photos: checked by their content, re-encoded without EXIF, thumbnailed, stored.

An upload is accepted only when Pillow opens it as a JPEG or PNG within the byte and
pixel caps; it is then re-encoded (which drops EXIF, GPS positions and any payload
hidden after the image) and written under UPLOAD_DIR by a random name, with a thumbnail.
The event's `photo_count` is claimed with a conditional UPDATE, so concurrent uploads
never pass PHOTOS_MAX. Files are written before the transaction commits: a rolled-back
upload leaves an orphan file (never a row without its file).
"""

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from ..core.clock import utcnow
from ..core.errors import RuleViolation, ValidationFailed
from ..core.settings import setting
from ..extensions import db
from .models import Event, EventPhoto
from .rights import can_coordinate, ensure, is_assignee, is_reporter

PHOTOS_MAX = 6
BYTES_MAX = 5 * 1024 * 1024
#: Beyond this many pixels an image is refused (a decompression bomb, or no phone photo).
PIXELS_MAX = 40_000_000
THUMB_SIZE = (320, 320)
FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png")}


@dataclass(frozen=True)
class CheckedImage:
    image: Image.Image
    format: str


def check_image(data, field: str = "photo") -> CheckedImage:
    """The image in `data` (bytes), or 422 at `field`: JPEG or PNG by content, at most
    5 MB and PIXELS_MAX pixels."""
    if not isinstance(data, bytes | bytearray) or not data:
        raise ValidationFailed([(field, _l("Choose a photo."))])
    if len(data) > BYTES_MAX:
        raise ValidationFailed([(field, _l("A photo may be at most 5 MB."))])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS or image.width * image.height > PIXELS_MAX:
                raise ValueError(image.format)
            image.load()
    except (
        UnidentifiedImageError,
        ValueError,
        OSError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise ValidationFailed([(field, _l("Only JPEG or PNG photos can be used."))]) from None
    return CheckedImage(image, image.format)


def _encoded(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _write(relative: str, data: bytes) -> None:
    target = Path(setting("UPLOAD_DIR")) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    partial.write_bytes(data)
    partial.replace(target)


def may_add_photos(actor, event: Event) -> bool:
    return is_reporter(actor, event) or is_assignee(actor, event) or can_coordinate(actor, event)


def add_photo(actor, event: Event, data, *, now=None, checked: CheckedImage | None = None):
    """Store one photo of the event (its reporter, assignee or coordinators in scope).
    422 `too_many_photos` past PHOTOS_MAX."""
    if actor is not None:  # a resident's photos come with their report (actor None)
        ensure(actor, event, may_add_photos)
    checked = checked or check_image(data)
    claimed = db.session.execute(
        sa.update(Event)
        .where(Event.id == event.id, Event.photo_count < PHOTOS_MAX)
        .values(photo_count=Event.photo_count + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise RuleViolation(
            "too_many_photos", _l("At most %(n)s photos per event.", n=PHOTOS_MAX), field="photo"
        )
    db.session.refresh(event, ["photo_count"])
    content_type, suffix = FORMATS[checked.format]
    image = ImageOps.exif_transpose(checked.image)  # keep the picture upright, drop EXIF
    body = _encoded(image, checked.format)
    thumb = image.copy()
    thumb.thumbnail(THUMB_SIZE)
    name = secrets.token_hex(16)
    path, thumb_path = f"events/{name[:2]}/{name}{suffix}", f"events/{name[:2]}/{name}.t{suffix}"
    _write(path, body)
    _write(thumb_path, _encoded(thumb, checked.format))
    photo = EventPhoto(
        event_id=event.id,
        path=path,
        thumb_path=thumb_path,
        content_type=content_type,
        width=image.width,
        height=image.height,
        size_bytes=len(body),
        uploaded_by_id=actor.id if actor is not None else None,
        created_at=now or utcnow(),
    )
    db.session.add(photo)
    db.session.flush()
    return photo


def file_of(photo: EventPhoto, *, thumb: bool = False) -> Path:
    """Where a photo (or its thumbnail) lies on disk."""
    return Path(setting("UPLOAD_DIR")) / (photo.thumb_path if thumb else photo.path)
