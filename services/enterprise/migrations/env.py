from libs.common.migrations import run_migrations
from services.enterprise.credit import models as _credit_models  # noqa: F401  (registers the credit table)
from services.enterprise.models import Base
from services.enterprise.pool import models as _pool_models  # noqa: F401  (registers the pool tables)
from services.enterprise.tiers import models as _tier_models  # noqa: F401  (registers the tier lists)

run_migrations(Base.metadata)
