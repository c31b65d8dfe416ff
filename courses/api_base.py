"""The base of course API views whose methods admit different roles."""

from __future__ import annotations

from cplatform.api import ApiView


class MethodRolesView(ApiView):
    """A view whose methods admit different roles; a method missing from `method_roles` is closed."""

    method_roles: dict = {}

    @property
    def roles(self):
        method = self.request.method
        return self.method_roles.get("GET" if method == "HEAD" else method)
