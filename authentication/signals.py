"""Account events other apps react to (courses copy teacher names, messaging keeps room members)."""

from django.dispatch import Signal

# uid, display_name, role: the profile's display name changed (copies elsewhere must follow).
profile_renamed = Signal()
# uid, role: the account is being deleted (after this its profile is gone).
account_deleted = Signal()
# uid, old_role, new_role: an admin changed the user's role.
role_changed = Signal()
