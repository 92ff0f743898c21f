#!/bin/sh
# Image build step 2: the box tools. Installs the box package (provision, rollback, their
# systemd units, the GRUB A/B script) with its runtime libraries from the image's own
# repositories, checks that the tools run, and enables the first-boot units (and the fleet
# agent, idle until the box has a fleet configuration) so that the
# image provisions itself, and makes its own SSH host keys, on its first boot at a site.
# Inputs (environment): BOX_PACKAGE (its file name in the staging directory), BOX_VERSION,
#   IMAGESMITH_STAGING (default /tmp/imagesmith).
set -eu
: "${BOX_PACKAGE:?}" "${BOX_VERSION:?}"
STAGING=${IMAGESMITH_STAGING:-/tmp/imagesmith}
export DEBIAN_FRONTEND=noninteractive
deb="$STAGING/$BOX_PACKAGE"
[ -f "$deb" ] || { echo "install-box: $deb was not uploaded" >&2; exit 1; }
# The hardening step refreshed the package lists; a root made without them gets them here.
if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then apt-get update -q; fi
# A path (with a slash) makes apt install the file and resolve its dependencies.
apt-get -y -q install --no-install-recommends "$deb"
for tool in provision rollback; do
  got=$("$tool" --version)
  if [ "$got" != "$BOX_VERSION" ]; then
    echo "install-box: $tool --version says '$got', expected $BOX_VERSION" >&2
    exit 1
  fi
done
# The fleet agent idles until the box has /etc/edge-imagesmith/fleet.json.
systemctl enable edge-provision.service edge-provision-register.service edge-ssh-host-keys.service edge-fleet-agent.service
echo "install-box: edge-imagesmith-box $BOX_VERSION installed; first-boot units enabled (and the fleet agent, idle until configured)"
