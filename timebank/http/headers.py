"""Security headers on every response.

The Content-Security-Policy allows scripts, styles, fonts and connections from the app's
own origin only (no inline scripts or style attributes anywhere in the templates); images
may also be data: URLs (Bootstrap's icons in CSS) and blob: URLs. Framing is refused. HSTS
is sent when the request came over TLS (behind a proxy that sets X-Forwarded-Proto, with
the PROXY_FIX setting: see timebank/http/proxy.py).
"""

from flask import request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_headers(app) -> None:
    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault(
            "Permissions-Policy", "camera=(self), geolocation=(self), microphone=(), payment=()"
        )
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
