from libs.common.migrations import run_migrations
from services.protection.models import Base

run_migrations(Base.metadata)
