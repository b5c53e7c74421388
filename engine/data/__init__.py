"""Data beyond the 2-D toy sets: 8×8 digit images, toy sequence tasks, and 2-D
distributions for GANs with their mode coverage and MMD."""

from .distributions import (
    DISTRIBUTIONS,
    bounds,
    check_points,
    mmd,
    mode_centres,
    mode_coverage,
    sample,
)
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
    "DIGIT_MAX", "DISTRIBUTIONS", "DrawnDigit", "IMAGE_DATASETS", "ImageData", "SEQUENCE_TASKS",
    "SequenceData", "SequenceTask", "all_digits", "as_vectors", "bounds", "check_points",
    "decode", "make_digits", "make_images", "make_sequences", "make_train_test", "mmd",
    "mode_centres", "mode_coverage", "preprocess_drawing", "random_shifts", "sample",
    "shift_images",
]
