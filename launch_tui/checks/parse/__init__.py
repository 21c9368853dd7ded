"""Pure parsers the checks share: no I/O, no check logic (Set-Cookie, pages, response headers,
and the email records of stage 4)."""
