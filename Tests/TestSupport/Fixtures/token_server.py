#!/usr/bin/env python3
"""A small Docker registry token server for tests (distribution's token auth spec).

Issues RS256 JWTs whose header carries the signing certificate in x5c, with an `access`
claim granting what each requested scope asks for. Checks Basic credentials (GET) or a
refresh token (POST, OAuth2 refresh_token grant) when configured. Logs one JSON line per
request (scopes asked for, whether authorized) so tests can count token fetches.
"""
import argparse, base64, json, threading, time, uuid
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from urllib.parse import urlparse, parse_qs
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--issuer", default="test-issuer")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--refresh-token")
    parser.add_argument("--field", default="token", choices=["token", "access_token"])
    parser.add_argument("--empty-first", type=int, default=0, help="the first N tokens grant nothing")
    parser.add_argument("--log", required=True)
    args = parser.parse_args()

    key = serialization.load_pem_private_key(open(args.key, "rb").read(), password=None)
    cert = x509.load_pem_x509_certificate(open(args.cert, "rb").read())
    x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    lock = threading.Lock()
    issued = {"count": 0}

    def issue(service, scopes, subject):
        with lock:
            issued["count"] += 1
            empty = issued["count"] <= args.empty_first
        access = []
        for scope in scopes:
            parts = scope.split(":")
            if len(parts) < 3:
                continue
            if empty:
                continue
            access.append({"type": parts[0], "name": ":".join(parts[1:-1]), "actions": parts[-1].split(",")})
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "x5c": [x5c]}
        claims = {"iss": args.issuer, "sub": subject, "aud": service, "exp": now + 300,
                  "nbf": now - 10, "iat": now, "jti": str(uuid.uuid4()), "access": access}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(signature)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def record(self, entry):
            with lock, open(args.log, "a") as f:
                f.write(json.dumps(entry) + "\n")

        def answer(self, status, obj, extra=None):
            body = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def grant(self, service, scopes, authorized, method):
            self.record({"method": method, "service": service, "scopes": scopes, "authorized": authorized})
            if not authorized:
                self.answer(401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]},
                            {"WWW-Authenticate": 'Basic realm="token"'})
                return
            self.answer(200, {args.field: issue(service, scopes, args.user or ""), "expires_in": 300})

        def do_GET(self):
            query = parse_qs(urlparse(self.path).query)
            authorized = True
            if args.user is not None:
                expected = "Basic " + base64.b64encode(f"{args.user}:{args.password}".encode()).decode()
                authorized = self.headers.get("Authorization") == expected
            self.grant(query.get("service", [""])[0], query.get("scope", []), authorized, "GET")

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            form = parse_qs(self.rfile.read(length).decode())
            authorized = form.get("grant_type", [""])[0] == "refresh_token" and \
                args.refresh_token is not None and form.get("refresh_token", [""])[0] == args.refresh_token
            scopes = " ".join(form.get("scope", [])).split()
            self.grant(form.get("service", [""])[0], scopes, authorized, "POST")

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.serve_forever()

if __name__ == "__main__":
    main()
