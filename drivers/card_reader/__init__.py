"""Motorised hybrid card reader (CRT-591 command set) for the health card."""
from drivers.card_reader.errors import (BadResponse, CardJammed, CommandRejected, InvalidCard, LinkDown, NoAck,
                                        NoCard, ResponseLost, RetainBinFull, INVALID_REASONS)
from drivers.card_reader.health_card import CardData, CardLayoutError, parse_personal_data
from drivers.card_reader.link import Link, LinkStats, Speed, Timeouts
from drivers.card_reader.reader import CardReader, open_port

__all__ = ["BadResponse", "CardData", "CardJammed", "CardLayoutError", "CardReader", "CommandRejected",
           "INVALID_REASONS", "InvalidCard", "Link", "LinkDown", "LinkStats", "NoAck", "NoCard", "ResponseLost",
           "RetainBinFull", "Speed", "Timeouts", "open_port", "parse_personal_data"]
