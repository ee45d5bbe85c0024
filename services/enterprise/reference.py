"""Reference tables of the enterprise registry (data, not rules): industries, qualifications, enums.

Industry codes follow Hubei's "51020" modern industrial cluster plan: 5 trillion-yuan pillar
industries (P1–P5) and 10 five-hundred-billion-yuan advantage industries (A01–A10). The codes are
stable for machines; names are what officers read.
"""
from __future__ import annotations

from enum import StrEnum

INDUSTRIES: dict[str, str] = {
    "P1": "新一代信息技术（光芯屏端网）",
    "P2": "汽车制造与服务",
    "P3": "现代化工及能源",
    "P4": "大健康",
    "P5": "现代农产品加工",
    "A01": "高端装备",
    "A02": "先进材料",
    "A03": "节能环保",
    "A04": "现代纺织服装",
    "A05": "绿色建材",
    "A06": "现代金融",
    "A07": "现代物流",
    "A08": "研发设计和科技服务",
    "A09": "商贸服务",
    "A10": "文化旅游",
}

#: Industries counted as patent-intensive (专利密集型产业) for the industrialisation pool.
PATENT_INTENSIVE_INDUSTRIES = frozenset({"P1", "P2", "P3", "P4", "A01", "A02", "A03", "A08"})


class SizeClass(StrEnum):
    LARGE = "large"    # 大型
    MEDIUM = "medium"  # 中型
    SMALL = "small"    # 小型
    MICRO = "micro"    # 微型


SIZE_CLASS_NAMES = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}


class Ownership(StrEnum):
    PRIVATE = "private"  # 民营
    STATE = "state"      # 国有
    FOREIGN = "foreign"  # 外资
    OTHER = "other"      # 其他


OWNERSHIP_NAMES = {"private": "民营", "state": "国有", "foreign": "外资", "other": "其他"}


class Qualification(StrEnum):
    HIGH_TECH = "high_tech"                       # 高新技术企业
    SRDI_PROVINCIAL = "srdi_provincial"           # 省级专精特新中小企业
    SRDI_NATIONAL = "srdi_national"               # 国家级专精特新"小巨人"
    NATIONAL_IP_ADVANTAGE = "national_ip_advantage"        # 国家知识产权优势企业
    NATIONAL_IP_DEMONSTRATION = "national_ip_demonstration"  # 国家知识产权示范企业
    INDUSTRIAL_IP_PILOT = "industrial_ip_pilot"   # 工业企业知识产权运用试点


QUALIFICATION_NAMES = {
    "high_tech": "高新技术企业",
    "srdi_provincial": "省级专精特新中小企业",
    "srdi_national": "国家级专精特新“小巨人”企业",
    "national_ip_advantage": "国家知识产权优势企业",
    "national_ip_demonstration": "国家知识产权示范企业",
    "industrial_ip_pilot": "工业企业知识产权运用试点企业",
}
