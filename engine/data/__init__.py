"""Data for every kind of network: the toy 2-D sets with their input features and your own
points (CSV), 8×8 digit images, toy sequence tasks, and 2-D distributions for GANs with their
mode coverage and MMD."""

from .distributions import (
    DISTRIBUTIONS,
    bounds,
    check_points,
    mmd,
    mode_centres,
    mode_coverage,
    sample,
)
from .features import FEATURES, transform
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
    random_slants,
    shift_images,
    shifted_copy,
)
from .points import DATASETS, TASKS, Dataset, make_dataset
from .sequences import (
    SEQUENCE_TASKS,
    SequenceData,
    SequenceTask,
    decode,
    make_sequences,
    make_train_test,
)
from .user import from_points, load_csv, to_csv

__all__ = [
    "DATASETS", "DIGIT_MAX", "DISTRIBUTIONS", "Dataset", "DrawnDigit", "FEATURES",
    "IMAGE_DATASETS", "ImageData", "SEQUENCE_TASKS", "SequenceData", "SequenceTask", "TASKS",
    "all_digits", "as_vectors", "bounds", "check_points", "decode", "from_points", "load_csv",
    "make_dataset", "make_digits", "make_images", "make_sequences", "make_train_test", "mmd",
    "mode_centres", "mode_coverage", "preprocess_drawing", "random_shifts", "random_slants",
    "sample",     "shift_images", "shifted_copy", "to_csv", "transform",
]
