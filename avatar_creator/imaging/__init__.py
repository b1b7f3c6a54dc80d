"""Image processing: sniffing, validation, normalisation to sRGB without metadata, face-centred thumbnails."""

from .errors import ImageRejected, InvalidImage, UnsupportedImageType
from .faces import face_centred_crop, find_largest_face
from .formats import HEIC, JPEG, PNG, SNIFF_BYTES, WEBP, sniff
from .thumbnails import encode_thumbnail, thumbnail_of
from .upload import ProcessedImage, process_upload

__all__ = [
    "HEIC",
    "JPEG",
    "PNG",
    "SNIFF_BYTES",
    "WEBP",
    "ImageRejected",
    "InvalidImage",
    "ProcessedImage",
    "UnsupportedImageType",
    "encode_thumbnail",
    "face_centred_crop",
    "find_largest_face",
    "process_upload",
    "sniff",
    "thumbnail_of",
]
