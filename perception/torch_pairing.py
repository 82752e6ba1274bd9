"""Whether torch and torchvision belong together, checked before a model loads.

torchvision from PyPI is built against one torch release. Beside another (the CPU wheel this
project installs), importing it fails with ``operator torchvision::nms does not exist``, and
transformers, which only checks that torchvision is *installed*, then fails to import every
Qwen3-VL class with an unrelated message. A GUI agent reads images only and needs no
torchvision, so the fix is to remove it or install the matching pair.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util


def torchvision_problem() -> str | None:
    """Why the installed torchvision cannot load beside this torch, or None when it loads (or
    is not installed)."""
    if importlib.util.find_spec("torchvision") is None:
        return None
    try:
        import torchvision  # noqa: F401
    except Exception as exc:  # a mismatched build raises RuntimeError, others ImportError
        why = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        return (
            f"torchvision {_version('torchvision')} is installed but does not load beside torch "
            f"{_version('torch')} ({why}); it was built for another torch release. gui-agent "
            "reads images only and needs no torchvision: `pip uninstall torchvision`, or "
            "install a matching pair (e.g. `pip install torch==2.14.1 torchvision==0.29.1`)"
        )
    return None


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "(unknown version)"
