"""gunicorn settings read from the working directory (the image's /app).

The access log carries the path without its query string ("%(U)s", not the request line
"%(r)s") and no referrer: a query string or a referring URL may hold a search term (issue 15).
"""

accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
