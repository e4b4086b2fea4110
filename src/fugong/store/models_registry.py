"""Imports every domain's models so that Base.metadata knows all tables (for Alembic)."""

from fugong.store import audit  # noqa: F401
from fugong.healthcode import models as healthcode_models  # noqa: F401
from fugong.risk import models as risk_models  # noqa: F401
from fugong.accounts import models as accounts_models  # noqa: F401
from fugong.control import models as control_models  # noqa: F401
from fugong.enterprises import models as enterprises_models  # noqa: F401
from fugong.workflow import models as workflow_models  # noqa: F401
from fugong.desk import models as desk_models  # noqa: F401
from fugong.resumption import models as resumption_models  # noqa: F401
