#!/usr/bin/env python3
"""A fake `docker` CLI for tests of the image build's shell steps (no Docker engine runs on
these machines). It keeps honest state in $FAKE_DOCKER_STATE (JSON): images by id with their
RepoDigests, and tags. Like the real one, a pull by digest creates no tag, `tag` needs an
image that exists, and `image inspect` reads what is there. Every call is logged.

$FAKE_DOCKER_MISSING: comma-separated references that `pull` reports as not found.
$FAKE_DOCKER_WRONG_DIGEST=1: pulled images carry a different repo digest than asked for.
"""
import hashlib, json, os, sys

state_path = os.environ["FAKE_DOCKER_STATE"]
state = json.load(open(state_path)) if os.path.exists(state_path) else {"images": {}, "tags": {}, "log": []}
args = sys.argv[1:]
state["log"].append(args)

def save():
    json.dump(state, open(state_path, "w"), indent=1, sort_keys=True)

def fail(message, code=1):
    save()
    print(message, file=sys.stderr)
    sys.exit(code)

def options(words):
    flags, rest, i = {}, [], 0
    while i < len(words):
        if words[i] in ("--platform", "-t", "-f", "--format"):
            flags[words[i]] = words[i + 1]
            i += 2
        else:
            rest.append(words[i])
            i += 1
    return flags, rest

def find(name):
    if name in state["tags"]:
        return state["tags"][name]
    if name in state.get("pulled", {}):
        return state["pulled"][name]
    for image_id, image in state["images"].items():
        if name in image["repo_digests"] or name == image_id:
            return image_id
    return None

command = args[:2] if args[:1] == ["image"] else args[:1]
if command == ["pull"]:
    flags, rest = options(args[1:])
    ref = rest[0]
    if ref in os.environ.get("FAKE_DOCKER_MISSING", "").split(","):
        fail(f"Error response from daemon: manifest for {ref} not found: manifest unknown")
    image_id = "sha256:" + hashlib.sha256((ref + flags.get("--platform", "")).encode()).hexdigest()
    if "@" in ref:
        name = ref.split("@")[0]
        digest = "sha256:" + "0" * 64 if os.environ.get("FAKE_DOCKER_WRONG_DIGEST") == "1" else ref.split("@")[1]
        state["images"][image_id] = {"repo_digests": [f"{name}@{digest}"], "platform": flags.get("--platform")}
        state.setdefault("pulled", {})[ref] = image_id
    else:
        name = ref.rsplit(":", 1)[0]
        state["images"][image_id] = {"repo_digests": [f"{name}@sha256:" + hashlib.sha256(ref.encode()).hexdigest()], "platform": flags.get("--platform")}
        state["tags"][ref] = image_id
    print(f"{ref}: pulled")
elif command == ["tag"]:
    source, target = args[1], args[2]
    image_id = find(source)
    if image_id is None:
        fail(f"Error response from daemon: No such image: {source}")
    state["tags"][target] = image_id
elif command == ["image", "inspect"]:
    flags, rest = options(args[2:])
    image_id = find(rest[0])
    if image_id is None:
        fail(f"Error: No such image: {rest[0]}")
    fmt = flags.get("--format", "")
    if "RepoDigests" in fmt:
        for digest in state["images"][image_id]["repo_digests"]:
            print(digest)
    elif ".Id" in fmt:
        print(image_id)
    else:
        fail(f"fake docker: unsupported format {fmt}", 2)
elif command == ["build"]:
    flags, rest = options(args[1:])
    dockerfile, context = flags["-f"], rest[0]
    if not os.path.isfile(dockerfile) or not os.path.isdir(context):
        fail(f"fake docker: no Dockerfile {dockerfile} or context {context}")
    image_id = "sha256:" + hashlib.sha256(open(dockerfile, "rb").read()).hexdigest()
    state["images"][image_id] = {"repo_digests": [], "platform": flags.get("--platform")}
    state["tags"][flags["-t"]] = image_id
else:
    fail(f"fake docker: unsupported command {args}", 2)
save()
