#!/bin/sh
# Image build step 4: record this image's release with `rollback` (as the first release of
# every box made from the image: slot A, committed), and install the units that start its
# containers at boot, check them regularly, and reset a hung box.
# Inputs (environment): IMAGE_NAME, IMAGE_VERSION, IMAGESMITH_STAGING (default /tmp/imagesmith),
# IMAGESMITH_ROOT (default: the image being built, /; tests point it at a directory).
set -eu
: "${IMAGE_NAME:?}" "${IMAGE_VERSION:?}"
STAGING=${IMAGESMITH_STAGING:-/tmp/imagesmith}
ROOT=${IMAGESMITH_ROOT:-}
if ! command -v rollback >/dev/null 2>&1; then
  echo "install-release: the rollback tool is not installed in the image; install the edge-imagesmith tools (provision, rollback) before this step" >&2
  exit 1
fi
rollback install "$STAGING/$IMAGE_NAME-$IMAGE_VERSION.tar.gz" --root "${ROOT:-/}"
# The images were pre-pulled by step 3; the containers start on the box, not in the image.
rollback activate "$IMAGE_VERSION" --no-start --root "${ROOT:-/}"
units=$ROOT/etc/systemd/system
install -d -m 0755 "$units" "$ROOT/etc/systemd/system.conf.d" "$ROOT/usr/share/edge-imagesmith"
for unit in edge-compose.service edge-rollback-check.service edge-rollback-check.timer; do
  install -m 0644 "$STAGING/$unit" "$units/$unit"
done
install -m 0644 "$STAGING/edge-watchdog.conf" "$ROOT/etc/systemd/system.conf.d/edge-watchdog.conf"
install -m 0644 "$STAGING/grub-ab.cfg" "$ROOT/usr/share/edge-imagesmith/grub-ab.cfg"
systemctl --root="${ROOT:-/}" enable edge-compose.service edge-rollback-check.timer
