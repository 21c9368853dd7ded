"""The ``http.*`` checks: redirects, HTTPS forcing, HSTS, cookies, headers, mixed content and
caching."""
