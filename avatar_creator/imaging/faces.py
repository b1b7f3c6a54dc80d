"""Finding the largest face in a picture (thumbnails centre on it; the offline provider samples its colours)."""

from __future__ import annotations

import threading
from types import ModuleType

from PIL import Image

_CASCADE_FILE = "haarcascade_frontalface_default.xml"
# Faces are searched on a copy whose short side is at most this: ~10 ms on a 12-megapixel photo, and a face an
# avatar is about is never so small that this loses it.
_DETECTION_SIDE = 480
_MIN_FACE_FRACTION = 10  # ignore faces smaller than 1/10 of the short side: background people, false hits
_local = threading.local()  # cv2.CascadeClassifier keeps scratch state per call: one per thread
_IMPORTING = threading.Lock()


def find_largest_face(image: Image.Image) -> tuple[int, int, int, int] | None:
    """The largest frontal face in ``image`` as (x, y, width, height) in its pixels, or None when there is none."""
    import numpy

    short_side = min(image.size)
    factor = max(1, -(-short_side // _DETECTION_SIDE))
    gray = image.convert("L")
    if factor > 1:
        gray = gray.reduce(factor)
    min_face = max(24, min(gray.size) // _MIN_FACE_FRACTION)
    faces = _classifier().detectMultiScale(
        numpy.asarray(gray), scaleFactor=1.1, minNeighbors=5, minSize=(min_face, min_face)
    )
    if len(faces) == 0:
        return None
    x, y, width, height = max(faces, key=lambda face: face[2] * face[3])
    return int(x * factor), int(y * factor), int(width * factor), int(height * factor)


def face_centred_crop(image: Image.Image, size: int = 300) -> Image.Image:
    """A ``size``×``size`` cover crop of ``image`` centred on its largest face, else on its centre."""
    width, height = image.size
    side = min(width, height)
    # A square's cover crop is the whole square wherever a face is: only other shapes need the search.
    face = find_largest_face(image) if width != height else None
    if face is None:
        centre_x, centre_y = width / 2, height / 2
    else:
        centre_x, centre_y = face[0] + face[2] / 2, face[1] + face[3] / 2
    left = min(max(centre_x - side / 2, 0), width - side)
    top = min(max(centre_y - side / 2, 0), height - side)
    box = (left, top, left + side, top + side)
    # reducing_gap: shrink by whole factors first (cheap), then Lanczos the last step (sharp).
    return image.resize((size, size), Image.Resampling.LANCZOS, box=box, reducing_gap=2.0)


def opencv() -> ModuleType:
    """The ``cv2`` module, imported on first use (it and numpy weigh ~40 MiB) under a lock: OpenCV's first import is
    not thread-safe, and two worker threads may reach their first thumbnails at once."""
    with _IMPORTING:
        try:
            import cv2
        except ImportError as error:
            raise RuntimeError("face detection needs OpenCV: pip install 'opencv-python-headless<5'") from error
    return cv2


def _classifier():
    classifier = getattr(_local, "classifier", None)
    if classifier is None:
        cv2 = opencv()
        classifier = cv2.CascadeClassifier(cv2.data.haarcascades + _CASCADE_FILE)  # the cascade files ship in cv2
        if classifier.empty():
            raise RuntimeError(f"OpenCV could not load {_CASCADE_FILE}; opencv-python-headless 5 dropped it, use <5")
        _local.classifier = classifier
    return classifier
