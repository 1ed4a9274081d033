"""Accessibility numbers: contrast of every text/background pair, touch target size."""
from __future__ import annotations

import pytest

from kiosk import theme


@pytest.mark.parametrize("palette, minimum", [(theme.NORMAL, 4.5), (theme.HIGH_CONTRAST, 7.0)])
def test_every_text_pair_has_enough_contrast(palette, minimum):
    for role, (fg, bg) in palette.text_pairs().items():
        assert theme.contrast_ratio(fg, bg) >= minimum, (role, fg, bg, theme.contrast_ratio(fg, bg))


def test_contrast_formula_matches_wcag_reference_values():
    assert theme.contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert theme.contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("dpi", [72, 96, 160])
def test_touch_targets_are_at_least_9_mm(dpi):
    for large in (False, True):
        m = theme.Metrics(dpi, large)
        assert m.target / m.mm(1) >= theme.MIN_TARGET_MM
    assert theme.Metrics(dpi, True).font(8) > theme.Metrics(dpi, False).font(8) * 1.3
