#!/usr/bin/env python3
"""Signs S3 requests with botocore's Signature Version 4 signer, the reference beside ours.

Reads one JSON case per line on stdin: {"method", "bucket", "key", "query": [[name, value]],
"headers": [[name, value]], "payload_sha256", "timestamp" (20261204T151152Z), "region",
"access_key_id", "secret"}. Writes one JSON line per case: {"path", "signature"}, where the
path is the key encoded as botocore's S3 serializer encodes it (quote, safe '/~')."""
import json
import sys
from urllib.parse import quote

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

for line in sys.stdin:
    case = json.loads(line)
    path = "/" + quote(case["bucket"], safe="~") + "/" + quote(case["key"], safe="/~")
    headers = {name: value for name, value in case["headers"]}
    request = AWSRequest(method=case["method"], url="http://placeholder.invalid" + path, headers=headers,
                         params={name: value for name, value in case["query"]})
    request.context["timestamp"] = case["timestamp"]
    request.headers["X-Amz-Date"] = case["timestamp"]
    request.headers["X-Amz-Content-SHA256"] = case["payload_sha256"]
    auth = S3SigV4Auth(Credentials(case["access_key_id"], case["secret"]), "s3", case["region"])
    canonical = auth.canonical_request(request)
    signature = auth.signature(auth.string_to_sign(request, canonical), request)
    print(json.dumps({"path": path, "signature": signature}), flush=True)
