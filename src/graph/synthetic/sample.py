"""The bundled sample dataset: the Heilongjiang tax system as seeded ledgers for 2019 to 2021.

The case study behind the project (``seed/000_…``, Heilongjiang Provincial Tax Bureau, 2021)
publishes totals for 2020 but no ledger. This module invents a ledger that is consistent with
those totals, so that users can try every command on data that looks like theirs:

* every unit sits on a real division of Heilongjiang (``data/heilongjiang_divisions.csv``);
* the 2020 links add up *exactly* to the published figures (651 reports, 996 visits, …);
* coverage is high but not perfect, with gaps where real ones would be: remote forest and
  border prefectures, propaganda and cadre work thinner than reporting;
* 2019 is a little weaker and 2021 a little stronger, with some channels alive in one year and
  lapsed in the next, so trends and lapsed contacts can be seen.

The technique: first decide, per year, which coverage requirements (contract section 2) are
met, drawing with probabilities that depend on the rule, the level and remoteness; then spread
each exact total over the channels that are met, every met channel getting at least one event of
its primary kind. Nothing is ever written on a channel that was decided to be a gap.

Pure standard library and a single ``random.Random(seed)``: the same seed gives byte-identical
files. Unit ids follow one scheme (``TB-230100``, ``BPC-230100``, ``PB-230100-01``,
``LPC-230100``, ``ORG-``/``PROP-``/``OWC-``/``DISC-``/``SCH-230100``) that docs and tests may
rely on.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

__all__ = [
    "CASE_STUDY_2020",
    "LINK_COLUMNS",
    "NATIONAL_BUREAU_ID",
    "REGION_COLUMNS",
    "REMOTE_PREFECTURES",
    "SampleLedgers",
    "UNIT_COLUMNS",
    "YEARS",
    "build_sample",
    "write_sample",
]

Row = dict[str, str]

YEARS: tuple[int, ...] = (2019, 2020, 2021)
REGION_COLUMNS: tuple[str, ...] = ("code", "name", "level", "parent_code")
UNIT_COLUMNS: tuple[str, ...] = ("id", "name", "kind", "level", "region_code", "parent_id", "name_en")
LINK_COLUMNS: tuple[str, ...] = (
    "id",
    "date",
    "kind",
    "source_id",
    "target_id",
    "count",
    "participants",
    "title",
)
NATIONAL_BUREAU_ID = "TB-000000"

#: Forest and border prefectures (大兴安岭, 黑河, 伊春, 鹤岗, 双鸭山, 七台河) where contact is thinner.
REMOTE_PREFECTURES: tuple[str, ...] = ("230400", "230500", "230700", "230900", "231100", "232700")

DIVISIONS_FILE = Path(__file__).resolve().parent / "data" / "heilongjiang_divisions.csv"

# ---------------------------------------------------------------------------------------------
# Totals per year. 2020 is the case study; 2019 and 2021 are invented to show a trend.
# Keys are link kinds, plus "report" for the three report kinds together. Kinds listed in
# _PARTICIPANT_TOTALS are totals of participants (people), all others totals of count.
# ---------------------------------------------------------------------------------------------

CASE_STUDY_2020: dict[str, int] = {
    "report": 651,  # 向地方党委报告工作651次
    "instruction": 117,  # 肯定性指示批示117次
    "meeting_attendance": 374,  # 参加、指导税务部门会议活动374次
    "visit": 996,  # 走访地方纪委监委、组织、宣传、工委等部门996次
    "coordination_visit": 392,  # 到下级税务局所在地党委实地走访近400次
    "party_school_training": 1175,  # 1175名党员到地方党校学习培训 (participants)
    "secondment": 38,  # 38名干部到地方交流挂职 (participants)
    "recommendation": 253,  # 253名税务干部被推荐为"两代表一委员" (participants)
    "joint_research": 4,  # 2020年以来调研座谈6次: 4 in 2020, 2 in 2021
}

_PARTICIPANT_TOTALS = ("party_school_training", "secondment", "recommendation")

_TOTALS: dict[int, dict[str, int]] = {
    2019: {
        "report": 588,
        "instruction": 94,
        "meeting_attendance": 329,
        "visit": 871,
        "coordination_visit": 318,
        "party_school_training": 1036,
        "secondment": 29,
        "recommendation": 212,
        "joint_research": 0,
        "information_exchange": 176,
        "plan_consultation": 121,
        "joint_supervision": 71,
        "cadre_exchange": 19,
        "joint_training": 37,
    },
    2020: {
        **CASE_STUDY_2020,
        "information_exchange": 208,
        "plan_consultation": 152,
        "joint_supervision": 86,
        "cadre_exchange": 24,
        "joint_training": 46,
    },
    2021: {
        "report": 703,
        "instruction": 128,
        "meeting_attendance": 401,
        "visit": 1072,
        "coordination_visit": 415,
        "party_school_training": 1262,
        "secondment": 42,
        "recommendation": 276,
        "joint_research": 2,
        "information_exchange": 231,
        "plan_consultation": 167,
        "joint_supervision": 97,
        "cadre_exchange": 29,
        "joint_training": 52,
    },
}

# ---------------------------------------------------------------------------------------------
# Coverage rules (contract section 2) and how likely each is met. The numbers are the knobs
# that shape the sample's coverage: reporting nearly always, propaganda and cadre work least.
# ---------------------------------------------------------------------------------------------

REPORT = "report_to_local_committee"
CADRE = "cadre_work_with_locality"
COORDINATE = "coordinate_lower_localities"
_LIAISON_RULES: dict[str, str] = {  # rule -> counterpart key
    "liaison_organization_department": "org",
    "liaison_propaganda_department": "prop",
    "liaison_organs_work_committee": "owc",
    "liaison_discipline_commission": "disc",
}
_STANDARD_RULES: tuple[str, ...] = (REPORT, *_LIAISON_RULES, CADRE)

_BASE_P: dict[str, float] = {
    REPORT: 0.998,
    "liaison_organization_department": 0.93,
    "liaison_propaganda_department": 0.80,
    "liaison_organs_work_committee": 0.91,
    "liaison_discipline_commission": 0.90,
    CADRE: 0.83,
    COORDINATE: 0.92,
}
_REMOTE_PENALTY: dict[str, float] = {
    REPORT: 0.02,
    "liaison_organization_department": 0.16,
    "liaison_propaganda_department": 0.27,
    "liaison_organs_work_committee": 0.18,
    "liaison_discipline_commission": 0.16,
    CADRE: 0.27,
    COORDINATE: 0.24,
}
_YEAR_SHIFT: dict[int, float] = {2019: -0.07, 2020: 0.0, 2021: 0.04}
_UPPER_BONUS = 0.05  # city bureaus are better staffed than county ones; the province visits most
_CHURN = 0.3  # share of requirements redrawn each year, so channels lapse and revive

_LEVEL_OF: dict[str, str] = {"province": "provincial", "prefecture": "prefecture", "county": "county"}
_LEVEL_WEIGHT: dict[str, float] = {"provincial": 6.0, "prefecture": 3.0, "county": 1.0}

# ---------------------------------------------------------------------------------------------
# Names. English forms are hand-romanised (no pinyin library: the module is stdlib only).
# ---------------------------------------------------------------------------------------------

_PREFECTURE_EN: dict[str, str] = {
    "230100": "Harbin",
    "230200": "Qiqihar",
    "230300": "Jixi",
    "230400": "Hegang",
    "230500": "Shuangyashan",
    "230600": "Daqing",
    "230700": "Yichun",
    "230800": "Jiamusi",
    "230900": "Qitaihe",
    "231000": "Mudanjiang",
    "231100": "Heihe",
    "231200": "Suihua",
    "232700": "Daxing'anling",
}

_COUNTY_EN: dict[str, str] = {
    "230102": "Daoli District",
    "230103": "Nangang District",
    "230104": "Daowai District",
    "230108": "Pingfang District",
    "230109": "Songbei District",
    "230110": "Xiangfang District",
    "230111": "Hulan District",
    "230112": "Acheng District",
    "230113": "Shuangcheng District",
    "230123": "Yilan County",
    "230124": "Fangzheng County",
    "230125": "Bin County",
    "230126": "Bayan County",
    "230127": "Mulan County",
    "230128": "Tonghe County",
    "230129": "Yanshou County",
    "230183": "Shangzhi City",
    "230184": "Wuchang City",
    "230202": "Longsha District",
    "230203": "Jianhua District",
    "230204": "Tiefeng District",
    "230205": "Ang'angxi District",
    "230206": "Fularji District",
    "230207": "Nianzishan District",
    "230208": "Meilisi Daur District",
    "230221": "Longjiang County",
    "230223": "Yi'an County",
    "230224": "Tailai County",
    "230225": "Gannan County",
    "230227": "Fuyu County",
    "230229": "Keshan County",
    "230230": "Kedong County",
    "230231": "Baiquan County",
    "230281": "Nehe City",
    "230302": "Jiguan District",
    "230303": "Hengshan District",
    "230304": "Didao District",
    "230305": "Lishu District",
    "230306": "Chengzihe District",
    "230307": "Mashan District",
    "230321": "Jidong County",
    "230381": "Hulin City",
    "230382": "Mishan City",
    "230402": "Xiangyang District",
    "230403": "Gongnong District",
    "230404": "Nanshan District",
    "230405": "Xing'an District",
    "230406": "Dongshan District",
    "230407": "Xingshan District",
    "230421": "Luobei County",
    "230422": "Suibin County",
    "230502": "Jianshan District",
    "230503": "Lingdong District",
    "230505": "Sifangtai District",
    "230506": "Baoshan District",
    "230521": "Jixian County",
    "230522": "Youyi County",
    "230523": "Baoqing County",
    "230524": "Raohe County",
    "230602": "Sartu District",
    "230603": "Longfeng District",
    "230604": "Ranghulu District",
    "230605": "Honggang District",
    "230606": "Datong District",
    "230621": "Zhaozhou County",
    "230622": "Zhaoyuan County",
    "230623": "Lindian County",
    "230624": "Dorbod Mongol Autonomous County",
    "230717": "Yimei District",
    "230718": "Wucui District",
    "230719": "Youhao District",
    "230722": "Jiayin County",
    "230723": "Tangwang County",
    "230724": "Fenglin County",
    "230725": "Daqingshan County",
    "230726": "Nancha County",
    "230751": "Jinlin District",
    "230781": "Tieli City",
    "230803": "Xiangyang District",
    "230804": "Qianjin District",
    "230805": "Dongfeng District",
    "230811": "Suburban District",
    "230822": "Huanan County",
    "230826": "Huachuan County",
    "230828": "Tangyuan County",
    "230881": "Tongjiang City",
    "230882": "Fujin City",
    "230883": "Fuyuan City",
    "230902": "Xinxing District",
    "230903": "Taoshan District",
    "230904": "Qiezihe District",
    "230921": "Boli County",
    "231002": "Dong'an District",
    "231003": "Yangming District",
    "231004": "Aimin District",
    "231005": "Xi'an District",
    "231025": "Linkou County",
    "231081": "Suifenhe City",
    "231083": "Hailin City",
    "231084": "Ning'an City",
    "231085": "Muling City",
    "231086": "Dongning City",
    "231102": "Aihui District",
    "231123": "Xunke County",
    "231124": "Sunwu County",
    "231181": "Bei'an City",
    "231182": "Wudalianchi City",
    "231183": "Nenjiang City",
    "231202": "Beilin District",
    "231221": "Wangkui County",
    "231222": "Lanxi County",
    "231223": "Qinggang County",
    "231224": "Qing'an County",
    "231225": "Mingshui County",
    "231226": "Suiling County",
    "231281": "Anda City",
    "231282": "Zhaodong City",
    "231283": "Hailun City",
    "232701": "Mohe City",
    "232721": "Huma County",
    "232722": "Tahe County",
}

# (Chinese, English) branch names; county bureaus are small, city and provincial ones larger.
_COUNTY_BRANCHES: tuple[tuple[str, str], ...] = (
    ("机关党支部", "Organs Party Branch"),
    ("征管党支部", "Collection and Administration Party Branch"),
    ("纳税服务党支部", "Taxpayer Service Party Branch"),
    ("第一税务分局党支部", "First Tax Sub-bureau Party Branch"),
    ("第二税务分局党支部", "Second Tax Sub-bureau Party Branch"),
    ("离退休干部党支部", "Retired Cadres Party Branch"),
)
_UPPER_BRANCHES: tuple[tuple[str, str], ...] = (
    ("机关第一党支部", "First Organs Party Branch"),
    ("机关第二党支部", "Second Organs Party Branch"),
    ("办公室党支部", "General Office Party Branch"),
    ("征管党支部", "Collection and Administration Party Branch"),
    ("纳税服务党支部", "Taxpayer Service Party Branch"),
    ("税收经济分析党支部", "Tax Economic Analysis Party Branch"),
    ("稽查局党支部", "Inspection Bureau Party Branch"),
    ("社会保险费党支部", "Social Insurance Contributions Party Branch"),
    ("离退休干部党支部", "Retired Cadres Party Branch"),
)

# ---------------------------------------------------------------------------------------------
# Titles. Year-specific items make the three years read differently.
# ---------------------------------------------------------------------------------------------

_THEMATIC_TITLES: dict[int | None, tuple[str, ...]] = {
    None: (
        "意识形态工作专题报告",
        "党风廉政建设和反腐败工作专题报告",
        "减税降费落实情况专题报告",
        "基层党组织建设专题报告",
        "机关党建工作阶段性情况专题报告",
    ),
    2019: ("“不忘初心、牢记使命”主题教育开展情况专题报告",),
    2020: ("“纵合横通强党建”机制推进情况专题报告", "疫情防控和复工复产税收支持情况专题报告"),
    2021: ("“纵合横通强党建”机制推进情况专题报告", "党史学习教育开展情况专题报告"),
}
_AD_HOC_TITLES: dict[int | None, tuple[str, ...]] = {
    None: ("重要工作情况随时报告", "重大税收政策落实情况报告", "重要舆情处置情况报告", "税收收入形势专报"),
    2019: ("社会保险费征管职责划转情况报告",),
    2020: ("新冠肺炎疫情防控工作情况报告",),
    2021: ("庆祝建党100周年系列活动情况报告",),
}
_TITLE_FROM_MONTH: dict[str, int] = {  # events that cannot be reported before they began
    "“不忘初心、牢记使命”主题教育开展情况专题报告": 6,
    "新冠肺炎疫情防控工作情况报告": 2,
    "疫情防控和复工复产税收支持情况专题报告": 3,
    "党史学习教育开展情况专题报告": 3,
}
_INSTRUCTION_TITLES: dict[int | None, tuple[str, ...]] = {
    None: ("对税务局党建工作报告作出肯定性批示", "对税务部门服务地方发展工作作出批示"),
    2020: ("对税务部门构建“纵合横通强党建”机制体系作出肯定性批示",),
    2021: ("对税务部门构建“纵合横通强党建”机制体系作出肯定性批示",),
}
_MEETING_TITLES: dict[str, tuple[str, ...]] = {
    "lpc": ("出席全面从严治党工作会议并讲话", "指导党建工作领导小组会议", "出席税收工作会议"),
    "org": ("指导专题民主生活会", "指导党支部标准化规范化建设推进会", "参加基层党组织换届工作指导"),
    "prop": ("指导理论学习中心组学习", "参加意识形态工作会议", "出席精神文明建设推进会"),
    "owc": ("指导机关党建工作会议", "参加党支部主题党日活动", "指导模范机关创建推进会"),
    "disc": ("出席党风廉政建设工作会议", "参加警示教育大会", "指导巡察整改工作会议"),
}
_VISIT_PURPOSES: dict[str, tuple[str, ...]] = {
    "org": ("沟通干部队伍建设情况", "汇报基层党组织建设工作", "对接干部教育培训"),
    "prop": ("对接理论学习和宣传工作", "沟通意识形态工作", "商议精神文明建设活动"),
    "owc": ("汇报机关党建工作", "沟通模范机关创建工作", "对接党建考核"),
    "disc": ("沟通党风廉政建设情况", "汇报全面从严治党主体责任落实情况", "通报作风建设情况"),
}
_COORDINATION_PURPOSES = (  # 定期通报工作、定期了解情况、定期征求意见
    "定期通报税务系统党建工作",
    "了解落实地方党建工作部署情况",
    "征求对下级税务局党建工作的意见",
)
_EXCHANGE_INFO_TITLES = ("交换党建工作信息", "报送党建工作简报", "通报机关党建动态")
_SUPERVISION_TITLES = (
    "联动处置问题线索",
    "联合开展监督检查",
    "协同开展执纪审查",
    "联合开展节日期间作风纪律检查",
)
_TRAINING_TITLES = ("参加主体班培训", "参加中青年干部培训班", "参加发展对象培训班", "参加党务干部轮训")
_JOINT_TRAINING_TITLES = (
    "联合举办党务干部培训班",
    "联合开展新录用公务员入职培训",
    "联合举办党支部书记培训班",
)
_RECOMMENDATION_TITLES = ("推荐为党代会代表人选", "推荐为人大代表人选", "推荐为政协委员人选")


@dataclass
class SampleLedgers:
    """The three ledgers as rows of strings keyed by the contract's column names."""

    regions: list[Row] = field(default_factory=list)
    units: list[Row] = field(default_factory=list)
    links: list[Row] = field(default_factory=list)

    def links_for_year(self, year: int) -> list[Row]:
        """The link rows dated in ``year`` (one ``links_<year>.csv`` file)."""
        prefix = f"{year}-"
        return [row for row in self.links if row["date"].startswith(prefix)]


@dataclass(frozen=True)
class _Division:
    code: str
    name: str
    level: str  # province | prefecture | county
    parent_code: str


@dataclass
class _Bureau:
    """One tax bureau with everything the link generator needs to know about it."""

    code: str
    id: str
    level: str  # provincial | prefecture | county
    side: list[str]  # the bureau, its party committee, its branches
    counterparts: dict[str, str]  # lpc/org/prop/owc/disc/sch -> unit id (owc may be missing)
    subordinates: list[str]  # division codes of the directly subordinate bureaus
    remote: bool
    activity: float  # how busy the bureau is, fixed across years


_Slot = TypeVar("_Slot")
_ReqKey = tuple[str, str, str]  # (bureau division code, rule id, subordinate code or "")


# ---------------------------------------------------------------------------------------------
# Divisions and names
# ---------------------------------------------------------------------------------------------


def _read_divisions(path: Path = DIVISIONS_FILE) -> list[_Division]:
    """The bundled GB/T 2260 divisions, in file order (parents before children)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            _Division(r["code"], r["name"], r["level"], r["parent_code"] or "")
            for r in csv.DictReader(handle)
        ]


def _is_remote(division: _Division) -> bool:
    return division.code[:4] + "00" in REMOTE_PREFECTURES and division.level != "province"


def _place_zh(division: _Division, by_code: dict[str, _Division]) -> str:
    """A division's name as used in unit names.

    A district (区) carries its city's name, as in official names and because two cities have a
    向阳区; counties and county-level cities stand alone (国家税务总局尚志市税务局).
    """
    if division.level == "county" and division.name.endswith("区"):
        return by_code[division.parent_code].name + division.name
    return division.name


def _committee_zh(place: str) -> str:
    """The short name of a place's party committee: 黑龙江省委, 哈尔滨市委, 依兰县委, 大兴安岭地委."""
    return place[:-2] + "地委" if place.endswith("地区") else place + "委"


def _place_en(division: _Division, by_code: dict[str, _Division]) -> str:
    """The English adjective for a division ("Harbin Municipal"), or "" when not romanised."""
    if division.level == "province":
        return "Heilongjiang Provincial"
    if division.level == "prefecture":
        city = _PREFECTURE_EN.get(division.code, "")
        suffix = "Prefectural" if division.name.endswith("地区") else "Municipal"
        return f"{city} {suffix}" if city else ""
    county = _COUNTY_EN.get(division.code, "")
    if county and division.name.endswith("区"):
        return f"{_PREFECTURE_EN.get(division.parent_code, '')} {county}".strip()
    return county


def _en(template: str, place_en: str) -> str:
    return template.format(place_en) if place_en else ""


# ---------------------------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------------------------


def _unit(uid: str, name: str, kind: str, level: str, region: str, parent: str, name_en: str) -> Row:
    return {
        "id": uid,
        "name": name,
        "kind": kind,
        "level": level,
        "region_code": region,
        "parent_id": parent,
        "name_en": name_en,
    }


def _pick_missing_owc(divisions: Sequence[_Division], rng: random.Random) -> list[str]:
    """A few small remote counties without an organs work committee, so that some requirements
    have no counterpart at all (the contract keeps them expected and unmet)."""
    candidates = [
        d.code for d in divisions if d.level == "county" and _is_remote(d) and d.name.endswith("县")
    ]
    return sorted(rng.sample(candidates, rng.randint(3, 6)))


def _branch_count(level: str, rng: random.Random) -> int:
    if level == "provincial":
        return 6
    if level == "prefecture":
        return rng.randint(4, 6)
    return rng.randint(2, 4)


def _bureau_units(
    division: _Division, place: str, place_en: str, level: str, rng: random.Random
) -> tuple[list[Row], list[str]]:
    """The tax bureau, its party committee and branches: the rows, and the ids of the committee
    and branches (the rest of the bureau side)."""
    code = division.code
    parent_bureau = f"TB-{division.parent_code}" if division.parent_code else NATIONAL_BUREAU_ID
    bureau_name = f"国家税务总局{place}税务局"
    bureau_en = _en("{} Tax Bureau", place_en)
    rows = [
        _unit(f"TB-{code}", bureau_name, "tax_bureau", level, code, parent_bureau, bureau_en),
        _unit(
            f"BPC-{code}",
            f"中共{bureau_name}委员会",
            "bureau_party_committee",
            level,
            code,
            f"TB-{code}",
            _en("Party Committee of the {} Tax Bureau", place_en),
        ),
    ]
    pool = _COUNTY_BRANCHES if level == "county" else _UPPER_BRANCHES
    count = _branch_count(level, rng)
    chosen = [0, *sorted(rng.sample(range(1, len(pool)), count - 1))]  # the organs branch always
    for number, index in enumerate(chosen, start=1):
        zh, en = pool[index]
        rows.append(
            _unit(
                f"PB-{code}-{number:02d}",
                bureau_name + zh,
                "party_branch",
                level,
                code,
                f"BPC-{code}",
                f"{en}, {bureau_en}" if bureau_en else "",
            )
        )
    return rows, [row["id"] for row in rows if row["kind"] != "tax_bureau"]


def _local_units(division: _Division, place: str, place_en: str, level: str, has_owc: bool) -> list[Row]:
    """The local party committee and its departments (and party school) for one division."""
    code = division.code
    committee = _committee_zh(place)
    lpc = f"LPC-{code}"
    cpc_en = _en("CPC {} Committee", place_en)
    parent = f"LPC-{division.parent_code}" if division.parent_code else ""
    owc_zh = f"中共{committee}机关工委" if level == "county" else f"中共{place}直属机关工委"
    owc_en = (
        (
            f"Organs Work Committee of the {cpc_en}"
            if level == "county"
            else f"Work Committee for Organs Directly under the {cpc_en}"
        )
        if cpc_en
        else ""
    )
    departments = [
        (
            "ORG",
            f"中共{committee}组织部",
            "organization_department",
            f"Organization Department of the {cpc_en}",
        ),
        ("PROP", f"中共{committee}宣传部", "propaganda_department", f"Publicity Department of the {cpc_en}"),
        ("OWC", owc_zh, "organs_work_committee", owc_en),
        (
            "DISC",
            f"{place}纪委监委",
            "discipline_commission",
            _en("{} Discipline Inspection and Supervision Commission", place_en),
        ),
        ("SCH", f"中共{committee}党校", "party_school", f"Party School of the {cpc_en}"),
    ]
    rows = [_unit(lpc, f"中共{place}委员会", "local_party_committee", level, code, parent, cpc_en)]
    for prefix, name, kind, name_en in departments:
        if prefix == "OWC" and not has_owc:
            continue
        rows.append(_unit(f"{prefix}-{code}", name, kind, level, code, lpc, name_en if cpc_en else ""))
    return rows


def _build_units(divisions: Sequence[_Division], rng: random.Random) -> tuple[list[Row], list[_Bureau]]:
    """All units, in an order where every parent comes before its children, and the bureaus."""
    by_code = {d.code: d for d in divisions}
    missing_owc = _pick_missing_owc(divisions, rng)
    rows = [
        _unit(
            NATIONAL_BUREAU_ID,
            "国家税务总局",
            "tax_bureau",
            "national",
            "",
            "",
            "State Taxation Administration",
        )
    ]
    bureaus: list[_Bureau] = []
    for division in divisions:
        level = _LEVEL_OF[division.level]
        place, place_en = _place_zh(division, by_code), _place_en(division, by_code)
        bureau_rows, side_rest = _bureau_units(division, place, place_en, level, rng)
        local_rows = _local_units(division, place, place_en, level, division.code not in missing_owc)
        rows += bureau_rows + local_rows
        counterparts = {row["id"].split("-")[0].lower(): row["id"] for row in local_rows}
        bureaus.append(
            _Bureau(
                code=division.code,
                id=f"TB-{division.code}",
                level=level,
                side=[f"TB-{division.code}", *side_rest],
                counterparts=counterparts,
                subordinates=[d.code for d in divisions if d.parent_code == division.code],
                remote=_is_remote(division),
                activity=rng.uniform(0.6, 1.4),
            )
        )
    return rows, bureaus


def _region_rows(divisions: Sequence[_Division]) -> list[Row]:
    return [
        {"code": d.code, "name": d.name, "level": d.level, "parent_code": d.parent_code} for d in divisions
    ]


# ---------------------------------------------------------------------------------------------
# Which requirements are met
# ---------------------------------------------------------------------------------------------


def _requirements(bureau: _Bureau) -> list[tuple[str, str]]:
    """(rule, subordinate code) pairs expected of a bureau each year, as in contract section 2."""
    reqs = [(rule, "") for rule in _STANDARD_RULES]
    if bureau.level in ("provincial", "prefecture"):
        reqs += [(COORDINATE, sub) for sub in bureau.subordinates]
    return reqs


def _met_probability(rule: str, bureau: _Bureau, year: int, by_code: dict[str, _Bureau], sub: str) -> float:
    """How likely a requirement is met: by rule, level, remoteness and year.

    The provincial bureau (the case study's author) keeps all its own channels and visits every
    city but a remote one now and then. Remoteness hurts county bureaus fully and remote city
    bureaus a little; for coordination it is the remoteness of the subordinate's region that counts.
    """
    if bureau.level == "provincial" and (rule != COORDINATE or not by_code[sub].remote):
        return 1.0
    p = _BASE_P[rule] + _YEAR_SHIFT[year] * (0.3 if rule == REPORT else 1.0)  # reporting is routine
    if bureau.level != "county":
        p += _UPPER_BONUS
    if rule == COORDINATE:
        remote, weight = by_code[sub].remote, (0.5 if bureau.level == "provincial" else 1.0)
    else:
        remote, weight = bureau.remote, (1.0 if bureau.level == "county" else 0.4)
    if remote:
        p -= _REMOTE_PENALTY[rule] * weight
    return min(max(p, 0.0), 1.0)


def _has_counterpart(rule: str, bureau: _Bureau) -> bool:
    key = _LIAISON_RULES.get(rule)
    return key is None or key in bureau.counterparts


def _decide_met(bureaus: Sequence[_Bureau], rng: random.Random) -> dict[int, dict[_ReqKey, bool]]:
    """Per year, whether each requirement is met.

    One uniform draw per requirement is shared by all years (a bureau that keeps a channel tends
    to keep it), but a share of draws is renewed each year so that channels lapse and revive.
    """
    by_code = {b.code: b for b in bureaus}
    met: dict[int, dict[_ReqKey, bool]] = {year: {} for year in YEARS}
    for bureau in bureaus:
        for rule, sub in _requirements(bureau):
            base = rng.random()
            for year in YEARS:
                draw = rng.random() if rng.random() < _CHURN else base
                p = _met_probability(rule, bureau, year, by_code, sub)
                met[year][(bureau.code, rule, sub)] = _has_counterpart(rule, bureau) and draw < p
    return met


# ---------------------------------------------------------------------------------------------
# Spreading totals
# ---------------------------------------------------------------------------------------------


def _allocate(total: int, weights: Sequence[float], rng: random.Random, minimum: int = 0) -> list[int]:
    """Split ``total`` into ``len(weights)`` integers, each at least ``minimum``, the rest drawn
    in proportion to the weights. Exact by construction: the parts always sum to ``total``."""
    parts = [minimum] * len(weights)
    rest = total - minimum * len(weights)
    if rest < 0:
        raise ValueError(f"cannot give {minimum} each to {len(weights)} slots out of {total}")
    if rest and not weights:
        raise ValueError(f"nowhere to put {total}")
    for index in rng.choices(range(len(weights)), weights=weights, k=rest):
        parts[index] += 1
    return parts


def _chunks(n: int, rng: random.Random) -> list[int]:
    """Ledger rows for ``n`` events: most rows record one event, some aggregate two to five."""
    out: list[int] = []
    while n > 0:
        size = 1 if rng.random() < 0.8 else rng.randint(2, 5)
        out.append(min(size, n))
        n -= out[-1]
    return out


def _is_working_day(day: date) -> bool:
    """Weekdays outside New Year's Day and the National Day week (the fixed-date holidays)."""
    holiday = (day.month, day.day) == (1, 1) or (day.month == 10 and day.day <= 7)
    return day.weekday() < 5 and not holiday


def _random_date(rng: random.Random, year: int, months: tuple[int, int] = (1, 12)) -> str:
    """A working day in ``year`` between the given months (inclusive): a random day, moved to the
    next working day (or the previous one at the end of the range)."""
    start = date(year, months[0], 1)
    end = date(year + 1, 1, 1) if months[1] == 12 else date(year, months[1] + 1, 1)
    drawn = start + timedelta(days=rng.randrange((end - start).days))
    day, step = drawn, timedelta(days=1)
    while not _is_working_day(day):
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
        """Each slot with its share of ``total`` (see :func:`_allocate`)."""
        return list(zip(slots, _allocate(total, weights, self.rng, minimum), strict=True))

    def spread_by_bureau(
        self, total: int, bureaus: Sequence[_Bureau], minimum: int = 0
    ) -> list[tuple[_Bureau, int]]:
        """Each bureau with its share of ``total``, in proportion to :meth:`weight`."""
        return self.spread(total, bureaus, [self.weight(b) for b in bureaus], minimum)

    def is_met(self, bureau: _Bureau, rule: str, sub: str = "") -> bool:
        return self.met[(bureau.code, rule, sub)]

    def weight(self, bureau: _Bureau) -> float:
        """How much of a total a bureau attracts: level, its own activity, remoteness."""
        return _LEVEL_WEIGHT[bureau.level] * bureau.activity * (0.75 if bureau.remote else 1.0)

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
            for rule, key in _LIAISON_RULES.items()
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
        for size in _allocate(people, [1.0] * classes, ctx.rng, 1):
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


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def build_sample(seed: int = 2020) -> SampleLedgers:
    """Build the sample ledgers in memory. The same seed always gives the same rows."""
    rng = random.Random(seed)
    divisions = _read_divisions()
    units, bureaus = _build_units(divisions, rng)
    names = {row["id"]: row["name"] for row in units}
    met = _decide_met(bureaus, rng)
    links: list[Row] = []
    for year in YEARS:
        links += _year_links(_Year(year, rng, bureaus, met[year], names), _TOTALS[year])
    return SampleLedgers(regions=_region_rows(divisions), units=units, links=links)


def _write_csv(path: Path, columns: Sequence[str], rows: Sequence[Row]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_sample(out_dir: Path, seed: int = 2020) -> list[Path]:
    """Write ``regions.csv``, ``units.csv`` and ``links_<year>.csv`` into ``out_dir`` (created if
    needed) and return their paths in that order. Existing files of those names are replaced."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sample = build_sample(seed)
    files: list[tuple[str, Sequence[str], Sequence[Row]]] = [
        ("regions.csv", REGION_COLUMNS, sample.regions),
        ("units.csv", UNIT_COLUMNS, sample.units),
    ]
    files += [(f"links_{year}.csv", LINK_COLUMNS, sample.links_for_year(year)) for year in YEARS]
    paths = []
    for name, columns, rows in files:
        path = out_dir / name
        _write_csv(path, columns, rows)
        paths.append(path)
    return paths
