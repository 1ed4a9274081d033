"""Document photo: compliance analysis (spec: shared/specs/photo-compliance.md), live stability, output file.

Import from the submodules (``kiosk.photo.analyser`` …): this package stays light because kiosk.config imports
``kiosk.photo.thresholds`` and must not pull OpenCV into every command.
"""
# kiosk.config imports kiosk.photo.thresholds, which uses kiosk.config.option(): loading the config first
# makes either import order work.
import kiosk.config  # noqa: E402,F401
