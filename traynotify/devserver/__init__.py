"""A faithful local implementation of the notifications API (the contract server).

Used by ``traynotify demo`` and the tests. It knows nothing of the app; the app
knows nothing of it.
"""

from . import faults
from .server import ContractServer, Fault, Hold, RequestRecord
from .store import Store

__all__ = ["ContractServer", "Fault", "Hold", "RequestRecord", "Store", "faults"]
