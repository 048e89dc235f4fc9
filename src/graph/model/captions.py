"""Short captions for units: what fits in a node of Neo4j Browser and still tells units apart.

Ledger names are full official names, and nearly all of them begin the same way
(``国家税务总局哈尔滨市…``, ``中共哈尔滨市…``). The Browser cuts a caption to one line of the node's
circle and wraps only at spaces, which a Chinese name has none of, so every bureau showed as
``国家税务总局…``. A caption keeps the part that differs: the place and the body, in the
abbreviations a party-building office uses itself (党委 for a bureau's party committee, 市委 for a
city committee). The full name stays in ``name``.
"""

from __future__ import annotations

__all__ = ["caption"]

#: (ending, its usual abbreviation), the longest first
_ENDINGS = (("税务局委员会", "税务局党委"), ("总局委员会", "总局党委"), ("委员会", "委"))
_PARTY = "中共"
_ADMINISTRATION = "国家税务总局"


def caption(name: str, enclosing_region_name: str | None = None, region_name: str | None = None) -> str:
    """The short caption of a unit called ``name``.

    ``enclosing_region_name`` is the name of the region around the unit's own (the prefecture of a
    county unit): a county unit's name repeats it (``哈尔滨市道里区税务局``), and next to its
    neighbours in the graph ``道里区税务局`` says enough. ``region_name`` is the unit's own region:
    a space after it (after ``委`` when the body is a committee's department) lets the Browser,
    which wraps only at spaces, put the place and the body on two lines. Names that do not follow
    these patterns are kept as they are.

    >>> caption("国家税务总局哈尔滨市道里区税务局", "哈尔滨市")
    '道里区税务局'
    >>> caption("中共国家税务总局黑龙江省税务局委员会")
    '黑龙江省税务局党委'
    >>> caption("中共哈尔滨市委员会", "黑龙江省")
    '哈尔滨市委'
    >>> caption("中共国家税务总局委员会")
    '国家税务总局党委'
    >>> caption("国家税务总局")
    '国家税务总局'
    >>> caption("中共哈尔滨市道里区委组织部", "哈尔滨市", "道里区")
    '道里区委 组织部'
    >>> caption("国家税务总局哈尔滨市道里区税务局", "哈尔滨市", "道里区")
    '道里区 税务局'
    """
    short = name.strip()
    for ending, abbreviation in _ENDINGS:
        if short.endswith(ending) and len(short) > len(ending):
            short = short[: -len(ending)] + abbreviation
            break
    if short.startswith(_PARTY) and len(short) > len(_PARTY) + 1:
        short = short[len(_PARTY) :]
    # a bureau below the State Taxation Administration: its own name says 税务局
    if short.startswith(_ADMINISTRATION) and "税务局" in short[len(_ADMINISTRATION) :]:
        short = short[len(_ADMINISTRATION) :]
    place = (enclosing_region_name or "").strip()
    if place and short.startswith(place) and len(short) > len(place) + 1:
        short = short[len(place) :]
    own = (region_name or "").strip()
    if own and short.startswith(own):
        cut = len(own) + 1 if short[len(own) : len(own) + 1] == "委" else len(own)
        if len(short) > cut:
            short = short[:cut] + " " + short[cut:]
    return short or name
