from libs.common.migrations import run_migrations
from services.training.models import Base

run_migrations(Base.metadata)
