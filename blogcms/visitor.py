"""Who is asking: the visitor's address, the one rule every throttle and record uses
(comment flood windows, stored comment and linkback addresses, login lockouts, report rates)."""

import ipaddress

from django.conf import settings


def client_ip(request):
    """The visitor's address: REMOTE_ADDR, or, behind a reverse proxy, the header it sets
    (BLOGCMS_CLIENT_IP_HEADER, e.g. "HTTP_X_REAL_IP"); otherwise every visitor would share
    the proxy's address and one flood window. Of a list (X-Forwarded-For) the last entry is
    taken: the one our own proxy added, which a visitor cannot forge."""
    header = getattr(settings, "BLOGCMS_CLIENT_IP_HEADER", "")
    candidates = [request.META.get(header, "").split(",")[-1].strip()] if header else []
    for value in [*candidates, request.META.get("REMOTE_ADDR", "")]:
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            continue
    return None
