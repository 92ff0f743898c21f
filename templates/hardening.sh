#!/bin/sh
# Image build step 1: base packages and CIS-style hardening. Runs as root inside the image.
# Inputs (environment): PACKAGES (space-separated), CIS_LEVEL (1|2),
#   UFW_DEFAULT_INCOMING (deny|reject|allow), UFW_ALLOW ("port/proto from cidr|any;..." ).
set -eu
export DEBIAN_FRONTEND=noninteractive

apt-get update -q
apt-get -y -q dist-upgrade
# shellcheck disable=SC2086 # PACKAGES is a word list on purpose
apt-get -y -q install --no-install-recommends ufw auditd $PACKAGES

# SSH: keys only, no root login.
install -d -m 0755 /etc/ssh/sshd_config.d
cat > /etc/ssh/sshd_config.d/50-edge-hardening.conf <<'CONF'
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
X11Forwarding no
MaxAuthTries 4
CONF

# Kernel network hardening (CIS 3.2/3.3).
cat > /etc/sysctl.d/60-edge-hardening.conf <<'CONF'
net.ipv4.conf.all.accept_redirects = 0
net.ipv4.conf.default.accept_redirects = 0
net.ipv4.conf.all.send_redirects = 0
net.ipv4.conf.all.accept_source_route = 0
net.ipv4.conf.all.log_martians = 1
net.ipv4.tcp_syncookies = 1
kernel.randomize_va_space = 2
fs.suid_dumpable = 0
CONF

if [ "${CIS_LEVEL:-1}" -ge 2 ]; then
  # Level 2: unused filesystems off, stricter audit rules.
  printf 'install cramfs /bin/false\ninstall squashfs /bin/false\ninstall udf /bin/false\n' > /etc/modprobe.d/60-edge-cis.conf
  printf -- '-w /etc/sudoers -p wa -k scope\n-w /var/log/sudo.log -p wa -k actions\n' > /etc/audit/rules.d/60-edge.rules
fi
systemctl enable auditd

# Firewall.
ufw --force reset
ufw default "${UFW_DEFAULT_INCOMING:-deny}" incoming
ufw default allow outgoing
old_ifs=$IFS
IFS=';'
for rule in ${UFW_ALLOW:-}; do
  IFS=$old_ifs
  # shellcheck disable=SC2086 # "port/proto from cidr" splits into ufw's words
  set -- $rule
  if [ "$3" = "any" ]; then ufw allow "$1"; else ufw allow from "$3" to any port "${1%/*}" proto "${1#*/}"; fi
  IFS=';'
done
IFS=$old_ifs
ufw --force enable
