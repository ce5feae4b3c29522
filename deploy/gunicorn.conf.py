"""gunicorn settings ShopDB ships: `gunicorn -c deploy/gunicorn.conf.py 'shopdb:create_app()'`.

Command-line options override what is set here (for example `--bind` or
`--workers`); docs/DEPLOY.md explains each setting.
"""

# The request line (method, address with its query string, protocol): 8190
# bytes, the most gunicorn allows short of "unlimited". ShopDB itself takes
# query strings up to 8000 bytes (shopdb.http.requestline.MAXIMUM_QUERY_BYTES)
# and answers a longer one with its JSON 414, so every address the API
# document allows reaches the app, and the app can still say what is wrong
# with a too-long one. gunicorn's default (4094) would answer ~4 kB query
# strings with an HTML 414 before ShopDB sees them.
limit_request_line = 8190

# One header line: 8190 bytes (gunicorn's default and maximum), room for the
# sign-in cookies (two JWTs and their CSRF values) many times over.
limit_request_field_size = 8190

# Header lines per request: gunicorn's default.
limit_request_fields = 100

# Where the app is served unless --bind says otherwise: loopback, behind nginx.
bind = "127.0.0.1:8000"
