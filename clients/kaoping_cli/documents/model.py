"""The document model every printed document is built in, and both writers (PDF, HTML)
read: pages of blocks, nothing about fonts or scripts. Text is kaoping's Simplified
text; the writers convert it to the document's script at one place each."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from kaoping.text.script import HANS


@dataclass
class Para:
    text: str
    style: str = "body"          # title | meta | heading | body | note | small


@dataclass
class TableBlock:
    headers: list[str]
    rows: list[list[str]]
    widths: list[float]          # relative
    align: list[str]             # L | C | R per column
    highlight: set = field(default_factory=set)   # row indexes drawn emphasised
    bold_rows: set = field(default_factory=set)   # e.g. a totals row
    font_size: float = 9.5
    row_height: float = 0.0      # mm; 0 = as tall as the text (a pay list leaves room to sign)


@dataclass
class Chart:
    """An image drawn at its printed size: width_mm x height_mm is the figure's size, so
    a font size in the figure is the size on paper (the PDF places it unscaled)."""
    png: bytes
    width_mm: float
    height_mm: float
    min_font_pt: float           # the smallest text in the figure, as printed
    caption: str = ""
    alt: str = "chart"


@dataclass
class Masthead:
    """The head of an issued document (红头): the issuing body and the document number."""
    issuer: str
    number: str = ""


@dataclass
class IssuerStamp:
    """The foot of an issued document (落款): the issuing body and the date at the right
    with the place for the seal (盖章处) over them; at the left any receipt lines to sign
    and the contact."""
    issuer: str
    date: str
    contact: str = ""
    receipt: list[str] = field(default_factory=list)   # lines to sign at the left (e.g. the village's receipt)


@dataclass
class Signature:
    fields: list[str]


Block = Union[Para, TableBlock, Chart, Masthead, IssuerStamp, Signature]


@dataclass
class Page:
    """One section starting on a new sheet (it may run over several); the footer names it."""
    blocks: list[Block]
    footer: str = ""
    landscape: bool | None = None    # None: as the document


@dataclass
class Document:
    title: str
    pages: list[Page]
    script: str = HANS           # zh-Hans or zh-Hant: what the writers print in
    landscape: bool = False
