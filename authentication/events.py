"""Facts the accounts app publishes (plain data): courses copy teacher names, messaging keeps room members.

Published with `publish` after the change is stored (see cplatform/events.py).
"""

from django.dispatch import Signal

from cplatform.events import publish

__all__ = ["publish"]

# uid, display_name, role: the profile's display name changed (copies elsewhere must follow).
profile_renamed = Signal()
# uid, role: the account is being deleted (after this its profile is gone).
account_deleted = Signal()
# uid, old_role, new_role: an admin changed the user's role.
role_changed = Signal()
# uid, role: a user signed in with email and password through the server (API or web form).
user_signed_in = Signal()
