"""`kept serve` pins glibc's mmap and trim thresholds: a large block freed once does not make
the allocator keep later large blocks (and the memory they leave behind) in its arenas.
An operator's own malloc settings win.

Each check runs in a fresh interpreter: the thresholds belong to the whole process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.reliability.kept_server import ROOT

# Frees an 8 MiB block, then reports whether a 1 MiB block is given its own mapping (returned
# to the system when freed), from glibc's mallinfo2 counters.
PROBE = """
import ctypes, sys
class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks",
                "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
if sys.argv[1] == "pin":
    from api.server_process import pin_malloc_thresholds
    print("pinned" if pin_malloc_thresholds() else "left alone")
libc.free(libc.malloc(8 << 20))
before = libc.mallinfo2().hblkhd
block = libc.malloc(1 << 20)
print("mapped" if libc.mallinfo2().hblkhd - before >= 1 << 20 else "in an arena")
libc.free(block)
"""


def _on_glibc() -> bool:
    try:
        return sys.platform.startswith("linux") and bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (OSError, ValueError):
        return False


pytestmark = pytest.mark.skipif(not _on_glibc(), reason="glibc's allocator")


def _probe(mode: str, **env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    done = subprocess.run([sys.executable, "-c", PROBE, mode], env={**clean, **env}, cwd=ROOT,
                          check=True, capture_output=True, text=True, timeout=60)
    return done.stdout.splitlines()


def test_without_pinning_glibc_keeps_large_blocks_after_a_larger_one_was_freed() -> None:
    assert _probe("plain") == ["in an arena"]


def test_pinned_thresholds_keep_large_blocks_out_of_the_arenas() -> None:
    assert _probe("pin") == ["pinned", "mapped"]


def test_an_operators_malloc_settings_are_left_alone() -> None:
    assert _probe("pin", MALLOC_MMAP_THRESHOLD_="4194304") == ["left alone", "in an arena"]
    assert _probe("pin", GLIBC_TUNABLES="glibc.malloc.arena_max=2")[0] == "left alone"
