#!/bin/sh
# Image build step 5: record this image's release with `rollback` (as the first release of
# every box made from the image: slot A, committed), and enable the units that start its
# containers at boot and check them regularly. A signed image (the definition names a root of
# trust) carries the root first, so that `rollback install` verifies the release's signature
# (uploaded beside the bundle as <bundle>.sig) before it records anything.
# Inputs (environment): IMAGE_NAME, IMAGE_VERSION, IMAGESMITH_STAGING (default /tmp/imagesmith),
# IMAGESMITH_ROOT (default: the image being built, /; tests point it at a directory).
set -eu
: "${IMAGE_NAME:?}" "${IMAGE_VERSION:?}"
STAGING=${IMAGESMITH_STAGING:-/tmp/imagesmith}
ROOT=${IMAGESMITH_ROOT:-}
if ! command -v rollback >/dev/null 2>&1; then
  echo "install-release: the rollback tool is not installed in the image; the box package step (install-box.sh) must run first" >&2
  exit 1
fi
if [ -f "$STAGING/trust-root.json" ]; then
  install -D -m 0644 "$STAGING/trust-root.json" "$ROOT/etc/edge-imagesmith/trust/root.json"
  echo "install-release: the image carries its root of trust; the release must be signed"
fi
rollback install "$STAGING/$IMAGE_NAME-$IMAGE_VERSION.tar.gz" --root "${ROOT:-/}"
# The images were pre-pulled by step 4; the containers start on the box, not in the image.
rollback activate "$IMAGE_VERSION" --no-start --root "${ROOT:-/}"
# The units, the watchdog drop-in and the GRUB script came with the box package.
systemctl --root="${ROOT:-/}" enable edge-compose.service edge-rollback-check.timer
