"""X core font set-ups that real desktops have, built from Debian's packages without installing
them: the desktop tests and benchmarks start Xvfb with one of these as its font path.

Installing xfonts-base or fonts-urw-base35 changes how every core-font program draws (xcalc's
keys get a symbol font: "÷" instead of ",", "π" instead of "p"), and a machine that has them
is no rarer than one without. Installing them system-wide would change the machine for every
other test, so the packages are downloaded (``apt-get download``), unpacked (``dpkg -x``) and
indexed (``mkfontdir``, from xfonts-utils) into a cache folder of their own.

``python benchmarks/font_setups.py`` prepares every set-up and prints their folders.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CACHE = Path.home() / ".cache" / "gui-agent" / "fonts"

# Each font folder: the Debian package, where it puts its fonts, its alias and scale files.
FOLDERS: dict[str, tuple[str, str, str, str]] = {
    "misc": ("xfonts-base", "usr/share/fonts/X11/misc", "etc/X11/fonts/misc/xfonts-base.alias", ""),
    "75dpi": (
        "xfonts-75dpi", "usr/share/fonts/X11/75dpi", "etc/X11/fonts/75dpi/xfonts-75dpi.alias", "",
    ),
    "100dpi": (
        "xfonts-100dpi", "usr/share/fonts/X11/100dpi",
        "etc/X11/fonts/100dpi/xfonts-100dpi.alias", "",
    ),
    "Type1": (
        "fonts-urw-base35", "usr/share/fonts/X11/Type1",
        "etc/X11/fonts/Type1/fonts-urw-base35.alias", "etc/X11/fonts/Type1/fonts-urw-base35.scale",
    ),
}  # fmt: skip

SETUPS: dict[str, tuple[str, ...]] = {
    "built-in": (),
    "xfonts-base": ("misc",),
    "bitmap": ("misc", "75dpi", "100dpi"),
    "urw-base35": ("Type1",),  # what a GTK program or Ghostscript brings along
    "all": ("misc", "Type1", "75dpi", "100dpi"),
}
"""Font set-ups by name: the folders on the font path after Xvfb's built-in fonts."""


class FontsUnavailable(RuntimeError):
    """The font packages could not be downloaded or indexed on this machine."""


def font_path(setup: str, *, cache: Path = CACHE) -> list[str]:
    """The font folders of a set-up (see :data:`SETUPS`), prepared on first use."""
    if setup not in SETUPS:
        raise KeyError(f"unknown font set-up {setup!r}; known: {', '.join(SETUPS)}")
    return [str(_folder(name, cache)) for name in SETUPS[setup]]


def _folder(name: str, cache: Path) -> Path:
    """One indexed font folder in the cache, made from its package when missing."""
    target = cache / name
    if (target / "fonts.dir").exists():
        return target
    for tool in ("apt-get", "dpkg", "mkfontdir"):
        if shutil.which(tool) is None:
            hint = " (sudo apt-get install -y xfonts-utils)" if tool == "mkfontdir" else ""
            raise FontsUnavailable(f"{tool} is not installed{hint}")
    package, fonts, alias, scale = FOLDERS[name]
    with tempfile.TemporaryDirectory() as tmp:
        _run(["apt-get", "download", package], cwd=tmp)
        (deb,) = Path(tmp).glob("*.deb")
        _run(["dpkg", "-x", str(deb), "root"], cwd=tmp)
        root = Path(tmp) / "root"
        cache.mkdir(parents=True, exist_ok=True)
        # Its own staging folder, renamed into place: two test workers may build it at once.
        staging = Path(tempfile.mkdtemp(dir=cache, prefix=f".{name}-"))
        for font in (root / fonts).iterdir():
            shutil.copyfile(font.resolve() if font.is_symlink() else font, staging / font.name)
        shutil.copyfile(root / alias, staging / "fonts.alias")
        if scale:
            shutil.copyfile(root / scale, staging / "fonts.scale")
        _run(["mkfontdir", str(staging)], cwd=tmp)
        try:
            staging.rename(target)
        except OSError:  # another process finished it first
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _run(command: list[str], *, cwd: str) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise FontsUnavailable(f"{' '.join(command)} failed: {done.stderr.strip()[-300:]}")


def main() -> int:
    """Prepare every set-up and print its font path."""
    for setup in SETUPS:
        try:
            print(f"{setup:12} {','.join(font_path(setup)) or '(built-in only)'}")
        except FontsUnavailable as exc:
            print(f"{setup:12} unavailable: {exc}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
