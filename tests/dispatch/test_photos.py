"""Event photos: JPEG or PNG by content, EXIF removed, thumbnails, at most six."""

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from tests.dispatch.conftest import T0
from timebank.core.errors import NotFound, RuleViolation, ValidationFailed
from timebank.dispatch.models import Event, EventPhoto
from timebank.dispatch.photos import BYTES_MAX, add_photo, file_of
from timebank.extensions import db


def picture(fmt="JPEG", size=(800, 600), exif=True) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif and fmt == "JPEG":
        tags = Image.Exif()
        tags[0x010F] = "PhoneMaker"  # Make
        tags[0x0131] = "secret-app"  # Software
        image.save(out, fmt, exif=tags)
    else:
        image.save(out, fmt)
    return out.getvalue()


def test_a_photo_is_reencoded_without_exif_and_thumbnailed(app, world):
    data = picture()
    assert Image.open(io.BytesIO(data)).getexif()  # the upload carries EXIF
    event = world.report()
    photo = add_photo(world.people.member, event, data, now=T0)
    with Image.open(file_of(photo)) as stored, Image.open(file_of(photo, thumb=True)) as thumb:
        assert (stored.format, stored.size, dict(stored.getexif())) == ("JPEG", (800, 600), {})
        assert max(thumb.size) == 320 and photo.content_type == "image/jpeg"
    assert str(file_of(photo)).startswith(app.config["UPLOAD_DIR"])
    png = add_photo(world.people.coordinator, event, picture("PNG"), now=T0)
    assert png.content_type == "image/png" and png.path.endswith(".png")
    assert db.session.get(Event, event.id).photo_count == 2


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a not really",
        picture("GIF"),
        picture("BMP"),
        b"\xff\xd8\xff" + b"0" * 100,
        "text",
    ],
)
def test_only_jpeg_or_png_by_content(world, data):
    with pytest.raises(ValidationFailed) as refused:
        add_photo(world.people.member, world.report(), data)
    assert refused.value.fields.keys() == {"photo"}


def test_too_large_photos_are_refused_before_they_are_read(world):
    with pytest.raises(ValidationFailed):
        add_photo(world.people.member, world.report(), b"\xff\xd8" + b"0" * BYTES_MAX)


def test_at_most_six_photos_and_only_for_those_on_the_event(world):
    event = world.report()
    for _ in range(6):
        add_photo(world.people.member, event, picture(size=(40, 30)), now=T0)
    with pytest.raises(RuleViolation) as refused:
        add_photo(world.people.member, event, picture(size=(40, 30)), now=T0)
    assert refused.value.code == "too_many_photos"
    with pytest.raises(NotFound):
        add_photo(world.people.neighbour, world.report(), picture(size=(40, 30)))


def test_an_event_is_made_with_its_photos_or_not_at_all(world):
    good, bad = picture(size=(60, 40)), b"not an image"
    with pytest.raises(ValidationFailed) as refused:
        world.report(description="", photos=[good, bad])
    assert refused.value.fields.keys() == {"description", "photos.1"}
    with pytest.raises(ValidationFailed) as refused:
        world.report(photos=[good] * 7)
    assert refused.value.fields.keys() == {"photos"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0
    event = world.report(photos=[good, picture("PNG", (30, 30))])
    photos = db.session.scalars(sa.select(EventPhoto).where(EventPhoto.event_id == event.id)).all()
    assert len(photos) == 2 and event.photo_count == 2
