#!/usr/bin/env python3
"""A fake `docker` CLI for tests of the image build's shell steps (no Docker engine runs on
these machines). It keeps honest state in $FAKE_DOCKER_STATE (JSON): images by id with their
RepoDigests, and tags. Like the real one, a pull by digest creates no tag, `tag` needs an
image that exists, and `image inspect` reads what is there. Every call is logged.

It also covers what `rollback` asks of docker: `image inspect` of many references at once
(missing ones are reported on stderr and make the exit status 1, as docker does), `tag`,
`image rm` (refused while a compose service uses the image), and `compose … up -d` /
`compose … ps --services --filter status=running`, which read the real compose files (the
pinned override wins) and need every image to be in the store already: nothing is pulled.
Repo digests are kept in docker's familiar form (docker.io/library/x@… is x@…).

$FAKE_DOCKER_MISSING: comma-separated references that `pull` reports as not found.
$FAKE_DOCKER_PRIVATE: comma-separated registries that `pull` refuses ("unauthorized") unless
  $DOCKER_CONFIG/config.json has an `auths` entry for the registry, as a private registry does;
  the user name a pull logged in with is kept in the state's `pull_logins`.
$FAKE_DOCKER_WRONG_DIGEST=1: pulled images carry a different repo digest than asked for.
$FAKE_DOCKER_STOPPED: comma-separated services that `compose ps` reports as not running.
$FAKE_DOCKER_FAIL: a command word (e.g. compose) that fails as if the daemon were down.
$FAKE_DOCKER_NO_LOG=1: do not log calls (the benchmark's thousands of calls).
$FAKE_DOCKER_HANG: a word (e.g. ps) whose calls never answer, as with a hung daemon.

`ps -q` with compose's project and service labels names a running service's container, and
`exec CONTAINER COMMAND…` stands in for running COMMAND inside it: no container runs here,
so the command is not run; the call is logged and exits with the status
$FAKE_DOCKER_EXEC_STATUS gives the service (comma-separated service=status, default 0).
"""
import fcntl, hashlib, json, os, sys

state_path = os.environ["FAKE_DOCKER_STATE"]
# Like the daemon, one request at a time: concurrent CLI calls queue on a lock.
lock = open(state_path + ".lock", "w")
fcntl.flock(lock, fcntl.LOCK_EX)
state = json.load(open(state_path)) if os.path.exists(state_path) else {"images": {}, "tags": {}, "log": []}
args = sys.argv[1:]
if os.environ.get("FAKE_DOCKER_NO_LOG") != "1":
    state.setdefault("log", []).append(args)

def save():
    temporary = state_path + ".tmp"
    json.dump(state, open(temporary, "w"), indent=1, sort_keys=True)
    os.replace(temporary, state_path)

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

def familiar(name):
    for prefix in ("docker.io/library/", "docker.io/"):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name

def find(name):
    raw, name = name, familiar(name)
    if name in state["tags"]:
        return state["tags"][name]
    for key in (raw, name):
        if key in state.get("pulled", {}):
            return state["pulled"][key]
    for image_id, image in state["images"].items():
        if name in [familiar(d) for d in image["repo_digests"]] or name == image_id:
            return image_id
    return None

command = args[:2] if args[:1] == ["image"] else args[:1]
if os.environ.get("FAKE_DOCKER_HANG") and os.environ["FAKE_DOCKER_HANG"] in args:
    import time
    fcntl.flock(lock, fcntl.LOCK_UN)
    while True:
        time.sleep(60)
if os.environ.get("FAKE_DOCKER_FAIL") and os.environ["FAKE_DOCKER_FAIL"] in args[:1]:
    fail("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?")

def compose_options(words):
    project, directory, files, rest, i = None, None, [], [], 0
    while i < len(words):
        if words[i] in ("--project-name", "-p"):
            project = words[i + 1]; i += 2
        elif words[i] == "--project-directory":
            directory = words[i + 1]; i += 2
        elif words[i] == "-f":
            files.append(words[i + 1]); i += 2
        else:
            rest.append(words[i]); i += 1
    return project, directory, files, rest

if command == ["compose"] and args[1:] == ["version"]:
    # The fake stands in for Docker CE's Compose v2 plugin.
    print("Docker Compose version v2.29.7 (fake)")
    sys.exit(0)

if command == ["compose"]:
    import yaml
    project, directory, files, rest = compose_options(args[1:])
    if project is None:
        fail("fake docker: compose needs --project-name", 2)
    projects = state.setdefault("compose", {})
    if rest[:1] == ["up"]:
        services = {}
        for path in files:
            document = yaml.safe_load(open(path)) or {}
            for name, service in (document.get("services") or {}).items():
                services.setdefault(name, {}).update(service or {})
        running = {}
        for name, service in sorted(services.items()):
            image_id = find(service.get("image", ""))
            if image_id is None:
                fail(f"Error response from daemon: pull access denied for {service.get('image')} (no network here)")
            running[name] = {"image": service["image"], "image_id": image_id}
        projects[project] = {"directory": directory, "files": files, "services": running}
        print(f"project {project}: {len(running)} services up")
    elif rest[:1] == ["ps"]:
        stopped = os.environ.get("FAKE_DOCKER_STOPPED", "").split(",")
        for name in sorted(projects.get(project, {}).get("services", {})):
            if name not in stopped:
                print(name)
    else:
        fail(f"fake docker: unsupported compose command {rest}", 2)
    save()
    sys.exit(0)

if command == ["ps"] and "-q" in args:
    labels = dict(value.split("=", 2)[1:] for flag, value in zip(args, args[1:]) if flag == "--filter" and value.startswith("label="))
    project, service = labels.get("com.docker.compose.project"), labels.get("com.docker.compose.service")
    stopped = os.environ.get("FAKE_DOCKER_STOPPED", "").split(",")
    if service in state.get("compose", {}).get(project, {}).get("services", {}) and service not in stopped:
        print(f"fake-{project}-{service}")
    save()
    sys.exit(0)

if command == ["exec"]:
    # Like docker: options come before the container; every word after it is the command
    # (docker stops parsing its own options there, so a `--` would be the program to run).
    words = args[1:]
    while words and words[0].startswith("-"):
        words = words[1:]
    container, run = words[0], words[1:]
    parts = container.split("-", 2)
    if len(parts) != 3 or parts[0] != "fake":
        fail(f"Error response from daemon: No such container: {container}")
    if not run or run[0].startswith("-"):
        fail(f'OCI runtime exec failed: exec failed: unable to start container process: exec: "{run[0] if run else ""}": executable file not found in $PATH: unknown', 126)
    statuses = dict(item.split("=", 1) for item in os.environ.get("FAKE_DOCKER_EXEC_STATUS", "").split(",") if "=" in item)
    save()
    sys.exit(int(statuses.get(parts[2], "0")))

if command == ["image", "rm"]:
    ref = familiar(args[2])
    image_id = find(ref)
    if image_id is None:
        fail(f"Error response from daemon: No such image: {args[2]}")
    for project in state.get("compose", {}).values():
        for service in project["services"].values():
            if service["image_id"] == image_id:
                fail(f"Error response from daemon: conflict: unable to remove repository reference \"{args[2]}\" - container is using its referenced image")
    image = state["images"][image_id]
    image["repo_digests"] = [d for d in image["repo_digests"] if familiar(d) != ref]
    state["tags"] = {t: i for t, i in state["tags"].items() if t != ref}
    state.get("pulled", {}).pop(args[2], None)
    if not image["repo_digests"] and image_id not in state["tags"].values():
        del state["images"][image_id]
        state["pulled"] = {r: i for r, i in state.get("pulled", {}).items() if i != image_id}
    print(f"Untagged: {args[2]}")
    save()
    sys.exit(0)

if command == ["pull"]:
    flags, rest = options(args[1:])
    ref = rest[0]
    if ref in os.environ.get("FAKE_DOCKER_MISSING", "").split(","):
        fail(f"Error response from daemon: manifest for {ref} not found: manifest unknown")
    registry = ref.split("/")[0]
    if registry in [r for r in os.environ.get("FAKE_DOCKER_PRIVATE", "").split(",") if r]:
        import base64
        auths = {}
        config = os.path.join(os.environ.get("DOCKER_CONFIG", "/nonexistent"), "config.json")
        if os.path.exists(config):
            auths = json.load(open(config)).get("auths", {})
        if registry not in auths:
            fail(f"Error response from daemon: pull access denied for {ref}: unauthorized: authentication required")
        state.setdefault("pull_logins", {})[ref] = base64.b64decode(auths[registry]["auth"]).decode().split(":", 1)[0]
    image_id = "sha256:" + hashlib.sha256((ref + flags.get("--platform", "")).encode()).hexdigest()
    if "@" in ref:
        name = ref.split("@")[0]
        digest = "sha256:" + "0" * 64 if os.environ.get("FAKE_DOCKER_WRONG_DIGEST") == "1" else ref.split("@")[1]
        state["images"][image_id] = {"repo_digests": [familiar(f"{name}@{digest}")], "platform": flags.get("--platform")}
        state.setdefault("pulled", {})[ref] = image_id
    else:
        name = ref.rsplit(":", 1)[0]
        state["images"][image_id] = {"repo_digests": [f"{name}@sha256:" + hashlib.sha256(ref.encode()).hexdigest()], "platform": flags.get("--platform")}
        state["tags"][ref] = image_id
    print(f"{ref}: pulled")
elif command == ["tag"]:
    source, target = args[1], familiar(args[2])
    image_id = find(source)
    if image_id is None:
        fail(f"Error response from daemon: No such image: {source}")
    state["tags"][target] = image_id
elif command == ["image", "inspect"]:
    flags, rest = options(args[2:])
    fmt = flags.get("--format", "")
    if "range .RepoTags" in fmt:
        missing = []
        for ref in rest:
            image_id = find(ref)
            if image_id is None:
                missing.append(ref)
                continue
            image = state["images"][image_id]
            tags = sorted(t for t, i in state["tags"].items() if i == image_id)
            print("".join(t + " " for t in tags) + "".join(familiar(d) + " " for d in image["repo_digests"]) + "|" + (image.get("platform") or "linux/amd64"))
        if missing:
            fail("\n".join(f"Error: No such image: {ref}" for ref in missing))
        save()
        sys.exit(0)
    image_id = find(rest[0])
    if image_id is None:
        fail(f"Error: No such image: {rest[0]}")
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
