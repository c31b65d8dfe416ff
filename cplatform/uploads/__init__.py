"""Files users upload and download, one concern per module: `sniffing` (type by content), `names`
(safe file names), `limits` (size limits while parsing) and `serving` (byte ranges, streamed bodies).

Reusable by any app that stores files in Cloud Storage. Nothing here trusts the client: the type is
read from the bytes, the name is cleaned before it is stored or sent back in a header, and the size
is checked before and while the body is parsed.
"""
