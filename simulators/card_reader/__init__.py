"""A CRT-591-style card reader on a pseudo-terminal, with virtual cards and fault switches."""
from simulators.card_reader.cards import CARDS, Chip, VirtualCard
from simulators.card_reader.device import CardReaderSimulator, Faults, Position, SimulatorError

__all__ = ["CARDS", "CardReaderSimulator", "Chip", "Faults", "Position", "SimulatorError", "VirtualCard"]
