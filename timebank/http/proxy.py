"""Trusting a reverse proxy's X-Forwarded-* headers, when told to (the PROXY_FIX setting).

Behind nginx every request comes from 127.0.0.1: without this, rate limits would count all
clients as one address, and `request.is_secure` would not see TLS. PROXY_FIX is the number
of proxies in front of the app (nginx alone: 1); werkzeug's ProxyFix then takes the client
address, scheme and host from that many X-Forwarded-For/-Proto/-Host entries. Off (0) by
default: a client talking to gunicorn directly could otherwise claim any address.
"""

from werkzeug.middleware.proxy_fix import ProxyFix


def init_proxy_fix(app) -> None:
    """Wrap the WSGI app in ProxyFix when PROXY_FIX is a positive number of hops."""
    hops = int(app.config.get("PROXY_FIX") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
