"""Response headers that browsers enforce: a self-only Content-Security-Policy."""

from __future__ import annotations

# Everything comes from this origin: htmx, the player and the stylesheets are served by us.
# blob:/data: cover waveform canvases and image previews made in the page.
WAVESURFER_STYLE = "sha256-fF0LBso7Nz75zaFRDBUefBDvPe19hjaiDnnc8lt+2Js="
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # wavesurfer.js 8.0.1 puts this one fixed <style> in each waveform's shadow root
        # (static/vendor/wavesurfer.js-8.0.1, height 64); any other inline style is refused.
        f"style-src 'self' '{WAVESURFER_STYLE}'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
