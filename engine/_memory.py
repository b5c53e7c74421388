"""Keep freed memory in the process instead of returning it to the OS at once.

glibc hands blocks over 128 kB back to the kernel as soon as they are freed, so each new
(1000, 32) temporary page-faults in again: measured, that doubled the time of a full-batch step
on [2, 32, 32, 1] when training and evaluation alternate. Raising the mmap and trim thresholds
(the effect of MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_) removes that cost. Elsewhere than
glibc this does nothing.
"""

import ctypes
import ctypes.util
import os

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def keep_freed_memory(mmap_threshold: int = 16 << 20, trim_threshold: int = 64 << 20) -> bool:
    """Ask glibc's malloc to keep up to `trim_threshold` bytes of freed memory; True if it did."""
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") or os.environ.get("MALLOC_TRIM_THRESHOLD_"):
        return False  # the user chose; leave it
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, mmap_threshold)) and bool(
        mallopt(_M_TRIM_THRESHOLD, trim_threshold))
