#!/usr/bin/env python3
"""A loopback HTTP proxy for tests that sits in front of a real registry and injects faults.

Modes:
  pass            forward everything unchanged
  strip-digest    drop Docker-Content-Digest from every answer
  lie-digest      replace Docker-Content-Digest with the digest of other content
  tamper-body     append a space to manifest bodies (header unchanged)
  wrong-type      serve manifests with the Docker v2 manifest Content-Type
  status          answer --status (429, 503, ...) to the first --count manifest requests,
                  with Retry-After --retry-after when given, then forward
  hang            accept and never answer
  slow            wait --delay seconds before forwarding each manifest request
  redirect        answer manifest GETs with 307 to --redirect-to + path
Also --require-basic USER:PASS answers 401 Basic without those credentials.
Every request is logged as one JSON line (method, path, whether Authorization was sent,
time) to --log.
"""
import argparse, base64, hashlib, http.client, json, threading, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--mode", default="pass")
    parser.add_argument("--status", type=int, default=503)
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--retry-after")
    parser.add_argument("--retry-after-date-in", type=int, help="send Retry-After as an HTTP-date this many seconds ahead")
    parser.add_argument("--redirect-to")
    parser.add_argument("--require-basic")
    parser.add_argument("--delay", type=float, default=0)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    lock = threading.Lock()
    state = {"faults": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def record(self):
            with lock, open(args.log, "a") as f:
                f.write(json.dumps({"method": self.command, "path": self.path,
                                    "authorization": self.headers.get("Authorization") is not None,
                                    "accept": self.headers.get("Accept"),
                                    "client_port": self.client_address[1],
                                    "time": time.time()}) + "\n")

        def reply(self, status, headers, body):
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def handle_any(self):
            self.record()
            length = int(self.headers.get("Content-Length", "0") or "0")
            request_body = self.rfile.read(length) if length else None
            is_manifest = "/manifests/" in self.path
            if args.mode == "hang":
                time.sleep(3600)
                return
            if args.mode == "slow" and is_manifest:
                time.sleep(args.delay)
            if args.mode == "status" and is_manifest:
                with lock:
                    fault = state["faults"] < args.count
                    if fault:
                        state["faults"] += 1
                if fault:
                    headers = [("Content-Type", "application/json")]
                    if args.retry_after:
                        headers.append(("Retry-After", args.retry_after))
                    elif args.retry_after_date_in is not None:
                        from email.utils import formatdate
                        headers.append(("Retry-After", formatdate(time.time() + args.retry_after_date_in, usegmt=True)))
                    body = json.dumps({"errors": [{"code": "TOOMANYREQUESTS" if args.status == 429 else "UNAVAILABLE",
                                                   "message": "injected fault"}]}).encode()
                    self.reply(args.status, headers, body)
                    return
            if args.require_basic:
                expected = "Basic " + base64.b64encode(args.require_basic.encode()).decode()
                if self.headers.get("Authorization") != expected:
                    self.reply(401, [("WWW-Authenticate", 'Basic realm="fault proxy"'), ("Content-Type", "application/json")],
                               b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}')
                    return
            if args.mode == "redirect" and is_manifest and self.command == "GET":
                self.reply(307, [("Location", args.redirect_to + self.path)], b"")
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "authorization" if args.require_basic else "x-none")}
            upstream = http.client.HTTPConnection(args.upstream, timeout=30)
            upstream.request(self.command, self.path, body=request_body, headers=headers)
            response = upstream.getresponse()
            body = response.read()
            out = [(k, v) for k, v in response.getheaders() if k.lower() not in ("content-length", "connection", "transfer-encoding")]
            if is_manifest and response.status == 200:
                if args.mode == "strip-digest":
                    out = [(k, v) for k, v in out if k.lower() != "docker-content-digest"]
                elif args.mode == "lie-digest":
                    fake = "sha256:" + hashlib.sha256(b"not the manifest").hexdigest()
                    out = [(k, fake if k.lower() == "docker-content-digest" else v) for k, v in out]
                elif args.mode == "tamper-body" and self.command == "GET":
                    body = body + b" "
                elif args.mode == "wrong-type":
                    out = [(k, "application/vnd.docker.distribution.manifest.v2+json" if k.lower() == "content-type" else v) for k, v in out]
            if self.command == "HEAD":
                out.append(("Content-Length", response.getheader("Content-Length", "0")))
                self.send_response(response.status)
                for k, v in out:
                    self.send_header(k, v)
                self.end_headers()
                return
            self.reply(response.status, out, body)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.serve_forever()

if __name__ == "__main__":
    main()
