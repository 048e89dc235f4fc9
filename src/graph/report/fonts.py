"""A CJK font for the report: found once, given to matplotlib, and embedded (subset) in the HTML.

Where the font comes from, first found wins:

1. ``TIAOKUAI_CJK_FONT``: a path to any .otf/.ttf/.ttc with Chinese glyphs;
2. the ``noto-cjk-sans-otc`` package from PyPI (a dependency of the project): Noto Sans CJK, SIL
   Open Font License, no system package needed;
3. a system font matplotlib already knows (Noto Sans CJK SC, Source Han Sans SC, WenQuanYi …),
   e.g. installed with ``apt-get install fonts-noto-cjk``.

Charts are PNGs, so the glyphs are in the pixels. The HTML text is rendered by whoever opens the
file, whose machine may lack a CJK font; so the report embeds a subset of the font (only the
characters the page uses, a few hundred kilobytes) as a WOFF ``@font-face``, and names the usual
Chinese system fonts after it in the CSS stack.
"""

from __future__ import annotations

import base64
import functools
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CJKFont", "find_cjk_font", "matplotlib_families", "css_font_face", "CSS_STACK", "EMBEDDED_FAMILY"]

#: family names tried in matplotlib, in order (Simplified Chinese faces first)
PREFERRED_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
    "Droid Sans Fallback",
)
EMBEDDED_FAMILY = "TiaokuaiCJK"
CSS_STACK = ", ".join(
    [f'"{EMBEDDED_FAMILY}"', *(f'"{f}"' for f in PREFERRED_FAMILIES[:8]), '"Hiragino Sans GB"', "sans-serif"]
)


@dataclass(frozen=True)
class CJKFont:
    """A font file with Chinese glyphs, and the face (family) to use from it."""

    path: Path
    family: str
    face_index: int = 0  # the face within a .ttc collection


def _faces(path: Path) -> list[str]:
    """Family names of the faces in a font file (one for .otf/.ttf, several for .ttc)."""
    from fontTools.ttLib import TTCollection, TTFont

    if path.suffix.lower() in (".ttc", ".otc"):
        with TTCollection(str(path), lazy=True) as coll:
            return [f["name"].getDebugName(1) or "" for f in coll.fonts]
    with TTFont(str(path), lazy=True) as font:
        return [font["name"].getDebugName(1) or ""]


def _pick_face(path: Path) -> CJKFont:
    faces = _faces(path)
    for family in PREFERRED_FAMILIES:
        if family in faces:
            return CJKFont(path, family, faces.index(family))
    return CJKFont(path, faces[0] if faces else path.stem, 0)


def _packaged() -> Path | None:
    try:
        import noto_cjk_sans_otc  # type: ignore[import-not-found]
    except ImportError:
        return None
    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    return path if path.is_file() else None


def _system() -> Path | None:
    from matplotlib import font_manager

    by_name = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    for family in PREFERRED_FAMILIES:
        if family in by_name:
            return Path(by_name[family])
    return None


@functools.lru_cache(maxsize=1)
def find_cjk_font() -> CJKFont | None:
    """The CJK font to use (see the module docstring), registered with matplotlib; None if none.

    >>> font = find_cjk_font()
    >>> font is None or "CJK" in font.family or font.family != ""
    True
    """
    override = os.environ.get("TIAOKUAI_CJK_FONT")
    candidates = [Path(override)] if override else []
    candidates += [p for p in (_packaged(), _system()) if p is not None]
    for path in candidates:
        if not path.is_file():
            continue
        try:
            font = _pick_face(path)
        except Exception as exc:  # a broken file: try the next one
            warnings.warn(f"cannot read font {path}: {exc}", stacklevel=2)
            continue
        from matplotlib import font_manager

        font_manager.fontManager.addfont(str(path))
        return font
    return None


def matplotlib_families() -> list[str]:
    """The ``font.family`` list for charts: the CJK face first, then fallbacks for other glyphs."""
    font = find_cjk_font()
    families = [font.family] if font else []
    families += [f for f in PREFERRED_FAMILIES if f not in families]
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    return [f for f in families if f in known] + ["DejaVu Sans"]


def css_font_face(text: str) -> str:
    """An ``@font-face`` rule embedding the CJK font, subset to the characters of ``text``.

    Empty when no CJK font is found or fontTools cannot subset it (the CSS stack then falls back to
    the reader's system fonts).
    """
    font = find_cjk_font()
    if font is None:
        return ""
    chars = "".join(sorted(set(text) | set("0123456789%.,:;()/-— ")))
    try:
        data = _subset(font, chars)
    except Exception as exc:
        warnings.warn(f"cannot embed font {font.path}: {exc}", stacklevel=2)
        return ""
    b64 = base64.b64encode(data).decode("ascii")
    return (
        f'@font-face {{ font-family: "{EMBEDDED_FAMILY}"; font-style: normal; font-weight: 400; '
        f'src: url(data:font/woff;base64,{b64}) format("woff"); }}'
    )


def _subset(font: CJKFont, chars: str) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    tt = TTFont(str(font.path), fontNumber=font.face_index, lazy=False)
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    sub = subset.Subsetter(options)
    sub.populate(text=chars)
    sub.subset(tt)
    buf = io.BytesIO()
    tt.flavor = "woff"
    tt.save(buf)
    return buf.getvalue()
