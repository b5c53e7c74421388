"""A NumPy training engine for small networks, with a step-by-step training API.

Importing it changes nothing in the process; a server calls `keep_freed_memory()` once (see
engine/_memory.py)."""

from ._memory import keep_freed_memory
from .activations import ACTIVATIONS
from .config import CUSTOM, LIVE_FIELDS, Config
from .data import (
    DATASETS,
    FEATURES,
    Dataset,
    from_points,
    load_csv,
    make_dataset,
    to_csv,
    transform,
)
from .fields import Settings
from .gan import GAN_PRESETS, DigitsGanConfig, DigitsGanTrainer, GanConfig, GanTrainer
from .images import ImageConfig, ImageTrainer
from .initializers import INITIALIZERS
from .losses import LOSSES
from .model import Model
from .network import Network
from .optimizers import OPTIMIZERS, make_optimizer
from .outputs import OUTPUTS
from .schedules import SCHEDULES
from .sequences import SequenceConfig, SequenceTrainer
from .trainer import DIVERGED, READY, RUNNING, STOPPED, History, Trainer, grid_points
from .training import TrainerBase

__all__ = [
    "ACTIVATIONS", "CUSTOM", "Config", "DATASETS", "DIVERGED", "Dataset", "DigitsGanConfig",
    "DigitsGanTrainer", "FEATURES", "GAN_PRESETS", "GanConfig", "GanTrainer", "History",
    "INITIALIZERS", "ImageConfig", "ImageTrainer", "LIVE_FIELDS", "LOSSES", "Model", "Network",
    "OPTIMIZERS", "OUTPUTS", "READY", "RUNNING", "SCHEDULES", "STOPPED", "SequenceConfig",
    "SequenceTrainer", "Settings", "Trainer", "TrainerBase", "from_points", "grid_points",
    "keep_freed_memory", "load_csv", "make_dataset", "make_optimizer", "to_csv", "transform",
]
