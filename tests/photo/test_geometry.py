"""The planned crop, for any face anywhere in any frame: inside the frame, the right shape, no upscaling hidden."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.photo.detector import Face
from kiosk.photo.measures import head_height, plan_crop
from kiosk.photo.thresholds import PhotoThresholds

T = PhotoThresholds()


@st.composite
def face_in_frame(draw):
    fw = draw(st.integers(320, 4000))
    fh = draw(st.integers(240, 3000))
    ed = draw(st.floats(10, 600))
    cx = draw(st.floats(0, fw))
    ey = draw(st.floats(0, fh))
    chin = ey + draw(st.floats(0.5, 3.0)) * ed
    face = Face(90, (cx - ed, ey - ed, 2 * ed, chin - ey + ed), (cx - ed / 2, ey), (cx + ed / 2, ey),
                (cx, ey + 0.6 * ed), (cx - 0.4 * ed, ey + ed), (cx + 0.4 * ed, ey + ed))
    return face, fw, fh


@settings(max_examples=300, deadline=None)
@given(face_in_frame())
def test_crop_is_inside_the_frame_with_the_output_aspect(case):
    face, fw, fh = case
    c = plan_crop(face, fw, fh, T)
    assert -1e-6 <= c.left and c.left + c.width <= fw + 1e-6
    assert -1e-6 <= c.top and c.top + c.height <= fh + 1e-6
    assert abs(c.width / c.height - T.out_width / T.out_height) < 1e-9


@settings(max_examples=300, deadline=None)
@given(face_in_frame())
def test_crop_is_never_smaller_than_the_output_when_the_frame_allows(case):
    face, fw, fh = case
    c = plan_crop(face, fw, fh, T)
    room = min(fh, fw * T.out_height / T.out_width)
    if room >= T.out_height:
        assert c.height >= T.out_height - 1e-6
    if c.fits:
        assert head_height(face) / c.height <= T.head_target + 1e-9
