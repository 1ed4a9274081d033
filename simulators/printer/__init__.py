"""Virtual ESC/POS receipt printer (TCP / pty) that renders each cut receipt to PNG."""
from simulators.printer.paper import PrintedReceipt
from simulators.printer.simulator import FAULT_NAMES, Faults, PrinterSimulator

__all__ = ["PrinterSimulator", "Faults", "FAULT_NAMES", "PrintedReceipt"]
