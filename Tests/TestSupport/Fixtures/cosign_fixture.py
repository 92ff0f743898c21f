#!/usr/bin/env python3
"""Cosign key-based signatures made as cosign makes them, independently of the code under test
(Debian's skopeo verifies sigstore signatures but is built without signing, and cosign is not
packaged here).

  cosign_fixture.py keygen OUT_DIR
      OUT_DIR/cosign.pem (PKCS#8 private key, ECDSA P-256) and OUT_DIR/cosign.pub.
  cosign_fixture.py sign REGISTRY REPOSITORY DIGEST KEY [--identity REF] [--payload-digest D] [--tag-digest D]
      Signs the simple-signing payload for DIGEST (or --payload-digest) in REPOSITORY and pushes
      it over the registry API (plain HTTP) as the image tagged sha256-<hex>.sig (of DIGEST, or
      --tag-digest): a config blob, the payload as a layer of type
      application/vnd.dev.cosign.simplesigning.v1+json with its signature in the annotation
      dev.cosignproject.cosign/signature. Prints the tag.
"""
import argparse
import base64
import hashlib
import json
import os
import sys
import urllib.request

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

PAYLOAD_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json"


def keygen(out: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    with open(os.path.join(out, "cosign.pem"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    with open(os.path.join(out, "cosign.pub"), "wb") as f:
        f.write(key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


def request(method: str, url: str, data: bytes = b"", headers=None):
    req = urllib.request.Request(url, data=data if method in ("POST", "PUT") else None, method=method, headers=headers or {})
    with urllib.request.urlopen(req) as response:
        return response.status, response.headers


def push_blob(registry: str, repository: str, data: bytes) -> str:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    status, headers = request("POST", f"http://{registry}/v2/{repository}/blobs/uploads/", b"")
    location = headers["Location"]
    if location.startswith("/"):
        location = f"http://{registry}{location}"
    separator = "&" if "?" in location else "?"
    request("PUT", f"{location}{separator}digest={digest}", data, {"Content-Type": "application/octet-stream"})
    return digest


def sign(args) -> None:
    with open(args.key, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    identity = args.identity or f"{args.registry}/{args.repository}"
    payload = json.dumps({"critical": {"identity": {"docker-reference": identity},
                                       "image": {"docker-manifest-digest": args.payload_digest or args.digest},
                                       "type": "cosign container image signature"}, "optional": None}).encode()
    signature = base64.b64encode(key.sign(payload, ec.ECDSA(hashes.SHA256()))).decode()
    layer = push_blob(args.registry, args.repository, payload)
    config = json.dumps({"architecture": "", "config": {}, "created": "0001-01-01T00:00:00Z", "history": [{"created": "0001-01-01T00:00:00Z"}],
                         "os": "", "rootfs": {"type": "layers", "diff_ids": [layer]}}).encode()
    config_digest = push_blob(args.registry, args.repository, config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": len(config), "digest": config_digest},
        "layers": [{"mediaType": PAYLOAD_TYPE, "size": len(payload), "digest": layer,
                    "annotations": {"dev.cosignproject.cosign/signature": signature}}],
    }).encode()
    tag = (args.tag_digest or args.digest).replace(":", "-") + ".sig"
    request("PUT", f"http://{args.registry}/v2/{args.repository}/manifests/{tag}", manifest,
            {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    print(tag)


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    k = sub.add_parser("keygen")
    k.add_argument("out")
    s = sub.add_parser("sign")
    for name in ("registry", "repository", "digest", "key"):
        s.add_argument(name)
    s.add_argument("--identity")
    s.add_argument("--payload-digest")
    s.add_argument("--tag-digest")
    args = parser.parse_args()
    if args.command == "keygen":
        keygen(args.out)
    else:
        sign(args)


if __name__ == "__main__":
    sys.exit(main())
