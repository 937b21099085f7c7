"""What both upstream clients share: typed errors, the HTTP base and the media downloader.

`errors` holds the error classes and the status table, `http` the bearer-auth client base that
maps every failure to them, `download` the guarded downloader for media links. Import from the
module you need; the clients' own packages re-export what their callers use.
"""
