from libs.common.migrations import run_migrations
from services.enterprise.models import Base

run_migrations(Base.metadata)
