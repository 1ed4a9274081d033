"""Document photo: compliance analysis (spec: shared/specs/photo-compliance.md), live stability, output file.

Import from the submodules (``kiosk.photo.analyser`` …): this package stays light because kiosk.config imports
``kiosk.photo.thresholds`` and must not pull OpenCV into every command.
"""
