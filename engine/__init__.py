"""A NumPy training engine for small dense networks, with a step-by-step training API."""

from ._memory import keep_freed_memory
from .activations import ACTIVATIONS, OUTPUTS
from .config import CUSTOM, LIVE_FIELDS, Config
from .datasets import (
    DATASETS,
    FEATURES,
    Dataset,
    from_points,
    load_csv,
    make_dataset,
    to_csv,
    transform,
)
from .initializers import INITIALIZERS
from .losses import LOSSES
from .network import Network
from .optimizers import OPTIMIZERS, make_optimizer
from .schedules import SCHEDULES
from .trainer import DIVERGED, READY, RUNNING, STOPPED, History, Trainer, grid_points

keep_freed_memory()

__all__ = [
    "ACTIVATIONS", "CUSTOM", "Config", "DATASETS", "DIVERGED", "Dataset", "FEATURES", "History",
    "INITIALIZERS", "LIVE_FIELDS", "LOSSES", "Network", "OPTIMIZERS", "OUTPUTS", "READY",
    "RUNNING", "SCHEDULES", "STOPPED", "Trainer", "from_points", "grid_points", "load_csv",
    "make_dataset", "make_optimizer", "to_csv", "transform",
]
