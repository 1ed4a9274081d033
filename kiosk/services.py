"""The service catalog (config/services.toml) as typed objects, checked once at start-up.

A service whose devices are down is not hidden: ``availability`` says why it cannot be used now, so the home
screen greys it out with that explanation and the journey never starts something that would fail half-way.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Mapping

from drivers.device import DeviceState, DeviceStatus, SupplyLevel
from kiosk.field_validators import KNOWN_VALIDATORS
from kiosk.i18n import N_

FIELD_KINDS = ("choice", "text", "date", "year")
DEVICES = ("printer", "card_reader", "camera")
ANSWERS = ("immediate", "later")


class CatalogError(Exception):
    """The catalog file is wrong; the message names the service and the key."""


@dataclass(frozen=True)
class Option:
    value: str
    labels: Mapping[str, str]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str
    labels: Mapping[str, str]
    validators: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()

    @property
    def required(self) -> bool:
        return "required" in self.validators


@dataclass(frozen=True)
class Service:
    id: str
    category: str
    names: Mapping[str, str]
    descriptions: Mapping[str, str]
    fee_cents: int
    photo: bool
    answer: str
    devices: tuple[str, ...]
    fields: tuple[FieldSpec, ...]

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names["it"]

    def description(self, lang: str) -> str:
        return self.descriptions.get(lang) or self.descriptions.get("it", "")


def _localised(where: str, value, languages: tuple[str, ...]) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) and v for v in value.values()):
        raise CatalogError(f"{where}: expected a table of texts per language, found {value!r}")
    missing = [lang for lang in languages if lang not in value]
    if missing:
        raise CatalogError(f"{where}: missing the text for {', '.join(missing)}")
    return dict(value)


def parse_catalog(data: dict, languages: tuple[str, ...] = ("it", "en"), source: str = "services.toml"
                  ) -> tuple[Service, ...]:
    services = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("service", [])):
        sid = raw.get("id") if isinstance(raw, dict) else None
        where = f"{source}: service {sid or '#' + str(i + 1)}"
        if not isinstance(sid, str) or not sid:
            raise CatalogError(f"{where}: missing id")
        if sid in seen:
            raise CatalogError(f"{where}: id used twice")
        seen.add(sid)
        unknown = set(raw) - {"id", "category", "name", "description", "fee_cents", "photo", "answer",
                              "devices", "field"}
        if unknown:
            raise CatalogError(f"{where}: unknown keys {sorted(unknown)}")
        fee = raw.get("fee_cents", 0)
        if not isinstance(fee, int) or isinstance(fee, bool) or fee < 0:
            raise CatalogError(f"{where}: fee_cents: expected a whole number ≥ 0, found {fee!r}")
        answer = raw.get("answer", "immediate")
        if answer not in ANSWERS:
            raise CatalogError(f"{where}: answer: expected one of {ANSWERS}, found {answer!r}")
        devices = tuple(raw.get("devices", ["printer"]))
        bad = [d for d in devices if d not in DEVICES]
        if bad:
            raise CatalogError(f"{where}: devices: unknown {bad}; expected some of {DEVICES}")
        photo = raw.get("photo", False)
        if not isinstance(photo, bool):
            raise CatalogError(f"{where}: photo: expected true/false, found {photo!r}")
        if photo and "camera" not in devices:
            raise CatalogError(f"{where}: photo = true needs \"camera\" in devices")
        fields = tuple(_parse_field(f"{where}: field {j + 1}", f, languages)
                       for j, f in enumerate(raw.get("field", [])))
        services.append(Service(sid, str(raw.get("category", "")),
                                _localised(f"{where}: name", raw.get("name"), languages),
                                _localised(f"{where}: description", raw.get("description", {}), languages),
                                fee, photo, answer, devices, fields))
    if not services:
        raise CatalogError(f"{source}: no [[service]] entries")
    return tuple(services)


def _parse_field(where: str, raw: dict, languages: tuple[str, ...]) -> FieldSpec:
    name, kind = raw.get("name"), raw.get("kind")
    if not isinstance(name, str) or not name.isidentifier():
        raise CatalogError(f"{where}: name: expected an identifier, found {name!r}")
    if kind not in FIELD_KINDS:
        raise CatalogError(f"{where} ({name}): kind: expected one of {FIELD_KINDS}, found {kind!r}")
    validators = tuple(raw.get("validators", []))
    for v in validators:
        if v.split(":", 1)[0] not in KNOWN_VALIDATORS:
            raise CatalogError(f"{where} ({name}): unknown validator {v!r}")
    options = tuple(Option(o["value"], _localised(f"{where} ({name}) option", {k: v for k, v in o.items()
                                                                             if k != "value"}, languages))
                    for o in raw.get("options", []))
    if kind == "choice" and not options:
        raise CatalogError(f"{where} ({name}): a choice needs options")
    return FieldSpec(name, kind, _localised(f"{where} ({name}): label", raw.get("label"), languages),
                     validators, options)


def load_catalog(path: Path | None = None, languages: tuple[str, ...] = ("it", "en")) -> tuple[Service, ...]:
    try:
        if path is None:
            text = resources.files("config").joinpath("services.toml").read_text(encoding="utf-8")
            source = "config/services.toml"
        else:
            text, source = Path(path).read_text(encoding="utf-8"), str(path)
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError(f"service catalog: {exc}") from None
    return parse_catalog(data, languages, source)


# --- availability --------------------------------------------------------------------------------------
REASON_PRINTER = N_("The receipt printer is not working right now.")
REASON_PAPER = N_("The receipt printer has run out of paper.")
REASON_CAMERA = N_("The camera for the photo is not working right now.")
REASON_CARD_READER = N_("The card reader is not working right now.")
REASON_NOT_OFFERED = N_("This service is not offered at this kiosk at the moment.")


def availability(service: Service, devices: Mapping[str, DeviceStatus],
                 offered: frozenset[str] | None = None) -> str | None:
    """None when the service can be used now, else the (untranslated) reason it cannot.

    ``offered`` is the backend's catalog (None while none was ever received: the shipped catalog stands).
    A device whose status is missing counts as not working: unknown is never ok."""
    if offered is not None and service.id not in offered:
        return REASON_NOT_OFFERED
    for name in service.devices:
        status = devices.get(name)
        if name == "printer" and status is not None and status.supply is SupplyLevel.OUT:
            return REASON_PAPER
        if status is None or status.state is not DeviceState.ONLINE:
            return {"printer": REASON_PRINTER, "camera": REASON_CAMERA}.get(name, REASON_CARD_READER)
    return None
