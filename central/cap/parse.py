"""CAP 1.2 and feed index parsing: hardened XML, schema validation, bounded fields.

Nothing from the wire is trusted: a DTD (the carrier of entity bombs and external
entities) is refused before anything is expanded, the size is capped by the caller before
parsing, the document must validate against the OASIS CAP 1.2 schema, and every list and
text is bounded here so that what reaches the mapping is small and well formed.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import defusedxml
import defusedxml.ElementTree as SafeET

from player.wire.isotime import parse_utc

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
SCHEMA_PATH = Path(__file__).with_name("CAP-v1.2.xsd")
MAX_INFOS = 16
MAX_AREAS = 500  # per info block; a province-wide warning may list every district
MAX_POINTS = 100_000  # over all polygons of one message
MAX_LINKS = 200  # CAP files taken from one index
MAX_FIELD = 4000  # characters kept of any text field
MAX_RADIUS_KM = 5000.0
_N = f"{{{CAP_NS}}}"
_SPACE = re.compile(r"\s+")


class CapError(ValueError):
    """A CAP file or index that is refused; the message says why, for the status and log."""


@dataclass(frozen=True)
class Area:
    desc: str
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()  # (lat, lon) rings
    circles: tuple[tuple[float, float, float], ...] = ()  # (lat, lon, radius km)
    geocodes: tuple[tuple[str, str], ...] = ()  # (valueName, value)


@dataclass(frozen=True)
class Info:
    language: str
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str = ""
    description: str = ""
    instruction: str = ""
    sender_name: str = ""
    expires: dt.datetime | None = None
    areas: tuple[Area, ...] = ()


@dataclass(frozen=True)
class CapMessage:
    identifier: str
    sender: str
    sent: dt.datetime
    status: str  # Actual | Exercise | System | Test | Draft
    msg_type: str  # Alert | Update | Cancel | Ack | Error
    scope: str  # Public | Restricted | Private
    references: tuple[tuple[str, str], ...] = ()  # (sender, identifier) of earlier messages
    infos: tuple[Info, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.sender, self.identifier)


class CapSchema:
    """The OASIS CAP 1.2 schema, loaded once by whoever validates many files."""

    def __init__(self, path: Path = SCHEMA_PATH) -> None:
        import xmlschema

        self._schema = xmlschema.XMLSchema10(str(path))

    def first_error(self, root: ET.Element) -> str | None:
        for error in self._schema.iter_errors(root):
            where = error.path or "/"
            return f"not valid CAP 1.2 at {where}: {error.reason}"
        return None


def safe_root(data: bytes) -> ET.Element:
    """The root element of `data`, refusing DTDs, entities and external references."""
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden:
        raise CapError(
            "refused: the file declares a DTD (entity expansion or external entities); "
            "CAP files never need one"
        ) from None
    except defusedxml.EntitiesForbidden:
        raise CapError("refused: the file declares entities (an XML bomb?)") from None
    except defusedxml.ExternalReferenceForbidden:
        raise CapError("refused: the file refers to external entities") from None
    except ET.ParseError as exc:
        raise CapError(f"not well-formed XML ({exc})") from None


def is_cap(root: ET.Element) -> bool:
    return root.tag == f"{_N}alert"


def index_links(root: ET.Element, base_url: str) -> list[str]:
    """CAP file URLs listed by an RSS 2.0 or Atom index (BMKG's nowcast RSS), newest first."""
    links: list[str] = []
    if root.tag == "rss":
        for item in root.iter("item"):
            link = item.findtext("link") or ""
            enclosure = item.find("enclosure")
            if not link.strip() and enclosure is not None:
                link = enclosure.get("url", "")
            links.append(link.strip())
    elif root.tag == f"{{{ATOM_NS}}}feed":
        for entry in root.iter(f"{{{ATOM_NS}}}entry"):
            link = entry.find(f"{{{ATOM_NS}}}link")
            links.append((link.get("href", "") if link is not None else "").strip())
    else:
        raise CapError(f"neither a CAP 1.2 alert nor an RSS or Atom index (root <{root.tag}>)")
    wanted = [urljoin(base_url, link) for link in links if link]
    return [url for url in wanted if url.startswith(("http://", "https://"))][:MAX_LINKS]


def _text(element: ET.Element, name: str) -> str:
    value = element.findtext(_N + name) or ""
    return _SPACE.sub(" ", value).strip()[:MAX_FIELD]


def _moment(text: str, what: str) -> dt.datetime:
    try:
        return parse_utc(text, what)
    except ValueError as exc:
        raise CapError(str(exc)) from None


def _pair(text: str, what: str) -> tuple[float, float]:
    try:
        lat_text, lon_text = text.split(",")
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        raise CapError(f"{what}: {text!r} is not a 'latitude,longitude' pair") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise CapError(f"{what}: {text!r} is outside the globe")
    return lat, lon


def _area(element: ET.Element, budget: list[int]) -> Area:
    polygons = []
    for node in element.findall(_N + "polygon"):
        points = (node.text or "").split()
        budget[0] -= len(points)
        if budget[0] < 0:
            raise CapError(f"more than {MAX_POINTS} polygon points in one message")
        ring = tuple(_pair(point, "polygon") for point in points)
        if len(ring) < 4 or ring[0] != ring[-1]:
            raise CapError("polygon: needs at least 4 points, the last equal to the first")
        polygons.append(ring)
    circles = []
    for node in element.findall(_N + "circle"):
        try:
            centre, radius_text = (node.text or "").split()
            radius = float(radius_text)
        except ValueError:
            raise CapError(f"circle: {node.text!r} is not 'latitude,longitude radius'") from None
        if not 0 <= radius <= MAX_RADIUS_KM:
            raise CapError(f"circle: radius {radius_text} km is out of 0…{MAX_RADIUS_KM:g}")
        circles.append((*_pair(centre, "circle"), radius))
    geocodes = tuple(
        (_text(node, "valueName"), _text(node, "value"))
        for node in element.findall(_N + "geocode")[:MAX_AREAS]
    )
    return Area(_text(element, "areaDesc"), tuple(polygons), tuple(circles), geocodes)


def _info(element: ET.Element, budget: list[int]) -> Info:
    areas = element.findall(_N + "area")
    if len(areas) > MAX_AREAS:
        raise CapError(f"{len(areas)} areas in one info block; at most {MAX_AREAS}")
    expires = _text(element, "expires")
    return Info(
        language=_text(element, "language") or "en-US",  # the schema's default
        event=_text(element, "event"),
        urgency=_text(element, "urgency"),
        severity=_text(element, "severity"),
        certainty=_text(element, "certainty"),
        headline=_text(element, "headline"),
        description=_text(element, "description"),
        instruction=_text(element, "instruction"),
        sender_name=_text(element, "senderName"),
        expires=_moment(expires, "expires") if expires else None,
        areas=tuple(_area(area, budget) for area in areas),
    )


def _references(text: str) -> tuple[tuple[str, str], ...]:
    found = []
    for entry in text.split()[:MAX_AREAS]:
        parts = entry.split(",")
        if len(parts) != 3:
            raise CapError(f"references: {entry!r} is not 'sender,identifier,sent'")
        found.append((parts[0], parts[1]))
    return tuple(found)


def parse_cap(data: bytes, schema: CapSchema, max_bytes: int) -> CapMessage:
    """The CAP message in `data`; CapError says why it is refused."""
    if len(data) > max_bytes:
        raise CapError(f"refused: {len(data)} bytes is over the limit of {max_bytes}")
    root = safe_root(data)
    if not is_cap(root):
        raise CapError(f"not a CAP 1.2 alert (root <{root.tag}>)")
    return parse_cap_root(root, schema)


def parse_cap_root(root: ET.Element, schema: CapSchema) -> CapMessage:
    """A CAP message from an already safely parsed root element."""
    error = schema.first_error(root)
    if error:
        raise CapError(error)
    infos = root.findall(_N + "info")
    if len(infos) > MAX_INFOS:
        raise CapError(f"{len(infos)} info blocks; at most {MAX_INFOS}")
    budget = [MAX_POINTS]
    return CapMessage(
        identifier=_text(root, "identifier")[:200],
        sender=_text(root, "sender")[:200],
        sent=_moment(_text(root, "sent"), "sent"),
        status=_text(root, "status"),
        msg_type=_text(root, "msgType"),
        scope=_text(root, "scope"),
        references=_references(root.findtext(_N + "references") or ""),
        infos=tuple(_info(info, budget) for info in infos),
    )
