"""gunicorn settings ShopDB ships: `gunicorn -c deploy/gunicorn.conf.py 'shopdb:create_app()'`.

Command-line options override what is set here (for example `--bind` or
`--workers`); docs/DEPLOY.md explains each setting.
"""

# The request line (method, address with its query string, protocol): no
# limit of gunicorn's own (0; gunicorn allows nothing between 8190 and
# none). ShopDB bounds query strings itself (64 KiB, see
# shopdb.http.requestline.MAXIMUM_QUERY_BYTES) and answers a longer one with
# its JSON 414, so every address the API document allows reaches the app,
# and a too-long one still hears what is wrong in JSON. gunicorn's default
# (4094) answered ~4 kB filter lists with an HTML 414. nginx in front bounds
# what reaches gunicorn (large_client_header_buffers; see docs/DEPLOY.md).
limit_request_line = 0

# One header line: 8190 bytes (gunicorn's default and maximum), room for the
# sign-in cookies (two JWTs and their CSRF values) many times over.
limit_request_field_size = 8190

# Header lines per request: gunicorn's default.
limit_request_fields = 100

# Where the app is served unless --bind says otherwise: loopback, behind nginx.
bind = "127.0.0.1:8000"
