"""Copies of the figure font without its layout tables, for PDF files.

matplotlib embeds a subset of each font it uses in every PDF (Type 42, as journals ask),
and makes that subset with fontTools from the whole font file, every time. For DejaVu
Sans, matplotlib's font, most of that work is reading the OpenType layout tables (GSUB
and GPOS: ligatures and kerning, some 60 KB of nested tables): 0.1-0.3 s a face, two to
four faces a PDF. A PDF never uses them (its text is placed glyph by glyph), so PDFs are
drawn with a copy of each face that has none, named :data:`FAMILY`. The copies are made
once per machine from matplotlib's own files, in matplotlib's cache folder.

What changes in a PDF: its text is set without kerning or ligatures ("fi" stays two
letters), so a line can be a few hundredths wider or narrower than in the PNG; PNG and
SVG files keep the original font.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from pathlib import Path

import matplotlib as mpl
from matplotlib import font_manager

FAMILY = "DejaVu Sans PDF"
"""Family name of the copies (a new name, as the font's licence asks of a changed font)."""
_FACES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf",
          "DejaVuSans-BoldOblique.ttf")
_LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF", "kern")


@functools.cache
def pdf_family() -> str | None:
    """The family of the copies, made and registered with matplotlib on first use in a
    process; ``None`` if they cannot be made (the PDFs then use the original font)."""
    source = Path(mpl.get_data_path()) / "fonts" / "ttf"
    try:
        folder = Path(mpl.get_cachedir()) / "crosspaths-fonts"
        folder.mkdir(parents=True, exist_ok=True)
        for face in _FACES:
            font_manager.fontManager.addfont(str(_lean_copy(source / face, folder)))
    except OSError:
        return None
    return FAMILY


def _lean_copy(path: Path, folder: Path) -> Path:
    """A copy of the font at ``path`` without layout tables, named :data:`FAMILY`: made
    unless a copy of the same file's bytes exists (written whole, then renamed, so that
    processes making it at once never read half a file)."""
    data = path.read_bytes()
    target = folder / f"{path.stem}-{hashlib.sha256(data).hexdigest()[:12]}.ttf"
    if target.exists():
        return target
    from fontTools.ttLib import TTFont  # matplotlib's own dependency; only needed here

    font = TTFont(path)
    for table in _LAYOUT_TABLES:
        if table in font:
            del font[table]
    style = font["name"].getDebugName(2) or "Book"
    for record in font["name"].names:
        if record.nameID in (1, 16):
            record.string = FAMILY
        elif record.nameID in (3, 4):
            record.string = f"{FAMILY} {style}"
        elif record.nameID == 6:
            record.string = f"{FAMILY}-{style}".replace(" ", "")
    handle, temp = tempfile.mkstemp(suffix=".ttf", dir=folder)
    os.close(handle)
    try:
        font.save(temp)
        os.chmod(temp, 0o644)  # mkstemp's files are private; this is a shared cache
        os.replace(temp, target)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return target
