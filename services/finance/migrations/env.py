from libs.common.migrations import run_migrations
from services.finance.models import Base

run_migrations(Base.metadata)
