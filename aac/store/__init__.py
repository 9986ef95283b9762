"""Per-person data: profiles and settings, the draft, the private usage log, the clinician report.

Public names are re-exported here; see docs/INTERFACES.md ("Profile and settings").
The report (matplotlib) is imported only by ``aac.store.report`` so the board never pays for it.
"""

from aac.store.profile import Profile, ProfileError, list_profiles, resolve_profile
from aac.store.settings import Settings
from aac.store.usage_log import UsageLog

__all__ = ["Profile", "ProfileError", "Settings", "UsageLog", "list_profiles", "resolve_profile"]
