"""One year of the Heilongjiang sample's links: each exact total spread over the channels met.

Every met channel gets at least one event of its primary kind; nothing is written on a channel
that was decided to be a gap (see :mod:`graph.synthetic.sample`). Titles come from
``data/heilongjiang.yaml``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

from .core import CADRE, COORDINATE, LEVEL_WEIGHT, LIAISON_RULES, REPORT, allocate, is_working_day
from .sample_units import _DATA, Row, _Bureau, _ReqKey

_Slot = TypeVar("_Slot")

# Titles. Year-specific items make the three years read differently.
_THEMATIC_TITLES: dict[int | None, tuple[str, ...]] = _DATA["thematic_titles"]
_AD_HOC_TITLES: dict[int | None, tuple[str, ...]] = _DATA["ad_hoc_titles"]
_TITLE_FROM_MONTH: dict[str, int] = _DATA["title_from_month"]  # events not reported before they began
_INSTRUCTION_TITLES: dict[int | None, tuple[str, ...]] = _DATA["instruction_titles"]
_MEETING_TITLES: dict[str, tuple[str, ...]] = _DATA["meeting_titles"]
_VISIT_PURPOSES: dict[str, tuple[str, ...]] = _DATA["visit_purposes"]
_COORDINATION_PURPOSES: tuple[str, ...] = _DATA["coordination_purposes"]  # 定期通报工作、了解情况、征求意见
_EXCHANGE_INFO_TITLES: tuple[str, ...] = _DATA["exchange_info_titles"]
_SUPERVISION_TITLES: tuple[str, ...] = _DATA["supervision_titles"]
_TRAINING_TITLES: tuple[str, ...] = _DATA["training_titles"]
_JOINT_TRAINING_TITLES: tuple[str, ...] = _DATA["joint_training_titles"]
_RECOMMENDATION_TITLES: tuple[str, ...] = _DATA["recommendation_titles"]


# ---------------------------------------------------------------------------------------------
# Spreading totals
# ---------------------------------------------------------------------------------------------


def _chunks(n: int, rng: random.Random) -> list[int]:
    """Ledger rows for ``n`` events: most rows record one event, some aggregate two to five."""
    out: list[int] = []
    while n > 0:
        size = 1 if rng.random() < 0.8 else rng.randint(2, 5)
        out.append(min(size, n))
        n -= out[-1]
    return out


def _random_date(rng: random.Random, year: int, months: tuple[int, int] = (1, 12)) -> str:
    """A working day in ``year`` between the given months (inclusive): a random day, moved to the
    next working day (or the previous one at the end of the range)."""
    start = date(year, months[0], 1)
    end = date(year + 1, 1, 1) if months[1] == 12 else date(year, months[1] + 1, 1)
    drawn = start + timedelta(days=rng.randrange((end - start).days))
    day, step = drawn, timedelta(days=1)
    while not is_working_day(day):
        day += step
        if day >= end:
            day, step = drawn, -step
    return day.isoformat()


def _pick(rng: random.Random, options: Sequence[str], weights: Sequence[float]) -> str:
    return rng.choices(list(options), weights=weights, k=1)[0]


# ---------------------------------------------------------------------------------------------
# One year of links
# ---------------------------------------------------------------------------------------------


@dataclass
class _Year:
    """The state shared by the link generators of one year."""

    year: int
    rng: random.Random
    bureaus: list[_Bureau]
    met: dict[_ReqKey, bool]
    names: dict[str, str]
    rows: list[Row] = field(default_factory=list)

    def spread(
        self, total: int, slots: Sequence[_Slot], weights: Sequence[float], minimum: int = 0
    ) -> list[tuple[_Slot, int]]:
        """Each slot with its share of ``total`` (see :func:`~graph.synthetic.core.allocate`)."""
        return list(zip(slots, allocate(total, weights, self.rng, minimum), strict=True))

    def spread_by_bureau(
        self, total: int, bureaus: Sequence[_Bureau], minimum: int = 0
    ) -> list[tuple[_Bureau, int]]:
        """Each bureau with its share of ``total``, in proportion to :meth:`weight`."""
        return self.spread(total, bureaus, [self.weight(b) for b in bureaus], minimum)

    def is_met(self, bureau: _Bureau, rule: str, sub: str = "") -> bool:
        return self.met[(bureau.code, rule, sub)]

    def weight(self, bureau: _Bureau) -> float:
        """How much of a total a bureau attracts: level, its own activity, remoteness."""
        return LEVEL_WEIGHT[bureau.level] * bureau.activity * (0.75 if bureau.remote else 1.0)

    def side(self, bureau: _Bureau, weights: tuple[float, float, float]) -> str:
        """A member of the bureau side: the bureau, its party committee or one of its branches."""
        choice = _pick(self.rng, ("bureau", "committee", "branch"), weights)
        if choice == "bureau":
            return bureau.side[0]
        if choice == "committee":
            return bureau.side[1]
        return self.rng.choice(bureau.side[2:])

    def title(self, pools: dict[int | None, tuple[str, ...]]) -> str:
        return self.rng.choice(pools[None] + pools.get(self.year, ()))

    def add(
        self,
        kind: str,
        source: str,
        target: str,
        title: str,
        count: int = 1,
        participants: int | None = None,
        months: tuple[int, int] = (1, 12),
    ) -> None:
        self.rows.append(
            {
                "id": "",
                "date": _random_date(self.rng, self.year, months),
                "kind": kind,
                "source_id": source,
                "target_id": target,
                "count": str(count),
                "participants": "" if participants is None else str(participants),
                "title": title,
            }
        )

    # channel lists -----------------------------------------------------------------------

    def bureaus_meeting(self, rule: str) -> list[_Bureau]:
        """The bureaus whose (non-coordination) requirement ``rule`` is met this year."""
        return [b for b in self.bureaus if self.is_met(b, rule)]

    def liaison_channels(
        self,
        keys: Sequence[str] = ("org", "prop", "owc", "disc"),
    ) -> list[tuple[_Bureau, str]]:
        """(bureau, counterpart key) pairs whose liaison requirement is met this year."""
        return [
            (b, key)
            for b in self.bureaus
            for rule, key in LIAISON_RULES.items()
            if key in keys and self.is_met(b, rule)
        ]


def _reports(ctx: _Year, total: int) -> None:
    """Reports to the local committee: one annual comprehensive report per met channel, the rest
    thematic or ad hoc through the year. Sent mostly by the bureau's party committee."""
    bureaus = ctx.bureaus_meeting(REPORT)
    for bureau, n in ctx.spread_by_bureau(total, bureaus, 1):
        lpc = bureau.counterparts["lpc"]
        ctx.add(
            "comprehensive_report",
            ctx.side(bureau, (0.25, 0.75, 0.0)),
            lpc,
            f"{ctx.year}年度党建工作全面报告",
            months=(11, 12),
        )
        for size in _chunks(n - 1, ctx.rng):
            thematic = ctx.rng.random() < 0.65
            title = ctx.title(_THEMATIC_TITLES if thematic else _AD_HOC_TITLES)
            ctx.add(
                "thematic_report" if thematic else "ad_hoc_report",
                ctx.side(bureau, (0.2, 0.7, 0.1)),
                lpc,
                title,
                size,
                months=(_TITLE_FROM_MONTH.get(title, 1), 12),
            )


def _instructions(ctx: _Year, total: int) -> None:
    """Approving instructions by local leaders, answering reports: only where reports went."""
    bureaus = ctx.bureaus_meeting(REPORT)
    for bureau, n in ctx.spread_by_bureau(total, bureaus):
        for size in _chunks(n, ctx.rng):
            target = bureau.side[0] if ctx.rng.random() < 0.8 else bureau.side[1]
            ctx.add("instruction", bureau.counterparts["lpc"], target, ctx.title(_INSTRUCTION_TITLES), size)


def _meetings(ctx: _Year, total: int) -> None:
    """Local leaders attending bureau meetings: from the committee itself (no rule counts it)
    or from a department whose liaison channel is met."""
    slots = [(b, "lpc") for b in ctx.bureaus] + ctx.liaison_channels()
    weights = [ctx.weight(b) * (1.0 if key == "lpc" else 0.5) for b, key in slots]
    for (bureau, key), n in ctx.spread(total, slots, weights):
        for size in _chunks(n, ctx.rng):
            ctx.add(
                "meeting_attendance",
                bureau.counterparts[key],
                ctx.side(bureau, (0.7, 0.2, 0.1)),
                ctx.rng.choice(_MEETING_TITLES[key]),
                size,
            )


_VISIT_WEIGHT = {"org": 1.2, "prop": 0.9, "owc": 1.1, "disc": 1.0}


def _visits(ctx: _Year, total: int) -> None:
    """Visits to the four departments: the primary evidence of liaison, one at least per met channel."""
    slots = ctx.liaison_channels()
    weights = [ctx.weight(b) * _VISIT_WEIGHT[key] for b, key in slots]
    for (bureau, key), n in ctx.spread(total, slots, weights, 1):
        target = bureau.counterparts[key]
        for size in _chunks(n, ctx.rng):
            title = f"走访{ctx.names[target]}，{ctx.rng.choice(_VISIT_PURPOSES[key])}"
            ctx.add("visit", ctx.side(bureau, (0.55, 0.35, 0.1)), target, title, size)


def _coordination_visits(ctx: _Year, total: int) -> None:
    """Upper bureaus visiting the committees of their subordinates' regions, one per met requirement."""
    slots = [
        (b, sub)
        for b in ctx.bureaus
        if b.level in ("provincial", "prefecture")
        for sub in b.subordinates
        if ctx.is_met(b, COORDINATE, sub)
    ]
    weights = [(2.5 if b.level == "provincial" else 1.0) * b.activity for b, _ in slots]
    for (bureau, sub), n in ctx.spread(total, slots, weights, 1):
        target = f"LPC-{sub}"
        for size in _chunks(n, ctx.rng):
            title = f"走访{ctx.names[target]}，{ctx.rng.choice(_COORDINATION_PURPOSES)}"
            ctx.add("coordination_visit", ctx.side(bureau, (0.7, 0.3, 0.0)), target, title, size)


def _information_exchange(ctx: _Year, total: int) -> None:
    """Routine information exchange, either way, with the committee or a met department."""
    slots = [(b, "lpc") for b in ctx.bureaus] + ctx.liaison_channels()
    for (bureau, key), n in ctx.spread(total, slots, [ctx.weight(b) for b, _ in slots]):
        for size in _chunks(n, ctx.rng):
            ours, theirs = ctx.side(bureau, (0.5, 0.4, 0.1)), bureau.counterparts[key]
            source, target = (ours, theirs) if ctx.rng.random() < 0.5 else (theirs, ours)
            ctx.add("information_exchange", source, target, ctx.rng.choice(_EXCHANGE_INFO_TITLES), size)


def _plan_consultations(ctx: _Year, total: int) -> None:
    """Consulting departments on the year's party-building plan, early in the year."""
    slots = ctx.liaison_channels(("org", "prop", "owc"))
    for (bureau, key), n in ctx.spread(total, slots, [ctx.weight(b) for b, _ in slots]):
        for size in _chunks(n, ctx.rng):
            ctx.add(
                "plan_consultation",
                ctx.side(bureau, (0.4, 0.6, 0.0)),
                bureau.counterparts[key],
                f"就{ctx.year}年度党建工作计划征求意见",
                size,
                months=(1, 4),
            )


def _joint_supervision(ctx: _Year, total: int) -> None:
    """Joint handling of leads, reviews and inspections with a met discipline commission."""
    slots = ctx.liaison_channels(("disc",))
    for (bureau, key), n in ctx.spread(total, slots, [ctx.weight(b) for b, _ in slots]):
        for size in _chunks(n, ctx.rng):
            ours, theirs = ctx.side(bureau, (0.5, 0.5, 0.0)), bureau.counterparts[key]
            source, target = (ours, theirs) if ctx.rng.random() < 0.4 else (theirs, ours)
            ctx.add("joint_supervision", source, target, ctx.rng.choice(_SUPERVISION_TITLES), size)


def _joint_research(ctx: _Year, total: int) -> None:
    """The case study's joint research with the provincial organs work committee: a symposium at
    the provincial level, then trips to city bureaus and their organs work committees."""
    if total <= 0:
        return
    province = next(b for b in ctx.bureaus if b.level == "provincial")
    ctx.add(
        "joint_research",
        province.counterparts["owc"],
        province.id,
        "省直机关工委与省税务局联合调研座谈会",
        months=(3, 11),
    )
    cities = [
        b for b in ctx.bureaus if b.level == "prefecture" and ctx.is_met(b, "liaison_organs_work_committee")
    ]
    for city in ctx.rng.sample(cities, min(total - 1, len(cities))):
        ctx.add(
            "joint_research",
            city.id,
            city.counterparts["owc"],
            f"联合{ctx.names[city.counterparts['owc']]}开展机关党建调研座谈",
            months=(3, 11),
        )
    for _ in range(total - 1 - len(cities)):  # not reached with 13 cities; keeps the total exact
        ctx.add("joint_research", province.counterparts["owc"], province.id, "联合调研座谈", months=(3, 11))


def _party_school_training(ctx: _Year, total: int) -> None:
    """Party members trained at the local party school: every met cadre channel sends some."""
    bureaus = ctx.bureaus_meeting(CADRE)
    for bureau, people in ctx.spread_by_bureau(total, bureaus, 1):
        classes = ctx.rng.randint(1, min(people, 6 if bureau.level != "county" else 3))
        school = bureau.counterparts["sch"]
        for size in allocate(people, [1.0] * classes, ctx.rng, 1):
            title = f"到{ctx.names[school]}{ctx.rng.choice(_TRAINING_TITLES)}"
            ctx.add(
                "party_school_training", ctx.side(bureau, (0.6, 0.3, 0.1)), school, title, participants=size
            )


def _people_to_organization(
    ctx: _Year, kind: str, total: int, titles: Callable[[int], str], per_row: int
) -> None:
    """Secondments and recommendations: people from met cadre channels to the organization
    department, at most ``per_row`` people on one ledger row."""
    bureaus = ctx.bureaus_meeting(CADRE)
    for bureau, people in ctx.spread_by_bureau(total, bureaus):
        row = 0
        while people > 0:
            size = min(people, ctx.rng.randint(1, per_row))
            ctx.add(
                kind,
                ctx.side(bureau, (0.7, 0.3, 0.0)),
                bureau.counterparts["org"],
                titles(row),
                participants=size,
            )
            people -= size
            row += 1


def _cadre_exchange(ctx: _Year, total: int) -> None:
    """Two-way cadre exchange with the organization department."""
    bureaus = ctx.bureaus_meeting(CADRE)
    for bureau, n in ctx.spread_by_bureau(total, bureaus):
        for _ in range(n):
            ours, theirs = bureau.side[0], bureau.counterparts["org"]
            source, target = (ours, theirs) if ctx.rng.random() < 0.5 else (theirs, ours)
            ctx.add("cadre_exchange", source, target, "干部双向交流任职", participants=ctx.rng.randint(1, 2))


def _joint_training(ctx: _Year, total: int) -> None:
    """Training run together with the party school or the organization department."""
    bureaus = ctx.bureaus_meeting(CADRE)
    for bureau, n in ctx.spread_by_bureau(total, bureaus):
        for _ in range(n):
            partner = bureau.counterparts["sch" if ctx.rng.random() < 0.65 else "org"]
            ours = ctx.side(bureau, (0.6, 0.4, 0.0))
            source, target = (ours, partner) if ctx.rng.random() < 0.6 else (partner, ours)
            people = ctx.rng.randint(15, 60) if bureau.level == "county" else ctx.rng.randint(40, 120)
            ctx.add(
                "joint_training", source, target, ctx.rng.choice(_JOINT_TRAINING_TITLES), participants=people
            )


def _year_links(ctx: _Year, totals: dict[str, int]) -> list[Row]:
    """All links of one year, sorted by date, with ids ``L<year>-NNNNNN``."""
    _reports(ctx, totals["report"])
    _instructions(ctx, totals["instruction"])
    _meetings(ctx, totals["meeting_attendance"])
    _visits(ctx, totals["visit"])
    _coordination_visits(ctx, totals["coordination_visit"])
    _information_exchange(ctx, totals["information_exchange"])
    _plan_consultations(ctx, totals["plan_consultation"])
    _joint_supervision(ctx, totals["joint_supervision"])
    _joint_research(ctx, totals["joint_research"])
    _party_school_training(ctx, totals["party_school_training"])
    _people_to_organization(ctx, "secondment", totals["secondment"], lambda _: "选派干部到地方挂职锻炼", 2)
    _people_to_organization(
        ctx, "recommendation", totals["recommendation"], lambda row: _RECOMMENDATION_TITLES[row % 3], 4
    )
    _cadre_exchange(ctx, totals["cadre_exchange"])
    _joint_training(ctx, totals["joint_training"])
    rows = sorted(ctx.rows, key=lambda r: (r["date"], r["kind"], r["source_id"], r["target_id"], r["title"]))
    for number, row in enumerate(rows, start=1):
        row["id"] = f"L{ctx.year}-{number:06d}"
    return rows
