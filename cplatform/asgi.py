"""ASGI entry point: HTTP through Django, WebSockets through Channels (messaging.routing)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cplatform.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402 - needs Django set up first

from authentication import identity  # noqa: E402
from cplatform.server_tuning import (  # noqa: E402
    answer_overlong_request_lines,
    disable_twisted_form_parsing,
    limit_request_bodies,
    plain_autobahn_debug_text,
)
from messaging.routing import websocket_urlpatterns  # noqa: E402

identity.warm_up()
disable_twisted_form_parsing()
answer_overlong_request_lines()
limit_request_bodies()
plain_autobahn_debug_text()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter(websocket_urlpatterns),
    }
)
