"""Response models of the enterprise service's records: its rows as the API shows them."""
from __future__ import annotations

from libs.common import divisions
from services.enterprise.domain import TIER_NAMES, Tier
from services.enterprise.models import Enterprise
from services.enterprise.reference import INDUSTRIES
from services.enterprise.schemas import EnterpriseOut


def to_out(e: Enterprise, warnings: list[str] | None = None) -> EnterpriseOut:
    return EnterpriseOut(
        uscc=e.uscc, name=e.name, city=e.city, city_name=divisions.CITIES[e.city], county=e.county,
        registered_division=e.registered_division, industry=e.industry, industry_name=INDUSTRIES.get(e.industry, ""),
        size_class=e.size_class, ownership=e.ownership, qualifications=list(e.qualifications or []),
        ip_management_certified=e.ip_management_certified, own_brand=e.own_brand,
        patent_product_filed=e.patent_product_filed, tier=e.tier,
        tier_name=TIER_NAMES[Tier(e.tier)] if e.tier else None,
        tier_since=e.tier_since, version=e.version, created_at=e.created_at, updated_at=e.updated_at,
        warnings=warnings or [])

