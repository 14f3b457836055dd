"""How dvschema starts worker processes (``validate --jobs``, ``parse --jobs``) on each platform."""

from __future__ import annotations

import os
import sys


def worker_start_method() -> str | None:
    """How worker processes start here: ``fork`` where the platform has it and it is safe (Linux
    and other Unix systems), ``spawn`` where there is no fork (Windows) or forking a process that may
    hold system threads is unsafe (macOS); None when neither can be used (then one process runs)."""
    import multiprocessing

    if hasattr(os, "fork") and sys.platform != "darwin":
        return "fork"
    return "spawn" if "spawn" in multiprocessing.get_all_start_methods() else None
