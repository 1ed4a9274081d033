"""The central backend simulator (loopback HTTP/HTTPS, own SQLite store, fault injection)."""
from simulators.backend.faults import Faults
from simulators.backend.server import ROUTES, BackendSimulator

__all__ = ["BackendSimulator", "Faults", "ROUTES"]
