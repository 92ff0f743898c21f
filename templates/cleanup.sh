#!/bin/sh
# Image build step 6: make the image safe to clone. Every box must get its own identity on
# first boot: machine-id (DHCP client id), SSH host keys, cloud-init state.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get -y -q autoremove --purge
apt-get clean
rm -rf /var/lib/apt/lists/*
# Remember the build machine's id (provision replaces it on a box that still carries it),
# then empty it: systemd generates a fresh one on first boot.
install -d -m 0755 /etc/edge-imagesmith
cp /etc/machine-id /etc/edge-imagesmith/golden-machine-id
# The image belongs to no site yet: no spec, no provisioning state, so the first boot at a
# site provisions (edge-provision.service runs until /var/lib/edge-provision/configured exists).
rm -f /etc/edge-imagesmith/site_spec.json
rm -rf /var/lib/edge-provision
truncate -s 0 /etc/machine-id
rm -f /var/lib/dbus/machine-id
rm -f /etc/ssh/ssh_host_*
cloud-init clean --logs --seed 2>/dev/null || true
find /var/log -type f -exec truncate -s 0 {} +
rm -rf /tmp/imagesmith /root/.bash_history /home/*/.bash_history
sync
