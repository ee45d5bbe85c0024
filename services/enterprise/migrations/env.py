from libs.common.migrations import run_migrations
from services.enterprise.models import Base
from services.enterprise.pool import models as _pool_models  # noqa: F401  (registers the pool tables)

run_migrations(Base.metadata)
