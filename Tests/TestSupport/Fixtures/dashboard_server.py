#!/usr/bin/env python3
"""A loopback HTTPS stand-in for the central dashboard's registration endpoint.

Modes: created (201), conflict (409), flaky (503 --count times, then 201), refuse (400 with
an error that echoes the claim token, as a careless server might), hang (never answers).
Each request's path and JSON body are logged as one line to --log.
"""
import argparse, json, ssl, threading, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--mode", default="created")
    parser.add_argument("--count", type=int, default=2)
    parser.add_argument("--spec-file", help="served on GET (a site spec fetched by URL)")
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    lock = threading.Lock()
    state = {"requests": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def answer(self, status, obj):
            body = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if not args.spec_file:
                self.answer(404, {"error": "no spec here"})
                return
            body = open(args.spec_file, "rb").read()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = {"unparsed": raw.decode(errors="replace")}
            with lock:
                state["requests"] += 1
                number = state["requests"]
                with open(args.log, "a") as f:
                    f.write(json.dumps({"path": self.path, "content_type": self.headers.get("Content-Type"), "body": body}) + "\n")
            if args.mode == "hang":
                time.sleep(3600)
            elif args.mode == "conflict":
                self.answer(409, {"error": "already registered"})
            elif args.mode == "flaky" and number <= args.count:
                self.answer(503, {"error": "maintenance"})
            elif args.mode == "refuse":
                self.answer(400, {"error": "unknown claim token " + str(body.get("claim_token"))})
            else:
                self.answer(201, {"id": body.get("device_id")})

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()

if __name__ == "__main__":
    main()
