"""A plan's text (规划文本读取): plain text in UTF-8 or GBK/GB18030, ``.docx``, ``.pdf`` with a text layer and
``.html`` as saved from a government site, as a list of paragraphs.  ``.doc``, ``.wps``, ``.ofd`` and scanned
PDFs are refused with how to convert them (:class:`~ecozone.errors.InputError`, one line).

Example
-------
>>> plan_paragraphs("到2025年，自然岸线保有率达到37%。\\n\\n滨海湿地修复面积不少于120公顷。")[1]
'滨海湿地修复面积不少于120公顷。'
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from ..errors import InputError

__all__ = ["PLAN_SUFFIXES", "REFUSED", "decode_text", "plan_paragraphs", "read_plan"]

#: The suffixes read as a plan (anything else is read as plain text).
PLAN_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")
#: The formats refused, and how to convert each.
REFUSED = {
    ".doc": "an old Word .doc: open it in Word or WPS and save it as .docx (另存为 .docx), or print it to PDF",
    ".wps": "a WPS .wps file: open it in WPS and save it as .docx (另存为 .docx) or export it to PDF",
    ".ofd": "an OFD file: open it in an OFD reader (e.g. 数科OFD阅读器) and export or print it to PDF",
}


def decode_text(raw: bytes, name: str = "the plan") -> str:
    """Bytes as text: UTF-8 (with or without BOM), else GB18030 (which reads GBK and GB2312), else what
    charset-normalizer finds; a NUL byte means a binary file."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(f"{name}: a broken UTF-16 file (its byte-order mark says UTF-16, its bytes are not); "
                             "fix: save it again as UTF-8 text") from None
    if b"\x00" in raw[:4096]:
        raise InputError(f"{name}: a binary file, not text; fix: give the plan as .txt, .docx, .pdf or .html")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # GB18030 reads GBK and GB2312, and reads Big5 bytes too, as nonsense: of the two decodings that succeed, the one
    # whose characters are the common ones (的, 年, 到 … are the same in both scripts) is the text
    decoded = []
    for encoding in ("gb18030", "big5"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
        decoded.append((sum(c in _COMMON for c in han) / max(len(han), 1), -len(decoded), text))
    if decoded:
        return max(decoded)[2]
    try:  # pragma: no cover - gb18030 decodes nearly every byte string
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
    except ImportError:  # pragma: no cover
        best = None
    if best is None:
        raise InputError(f"{name}: not text in UTF-8 or GBK/GB18030; fix: save the plan as UTF-8 text")
    return str(best)


#: Characters common in plans, in both scripts (to tell a GBK text from a Big5 one).
_COMMON = set("的年到在和为是不有以达到上下中大国地区市省县全面积建设生态保护修复率标准水林海湾岸线目标实现完成"
              "万亩公顷个处条比例")


class _Text(HTMLParser):
    """The visible text of an HTML page, a line break at every block element; no script or style."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table", "td",
              "th", "title", "ul", "ol", "blockquote", "pre", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "noscript", "template"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "noscript", "template"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data.replace("\n", " "))


def _html_text(raw: bytes, name: str) -> str:
    head = raw[:4096].decode("ascii", "ignore")
    declared = re.search(r"charset=[\"']?([A-Za-z0-9_\-]+)", head)
    text = None
    if declared:
        try:
            text = raw.decode(declared.group(1).lower().replace("gb2312", "gb18030").replace("gbk", "gb18030"))
        except (LookupError, UnicodeDecodeError):
            text = None
    parser = _Text()
    parser.feed(text if text is not None else decode_text(raw, name))
    parser.close()
    return "".join(parser.parts)


def _docx_text(path: Path) -> str:
    import docx  # python-docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # a broken or mislabelled file: python-docx raises several kinds
        raise InputError(f"{path}: not a readable .docx ({type(exc).__name__}); fix: open it in Word or WPS and save "
                         "it again as .docx") from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:  # targets are often listed in a table (指标表)
        for row in table.rows:
            lines.append(" ".join(dict.fromkeys(cell.text.strip() for cell in row.cells)))
    return "\n".join(lines)


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # noqa: BLE001 - pypdf's errors (an encrypted file needs `cryptography`) are not one class
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: not a readable PDF ({reason}); fix: save or print it to PDF again (an encrypted "
                         "PDF: print it to a new PDF)") from None
    text = "\n".join(pages)
    if not re.search(r"[\u4e00-\u9fffA-Za-z0-9]", text):
        raise InputError(f"{path}: a PDF without a text layer (a scan); fix: run OCR on it first (e.g. ocrmypdf "
                         "-l chi_sim in.pdf out.pdf) or give the plan's .docx or web page")
    return text


def read_plan(path: str | Path) -> str:
    """The text of the plan file at ``path`` (see the module's doc for the formats)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in REFUSED:
        raise InputError(f"{path}: {REFUSED[suffix].split(':')[0]} cannot be read; fix:{REFUSED[suffix].split(':', 1)[1]}")
    if not path.exists():
        raise InputError(f"{path}: plan not found; fix: check the path")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; fix: give the plan's file")
    if suffix == ".docx":
        return _docx_text(path)
    if suffix == ".pdf":
        return _pdf_text(path)
    raw = path.read_bytes()
    if raw.startswith(b"%PDF"):
        return _pdf_text(path)
    if raw.startswith(b"PK\x03\x04"):
        raise InputError(f"{path}: a zip file (a .docx or .ofd under another name?); fix: give it its own suffix, "
                         ".docx, or convert an OFD to PDF")
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{path}: an old Word or WPS file; fix: open it and save it as .docx, or print it to PDF")
    if suffix in (".html", ".htm") or re.match(rb"\s*(<!doctype html|<html)", raw[:512], re.I):
        return _html_text(raw, str(path))
    return decode_text(raw, str(path))


def plan_paragraphs(text: str) -> list[str]:
    """The non-empty lines of a plan's text, stripped: its paragraphs, numbered from 1 by their position."""
    return [line.strip().replace("\u3000", " ").strip() for line in text.splitlines() if line.strip()]
