"""Colours and sizes chosen for elderly eyes and fingers, with the numbers that prove it.

Sizes are in millimetres on the real panel (``[display] dpi``), not Kivy's dp, because the requirement is
physical: touch targets ≥ 9 mm. Contrast is WCAG 2 relative-luminance contrast: ≥ 4.5:1 normally, ≥ 7:1 in
high-contrast mode (tests/unit/test_theme.py checks every pair a screen uses).
"""
from __future__ import annotations

from dataclasses import dataclass

MIN_TARGET_MM = 9.0


def hex_to_rgba(value: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    value = value.lstrip("#")
    return (int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255, alpha)


def relative_luminance(hex_colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b, _ = hex_to_rgba(hex_colour)
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(fg: str, bg: str) -> float:
    a, b = sorted((relative_luminance(fg), relative_luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


@dataclass(frozen=True)
class Palette:
    background: str
    text: str
    muted_text: str
    primary: str          # main action buttons
    primary_text: str
    secondary: str        # other buttons
    secondary_text: str
    disabled: str
    disabled_text: str
    error: str            # error text on background
    banner: str           # warning overlay background
    banner_text: str

    def text_pairs(self) -> dict[str, tuple[str, str]]:
        """Every foreground/background pair a screen draws text with."""
        return {"text": (self.text, self.background), "muted": (self.muted_text, self.background),
                "primary": (self.primary_text, self.primary), "secondary": (self.secondary_text, self.secondary),
                "disabled": (self.disabled_text, self.disabled), "error": (self.error, self.background),
                "banner": (self.banner_text, self.banner)}


NORMAL = Palette(background="#F4F1EA", text="#1B1B1B", muted_text="#4A4A4A", primary="#0A4D8C",
                 primary_text="#FFFFFF", secondary="#FFFFFF", secondary_text="#0A3A66", disabled="#DCDCDC",
                 disabled_text="#3D3D3D", error="#A4161A", banner="#FFE08A", banner_text="#1B1B1B")
HIGH_CONTRAST = Palette(background="#000000", text="#FFFFFF", muted_text="#F0F0F0", primary="#FFE600",
                        primary_text="#000000", secondary="#1A1A1A", secondary_text="#FFFFFF", disabled="#3A3A3A",
                        disabled_text="#FFFFFF", error="#FF9E9E", banner="#FFE600", banner_text="#000000")


@dataclass(frozen=True)
class Metrics:
    """Pixel sizes for a panel of ``dpi`` dots per inch, scaled up in large-text mode."""
    dpi: float
    large_text: bool = False

    def mm(self, millimetres: float) -> float:
        return millimetres * self.dpi / 25.4

    @property
    def text_scale(self) -> float:
        return 1.35 if self.large_text else 1.0

    def font(self, millimetres: float) -> float:
        return self.mm(millimetres) * self.text_scale

    @property
    def target(self) -> float:
        """Height of a normal button: 22 mm, well above the 9 mm minimum for unsteady hands."""
        return max(self.mm(22) * (1.15 if self.large_text else 1.0), self.mm(MIN_TARGET_MM))
