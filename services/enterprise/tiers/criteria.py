"""The selection criteria of each tier 遴选条件, as data (鄂知发〔2022〕9号, seed 000).

The plan describes each tier in words and leaves the conditions to the province: § 三(二) “省知识产权局
根据知识产权密集型企业发展规律，合理确定优势企业遴选条件”. So each criterion here names the seed's
words it stands for (``clause`` and ``quote``), the registry figure that measures it (``measure``, one of
:data:`MEASURES`, evaluated by :mod:`services.enterprise.tiers.domain`) and the threshold the province
set (``threshold``; the seed gives no figure). A province that changes a threshold changes this table,
not the evaluation.

``weighed`` marks what the plan describes as something the programme builds *after* selection (导入
《企业知识产权管理规范》, 品牌培育, the training coverage of high-tech and SRDI firms) rather than a
condition of entry: not met, it is a ``warn`` for the province to weigh, never a ``fail``.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from services.enterprise.domain import Tier

Measure = Literal["qualification_any", "invention_patents", "patents_or_brand", "industrialisation_rate",
                  "rd_share", "ip_management_certified", "own_brand", "patent_intensive_industry"]
#: What each measure reads from the registry (the figures are the evaluated year's).
MEASURES: dict[str, str] = {
    "qualification_any": "企业资质（企业库）",
    "invention_patents": "有效发明专利数（年度数据）",
    "patents_or_brand": "有效发明专利数（年度数据）或自主商标品牌（企业库）",
    "industrialisation_rate": "专利产业化率（年度数据）",
    "rd_share": "研发投入占营业收入比重（年度数据）",
    "ip_management_certified": "GB/T 29490 知识产权管理体系认证（企业库）",
    "own_brand": "自主商标品牌（企业库）",
    "patent_intensive_industry": "主营产业是否属于专利密集型产业（企业库）",
}

#: Qualifications that make an enterprise one of the plan's 高新技术企业、科技型中小企业、骨干企业.
INNOVATIVE_QUALIFICATIONS = ("high_tech", "srdi_provincial", "srdi_national")


@dataclass(frozen=True)
class Criterion:
    tier: Tier
    number: int
    code: str
    title: str                 # what officers read (zh-CN)
    clause: str                # where in seed 000 it comes from
    quote: str                 # the seed's words
    measure: Measure
    threshold: Decimal | None = None         # the province's figure (None: a yes/no measure)
    qualifications: tuple[str, ...] = ()     # for ``qualification_any``
    weighed: bool = False                    # not met → warn (the province weighs), not fail


_GROWTH = Tier.GROWTH
_SEED = Tier.SEED
_ADVANTAGE = Tier.ADVANTAGE

CRITERIA: tuple[Criterion, ...] = (
    # 成长型企业 — goal 10,000 (§ 一 主要目标)
    Criterion(_GROWTH, 1, "growth.innovative_enterprise", "属于高新技术企业、科技型中小企业或骨干企业",
              "000 § 一 主要目标", "做到高新技术企业、科技型中小企业、骨干企业知识产权培训全覆盖",
              "qualification_any", qualifications=INNOVATIVE_QUALIFICATIONS, weighed=True),
    Criterion(_GROWTH, 2, "growth.patents_or_brand", "运用专利或品牌支撑自身创新：拥有有效发明专利或自主商标品牌",
              "000 § 一 主要目标", "指导、引导企业运用专利、品牌战略服务支撑自身创新和高质量发展",
              "patents_or_brand", threshold=Decimal(1)),
    # 种子企业 — goal 1,000 (§ 二.3)
    Criterion(_SEED, 1, "seed.ip_foundation", "知识产权工作基础较好：有效发明专利不少于 5 件",
              "000 § 二.3", "遴选 1000 家企业领导层知识产权意识强、知识产权工作基础较好的企业作为知识产权种子企业",
              "invention_patents", threshold=Decimal(5)),
    Criterion(_SEED, 2, "seed.rd_investment", "创新投入：上年度研发投入占营业收入比重不低于 3%",
              "000 § 二.3", "提升企业知识产权创造、运用和保护能力",
              "rd_share", threshold=Decimal(3)),
    Criterion(_SEED, 3, "seed.management_standard", "导入《企业知识产权管理规范》国家标准（贯标认证）",
              "000 § 一 主要目标、§ 二.3", "推动企业贯彻《企业知识产权管理规范》国家标准，建立健全知识产权管理体系",
              "ip_management_certified", weighed=True),
    Criterion(_SEED, 4, "seed.brand", "开展品牌培育：拥有自主商标品牌",
              "000 § 一 主要目标", "推动企业高价值专利培育和品牌培育",
              "own_brand", weighed=True),
    # 优势企业 — goal 100 (§ 二.1)
    Criterion(_ADVANTAGE, 1, "advantage.creation", "较强的知识产权创造能力：有效发明专利不少于 20 件",
              "000 § 二.1", "较强知识产权创造、运用、风险管控、品牌培育能力",
              "invention_patents", threshold=Decimal(20)),
    Criterion(_ADVANTAGE, 2, "advantage.utilisation", "较强的知识产权运用能力：专利产业化率不低于 30%",
              "000 § 二.1", "较强知识产权创造、运用、风险管控、品牌培育能力",
              "industrialisation_rate", threshold=Decimal(30)),
    Criterion(_ADVANTAGE, 3, "advantage.strategic_management", "较强的知识产权战略管理和风险管控能力：通过贯标认证",
              "000 § 二.1", "具有较强知识产权战略管理能力",
              "ip_management_certified"),
    Criterion(_ADVANTAGE, 4, "advantage.brand", "较强的品牌培育能力：拥有自主商标品牌",
              "000 § 二.1", "较强知识产权创造、运用、风险管控、品牌培育能力",
              "own_brand"),
    Criterion(_ADVANTAGE, 5, "advantage.rd_investment", "高价值专利产出载体：上年度研发投入占营业收入比重不低于 5%",
              "000 § 二.1", "打造一批创新能力强的高价值专利产出载体",
              "rd_share", threshold=Decimal(5)),
    Criterion(_ADVANTAGE, 6, "advantage.patent_intensive", "主营业务属于专利密集型产业",
              "000 § 三(二)", "根据知识产权密集型企业发展规律，合理确定优势企业遴选条件",
              "patent_intensive_industry", weighed=True),
)


def criteria_of(tier: Tier) -> list[Criterion]:
    """The criteria of ``tier`` in their order."""
    return [c for c in CRITERIA if c.tier == tier]


def by_code() -> dict[str, Criterion]:
    return {c.code: c for c in CRITERIA}
