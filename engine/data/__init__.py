"""Data beyond the 2-D toy sets: 8×8 digit images and toy sequence tasks."""

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
from .sequences import (
    SEQUENCE_TASKS,
    SequenceData,
    SequenceTask,
    decode,
    make_sequences,
    make_train_test,
)

__all__ = [
    "DIGIT_MAX", "DrawnDigit", "IMAGE_DATASETS", "ImageData", "SEQUENCE_TASKS", "SequenceData",
    "SequenceTask", "all_digits", "as_vectors", "decode", "make_digits", "make_images",
    "make_sequences", "make_train_test", "preprocess_drawing", "random_shifts", "shift_images",
]
