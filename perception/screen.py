"""The Screenshot contract: an image plus what is needed to act on it."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image


@dataclass(frozen=True)
class Screenshot:
    """A capture of a page or a screen.

    Attributes:
        image: The pixels (a PIL image, RGB).
        scale: Image pixels per CSS pixel (browser) or per screen pixel (desktop): the device
            scale factor. Executors divide by it; nothing else converts coordinates.
        origin: Where the capture's top-left corner sits on the screen, in screen pixels
            (``(0, 0)`` for a browser viewport or a full single-monitor capture).
        source: Where it came from: a page URL, a window title, or a file path.
    """

    image: Image.Image
    scale: float = 1.0
    origin: tuple[int, int] = (0, 0)
    source: str = ""

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` in image pixels."""
        return self.image.size

    @cached_property
    def digest(self) -> str:
        """A hash of the pixels, to reuse work (OCR) while the screen has not changed."""
        return hashlib.sha1(self.image.tobytes()).hexdigest()

    @classmethod
    def from_bytes(cls, data: bytes, *, scale: float = 1.0, source: str = "") -> Screenshot:
        """Decode PNG or JPEG bytes."""
        from PIL import Image

        image = Image.open(io.BytesIO(data))
        image.load()
        return cls(image=image.convert("RGB"), scale=scale, source=source)

    @classmethod
    def open(cls, path: str | Path, *, scale: float = 1.0) -> Screenshot:
        """Read an image file from disk."""
        return cls.from_bytes(Path(path).read_bytes(), scale=scale, source=str(path))

    def blacked_out(self, boxes: list[Any], *, margin: float = 0.0) -> Screenshot:
        """A copy with each box ``(x0, y0, x1, y1)``, in image pixels, painted black (grown
        by ``margin`` on every side); the capture itself when there are none."""
        if not boxes:
            return self
        from PIL import ImageDraw

        image = self.image.copy()
        draw = ImageDraw.Draw(image)
        for x0, y0, x1, y1 in boxes:
            draw.rectangle([x0 - margin, y0 - margin, x1 + margin, y1 + margin], fill=(0, 0, 0))
        return Screenshot(image=image, scale=self.scale, origin=self.origin, source=self.source)

    def save_jpeg(self, path: str | Path, *, quality: int = 75) -> None:
        """Write the capture as a JPEG (what traces keep, one per step)."""
        self.image.save(path, format="JPEG", quality=quality)
