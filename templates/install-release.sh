#!/bin/sh
# Image build step 4: install this release (lock, compose files, health checks) where the
# devices' tools find it, and the unit that starts the containers at boot.
# Inputs (environment): IMAGE_NAME, IMAGE_VERSION, IMAGESMITH_STAGING (default /tmp/imagesmith).
set -eu
: "${IMAGE_NAME:?}" "${IMAGE_VERSION:?}"
STAGING=${IMAGESMITH_STAGING:-/tmp/imagesmith}
release=/opt/edge/releases/$IMAGE_VERSION
install -d -m 0755 "$release"
for file in "$IMAGE_NAME.lock.json" compose.yml docker-compose.pinned.yml health-checks.json; do
  install -m 0644 "$STAGING/$file" "$release/$file"
done
ln -sfn "$release" /opt/edge/current
install -m 0644 "$STAGING/edge-compose.service" /etc/systemd/system/edge-compose.service
systemctl enable edge-compose.service
