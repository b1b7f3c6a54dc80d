"""Fixtures for the provider tests: drawn faces in known colours."""

import pytest

from tests.support import references


@pytest.fixture
def draw_face():
    """``draw_face(skin=..., hair=..., background=..., size=400)``: a PIL image of a drawn face."""
    return references.draw_face


@pytest.fixture
def face_photo():
    """``face_photo(skin=..., hair=..., background=..., size=400, format="PNG")``: a drawn face, encoded."""

    def make(*, skin, hair, background, size=400, format="PNG"):
        return references.encode(references.draw_face(skin=skin, hair=hair, background=background, size=size),
                                 format)

    return make
