"""Every capability's tables on one ``MetaData``: what the migrations are checked against.

Each capability declares its tables in its own ``models.py``; importing them all here
is what makes ``metadata`` the whole schema.
"""

from __future__ import annotations

from tradeguard.audit import models as audit
from tradeguard.collections import models as collections
from tradeguard.country import models as country
from tradeguard.credit import models as credit
from tradeguard.cycle import models as cycle
from tradeguard.identity import models as identity
from tradeguard.insurance import models as insurance
from tradeguard.kit.orm import Base
from tradeguard.ledger import models as ledger
from tradeguard.limits import models as limits
from tradeguard.monitoring import models as monitoring
from tradeguard.screening import models as screening

CAPABILITIES = (
    identity,
    ledger,
    audit,
    cycle,
    credit,
    country,
    limits,
    monitoring,
    screening,
    collections,
    insurance,
)
metadata = Base.metadata
