from libs.common.migrations import run_migrations
from services.transfer.models import Base

run_migrations(Base.metadata)
