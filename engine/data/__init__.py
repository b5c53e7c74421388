"""Data beyond the 2-D toy sets: 8×8 digit images."""

from .images import (
    DIGIT_MAX,
    IMAGE_DATASETS,
    DrawnDigit,
    ImageData,
    all_digits,
    as_vectors,
    make_digits,
    make_images,
    preprocess_drawing,
    random_shifts,
    shift_images,
)

__all__ = [
    "DIGIT_MAX", "DrawnDigit", "IMAGE_DATASETS", "ImageData", "all_digits", "as_vectors",
    "make_digits", "make_images", "preprocess_drawing", "random_shifts", "shift_images",
]
