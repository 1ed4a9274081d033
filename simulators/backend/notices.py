"""pagoPA notices as the central backend issues them (independent of the kiosk's own pagoPA code, on purpose:
the simulator is the outside world and must not share the kiosk's bugs)."""
from __future__ import annotations


def payee_tax_code(first_ten: str) -> str:
    """An 11-digit organisation tax code (partita IVA rule) with its check digit."""
    if len(first_ten) != 10 or not first_ten.isdigit():
        raise ValueError("need 10 digits")
    total = 0
    for i, ch in enumerate(first_ten):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return first_ten + str((10 - total % 10) % 10)


def notice_code(segregation: int, sequence: int) -> str:
    """Aux digit 3 notice: '3' + 2-digit segregation code + 13-digit IUV base + 2-digit check (mod 93)."""
    if not 0 <= segregation <= 99 or not 0 <= sequence < 10 ** 13:
        raise ValueError("segregation 0-99, sequence below 10**13")
    head = f"3{segregation:02d}{sequence:013d}"
    return head + f"{int(head) % 93:02d}"
