"""ESC/POS receipt printer: transport by URL, a DLE EOT status poller, print jobs with reprint on interruption."""
from drivers.printer.driver import JobOutcome, PrintJob, ThermalPrinter
from drivers.printer.render import PrinterProfile, render
from drivers.printer.status import RawStatus, to_device_status
from drivers.printer.transport import PrinterLinkLost, open_transport

__all__ = ["JobOutcome", "PrintJob", "ThermalPrinter", "PrinterProfile", "render", "RawStatus",
           "to_device_status", "PrinterLinkLost", "open_transport"]
