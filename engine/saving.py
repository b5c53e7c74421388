"""Save and load any trainer of the engine: one .npz archive without pickles.

A file holds its format name (one per kind of trainer), the settings as JSON, the state (JSON:
counters, status, history, random generator states, optimizer step counts, the kind's data
description) and arrays: for the k-th model trained (suffix "" for the first, then "1", ...)
its flat weights `flat{k}`, its optimizer's buffers `opt{k}__<buffer>`, the same of the last
good epoch (`good_flat{k}`, `goodopt{k}__...`) and of the best one for early stopping
(`best_flat{k}`, `bestopt{k}__...`), the epoch's order `perm`, and the kind's data arrays.

Version 2 of every format lays each model's flat vectors (weights and optimizer buffers) out
layer by layer (engine.model); version 1, the layout before, held every array of 2 or more
axes, then every 1-D one. Files of version 1 still load: their vectors are reordered
(`Model.legacy_order`).

Loading checks the format, then validates the settings (so a file asking for a network beyond
the settings' limits is refused before anything is allocated for it), builds the trainer, and
only then reads the other arrays, each no larger than that trainer can use. Any problem raises
ValueError with a readable message.
"""

import io
import json
import os

import numpy as np

BAD = "not a model file saved by this playground"
MAX_DATA_BYTES = 16 << 20  # a file's data of your own, read before the trainer is built
MAX_FILE_BYTES = 32 << 20  # a model file (the app's upload limit, .streamlit/config.toml)


class Archive:
    """The members of an open .npz file, read one at a time with their size checked."""

    def __init__(self, npz):
        self._npz = npz
        self.names = set(npz.files)

    def size(self, name: str) -> int:
        """Uncompressed bytes of member `name`."""
        return self._npz.zip.getinfo(f"{name}.npy").file_size

    def array(self, name: str, limit: int) -> np.ndarray:
        """Member `name`; ValueError when it is missing or larger than `limit` bytes."""
        if name not in self.names:
            raise ValueError(f"{BAD}, or a damaged one (it has no {name!r})")
        if self.size(name) > limit + 4096:  # + the .npy header
            raise ValueError(f"{BAD}, or a damaged one ({name!r} is larger than the model it "
                             "describes)")
        try:
            return self._npz[name]
        except Exception as e:  # noqa: BLE001 - e.g. a pickle, or a damaged member
            raise ValueError(f"{BAD}, or a damaged one ({type(e).__name__}: {e})"[:280]) \
                from None

    def text(self, name: str, limit: int = 16 << 20) -> str:
        a = self.array(name, limit)
        if a.ndim != 0 or a.dtype.kind != "U":
            raise ValueError(f"{BAD}, or a damaged one ({name!r} is not text)")
        return str(a)


def _json(text: str) -> dict:
    try:
        d = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"{BAD}, or a damaged one (JSON error: {e.msg})") from None
    if not isinstance(d, dict):
        raise ValueError(f"{BAD}, or a damaged one (its state is not a JSON object)")
    return d


def _size(file) -> int:
    """Bytes of `file` (a path or a seekable binary file object) from where it stands; 0 when
    that cannot be told (the reader then meets it as it is)."""
    try:
        if hasattr(file, "seek"):
            here = file.tell()
            end = file.seek(0, io.SEEK_END)
            file.seek(here)
            return end - here
        return os.path.getsize(file)
    except (OSError, TypeError, ValueError, AttributeError):
        return 0


def _open(file):
    """The NpzFile of `file` (a path, bytes or a binary file object), or ValueError."""
    if isinstance(file, bytes | bytearray | memoryview):
        file = io.BytesIO(file)
    size = _size(file)
    if size > MAX_FILE_BYTES:
        raise ValueError(f"the model file is {size / 2**20:.1f} MB, over the limit of "
                         f"{MAX_FILE_BYTES >> 20} MB")
    try:
        z = np.load(file, allow_pickle=False)
    except Exception as e:  # noqa: BLE001 - whatever the reader trips on, the file is bad
        raise ValueError(f"{BAD} ({type(e).__name__}: {e})"[:280]) from None
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise ValueError(f"{BAD} (a single array, not an archive of them)")
    return z


def _damaged(e: Exception) -> ValueError:
    text = str(e)
    if text.startswith((BAD, "the model file")):
        return ValueError(text)
    return ValueError(f"{BAD}, or a damaged one ({type(e).__name__}: {text})"[:280])


def version_1(fmt: str) -> str:
    """The name of version 1 of file format `fmt` (a name ending in -v2)."""
    return fmt.removesuffix("-v2") + "-v1"


def load(cls, file):
    """A trainer of class `cls` from a file written by `save`: it resumes bit-identically."""
    z = _open(file)
    with z:
        try:
            archive = Archive(z)
            fmt = archive.text("format", 1024) if "format" in archive.names else ""
            legacy = fmt == version_1(cls.FORMAT)
            if fmt != cls.FORMAT and not legacy:
                if fmt.startswith("nn-playground-"):
                    raise ValueError(f"the model file holds another kind of model ({fmt}); "
                                     f"this one reads {cls.FORMAT} files")
                raise ValueError(BAD)
            config_text = archive.text("config", 1 << 20)
        except Exception as e:  # noqa: BLE001 - a damaged member can fail in many ways
            raise _damaged(e) from None
        try:
            config = cls.SETTINGS.from_json(config_text)
            if legacy:
                given = json.loads(config_text)
                config = config.replace(**{k: v for k, v in cls.V1_SETTINGS.items()
                                           if k not in given})
        except Exception as e:  # noqa: BLE001 - whatever the settings trip on, they are bad
            reason = str(e) if isinstance(e, ValueError) else f"{type(e).__name__}: {e}"
            raise ValueError(f"the model file's config is not valid: {reason}"[:280]) from None
        try:
            state = _json(archive.text("state"))
            trainer = cls(config, cls._data_from_file(state, archive))
            trainer._load_state(state, archive, legacy)
        except Exception as e:  # noqa: BLE001
            raise _damaged(e) from None
        return trainer


def save(trainer, file) -> None:
    """Write `trainer` to `file` (a path or a binary file object)."""
    state, arrays = trainer._file_state()
    arrays = {"format": np.array(trainer.FORMAT), "config": np.array(trainer.config.to_json()),
              **arrays, "state": np.array(json.dumps(state))}
    np.savez(file, **arrays)


def to_bytes(trainer) -> bytes:
    buf = io.BytesIO()
    save(trainer, buf)
    return buf.getvalue()


# --- optimizer states ---------------------------------------------------------------------------

def optimizer_arrays(prefix: str, state: dict) -> dict[str, np.ndarray]:
    """The buffers of an optimizer's state_dict (one array each: the optimizers here update one
    flat vector) as members `<prefix>__<buffer>`."""
    return {f"{prefix}__{name}": bufs[0] for name, bufs in (state["buffers"] or {}).items()}


def optimizer_state(archive: Archive, prefix: str, t: int, limit: int) -> dict:
    """An optimizer state_dict from the members `<prefix>__*` and the step count t."""
    bufs = {name.split("__", 1)[1]: [archive.array(name, limit).copy()]
            for name in sorted(archive.names) if name.startswith(prefix + "__")}
    return {"t": int(t), "buffers": bufs or None}
