"""Reading a chart's SVG back in tests: every chart must be well-formed XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from django.utils.safestring import SafeString

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: SafeString) -> ET.Element:
    root = ET.fromstring(str(svg))  # noqa: S314 - our own output, parsed to check that it is well-formed
    assert root.tag == f"{NS}svg"
    return root


def find(root: ET.Element, tag: str, klass: str | None = None) -> list[ET.Element]:
    return [e for e in root.iter(f"{NS}{tag}") if klass is None or e.get("class") == klass]


def texts(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter(f"{NS}text")]


def num(element: ET.Element, name: str) -> float:
    return float(element.get(name, "nan"))


def child(element: ET.Element, tag: str) -> ET.Element:
    """The first ``tag`` directly inside ``element``, which must be there."""
    found = element.find(f"{NS}{tag}")
    assert found is not None, f"no <{tag}> in <{element.tag}>"
    return found
