"""Receipts: a printer-neutral document model (model.py), column layout (layout.py) and the templates."""
from kiosk.receipts.model import (Align, Barcode, Cut, Feed, Logo, QrCode, Receipt, ReceiptFormatError, Rule,
                                  Style, Text)
from kiosk.receipts.templates import (RECORDED_OFFLINE, BackendOutcome, IssuedDocument, KioskInfo, ReceiptInput,
                                      ReceiptKind, build_receipt, receipt_kind, technician_test_page)

__all__ = ["Align", "Barcode", "Cut", "Feed", "Logo", "QrCode", "Receipt", "ReceiptFormatError", "Rule", "Style",
           "Text", "RECORDED_OFFLINE", "BackendOutcome", "IssuedDocument", "KioskInfo", "ReceiptInput",
           "ReceiptKind", "build_receipt", "receipt_kind", "technician_test_page"]
