"""The consultancy's name, colours and fonts, from settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.settings import Settings

RGB = tuple[int, int, int]


def hex_rgb(value: str) -> RGB:
    """'#1f5fbf' -> (31, 95, 191)."""
    v = value.lstrip("#")
    return int(v[0:2], 16), int(v[2:4], 16), int(v[4:6], 16)


def tint(color: RGB, amount: float) -> RGB:
    """`color` mixed with white (amount 0 = color, 1 = white)."""
    return tuple(round(c + (255 - c) * amount) for c in color)  # type: ignore[return-value]


@dataclass(frozen=True)
class Branding:
    name: str
    color: RGB
    accent: RGB
    website: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Branding:
        return cls(name=settings.brand_name, color=hex_rgb(settings.brand_color),
                   accent=hex_rgb(settings.brand_accent_color), website=settings.brand_website)


def font_files() -> dict[str, Path]:
    """Regular, bold, italic and bold italic Source Sans Pro TTFs (style -> path)."""
    import font_source_sans_pro

    folder = Path(font_source_sans_pro.font_directory)
    files = {"": "SourceSansPro-Regular.ttf", "B": "SourceSansPro-Bold.ttf", "I": "SourceSansPro-It.ttf",
             "BI": "SourceSansPro-BoldIt.ttf"}
    return {style: folder / name for style, name in files.items()}
