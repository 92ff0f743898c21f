#!/bin/sh
# Image build step 4: pre-pull every container of the lock.
#   pinned          pull repository@platform_digest, re-tag to repository:tag (a pull by digest
#                   creates no tag), and fail unless the local image carries that digest
#   tag             pull by tag (stateful services the definition leaves unpinned)
#   unresolved-tag  pull by tag, loudly (the tag could not be resolved at build time)
#   build           build from the uploaded context (the pre-built image is missing) and
#                   record the built image's id in built-images.json
# No `docker image prune` here: the images a release names must stay for rollbacks.
# Inputs (environment): LOCK_FILE, IMAGESMITH_STAGING (default /tmp/imagesmith).
set -eu
LOCK_FILE=${LOCK_FILE:?}
STAGING=${IMAGESMITH_STAGING:-/tmp/imagesmith}
command -v jq >/dev/null 2>&1 || { echo "prepull: jq is required" >&2; exit 1; }

built_lines="$STAGING/built-images.lines"
: > "$built_lines"
count=$(jq '.containers | length' "$LOCK_FILE")
i=0
while [ "$i" -lt "$count" ]; do
  field() { jq -r ".containers[$i].$1 // empty" "$LOCK_FILE"; }
  name=$(field name)
  source=$(field source)
  repository=$(field repository)
  tag=$(field tag)
  platform=$(field platform)
  tagged="$repository:${tag:-latest}"
  case "$source" in
    pinned)
      digest=$(field platform_digest)
      pinned="$repository@$digest"
      echo "prepull: $name: $pinned"
      docker pull --platform "$platform" "$pinned"
      docker tag "$pinned" "$tagged"
      if ! docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$tagged" | grep -q "@$digest\$"; then
        echo "prepull: $name: the local image $tagged does not carry $digest; failing the build" >&2
        exit 1
      fi
      ;;
    tag|unresolved-tag)
      echo "prepull: WARNING: $name is NOT pinned ($(field note)); pulling $tagged by tag" >&2
      docker pull --platform "$platform" "$tagged"
      ;;
    build)
      context="$STAGING/build/$name"
      echo "prepull: $name: pre-built image missing; building $tagged from its context" >&2
      docker build --platform "$platform" -t "$tagged" -f "$context/$(field dockerfile)" "$context"
      printf '%s %s\n' "$name" "$(docker image inspect --format '{{.Id}}' "$tagged")" >> "$built_lines"
      ;;
    *)
      echo "prepull: $name: unknown source '$source' in $LOCK_FILE" >&2
      exit 1
      ;;
  esac
  i=$((i + 1))
done
jq -R -n '[inputs | select(length > 0) | split(" ") | {name: .[0], id: .[1]}]' "$built_lines" > "$STAGING/built-images.json"
rm -f "$built_lines"
