"""What the simulated backend knows about each service: the catalog entry and a plausible reply."""
from __future__ import annotations

import re
from dataclasses import dataclass

from simulators.backend.notices import payee_tax_code


@dataclass(frozen=True)
class SimService:
    id: str
    name_it: str
    name_en: str
    kind: str                  # "certificate" (completed now), "application" (accepted), "payment", "booking"
    fee_cents: int = 0
    fee_description: str = ""
    payee: str = ""
    photo_required: bool = False
    doc_prefix: str = "DOC"


_MINISTERO_INTERNO = payee_tax_code("8001413092")
_MINISTERO_GIUSTIZIA = payee_tax_code("8018444058")
_COMUNE = payee_tax_code("0211262100")

SERVICES: dict[str, SimService] = {s.id: s for s in [
    SimService("anpr.residenza", "Certificato di residenza", "Certificate of residence", "certificate",
               doc_prefix="ANPR"),
    SimService("anpr.stato_famiglia", "Certificato di stato di famiglia", "Family status certificate",
               "certificate", doc_prefix="ANPR"),
    SimService("anpr.nascita", "Certificato di nascita", "Birth certificate", "certificate", doc_prefix="ANPR"),
    SimService("anpr.cittadinanza", "Certificato di cittadinanza", "Citizenship certificate", "certificate",
               doc_prefix="ANPR"),
    SimService("inps.obism", "Cedolino pensione (ObisM)", "Pension statement (ObisM)", "certificate",
               doc_prefix="INPS"),
    SimService("inps.cu", "Certificazione Unica", "Certificazione Unica (tax statement)", "certificate",
               doc_prefix="INPS"),
    SimService("giustizia.casellario", "Certificato del casellario giudiziale", "Criminal record certificate",
               "certificate", fee_cents=1992, fee_description="Casellario: bollo 16,00 + diritti 3,92",
               payee=_MINISTERO_GIUSTIZIA, doc_prefix="CAS"),
    SimService("passaporto.rilascio", "Passaporto: primo rilascio", "Passport: first issue", "application",
               fee_cents=11600, fee_description="Passaporto: contributo 42,50 + libretto 73,50",
               payee=_MINISTERO_INTERNO, photo_required=True),
    SimService("passaporto.rinnovo", "Passaporto: rinnovo", "Passport: renewal", "application",
               fee_cents=11600, fee_description="Passaporto: contributo 42,50 + libretto 73,50",
               payee=_MINISTERO_INTERNO, photo_required=True),
    SimService("cie.richiesta", "Carta d'identita elettronica", "Electronic identity card", "application",
               fee_cents=2221, fee_description="CIE: corrispettivo 16,79 + diritti 5,42",
               payee=_COMUNE, photo_required=True),
    SimService("ade.codice_fiscale_neonato", "Codice fiscale del neonato", "Tax code of a newborn",
               "certificate", doc_prefix="ADE"),
    SimService("ade.cassetto_fiscale", "Cassetto fiscale: estratto", "Tax drawer extract", "certificate",
               doc_prefix="ADE"),
    SimService("pagopa.avviso", "Pagamento avviso pagoPA", "Pay a pagoPA notice", "payment"),
    SimService("spazi.prenotazione", "Prenotazione spazi comunali", "Booking of municipal rooms", "booking",
               doc_prefix="PRN"),
]}

_CF = re.compile(r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPR-T][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\Z")
_ODD = dict(zip("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8,
                 12, 14, 16, 10, 22, 25, 24, 23]))


def codice_fiscale_problem(cf: str) -> str | None:
    """Why a personal codice fiscale is refused, or None (format and check character)."""
    if not isinstance(cf, str) or not _CF.match(cf):
        return "not a valid codice fiscale"
    total = 0
    for i, ch in enumerate(cf[:15]):
        total += _ODD[ch] if i % 2 == 0 else (int(ch) if ch.isdigit() else ord(ch) - 65)
    if chr(65 + total % 26) != cf[15]:
        return "check character does not match"
    return None


def catalog_entries(disabled: frozenset[str]) -> list[dict]:
    out = []
    for s in SERVICES.values():
        if s.id in disabled:
            continue
        message = {"it": "Il documento viene stampato subito.", "en": "The document is printed now."} \
            if s.kind == "certificate" else \
            {"it": "Riceverai una comunicazione quando sara pronto.", "en": "You will be told when it is ready."}
        out.append({"id": s.id, "name": {"it": s.name_it, "en": s.name_en}, "fee_cents": s.fee_cents,
                    "photo_required": s.photo_required, "immediate": s.kind in ("certificate", "payment",
                                                                                "booking"),
                    "message": message})
    return out
