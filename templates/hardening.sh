#!/bin/sh
# Image build step 1: base packages and CIS-style hardening. Runs as root inside the image.
# Inputs (environment): PACKAGES (space-separated), CIS_LEVEL (1|2),
#   UFW_DEFAULT_INCOMING (deny|reject|allow), UFW_ALLOW ("port/proto from cidr|any;..." ).
set -eu
export DEBIAN_FRONTEND=noninteractive

apt-get update -q
apt-get -y -q dist-upgrade
# The hardening's own tools: a firewall, the audit daemon, password quality and per-session
# temporary directories for PAM, package checksums (debsums), process accounting, and the
# change notes apt shows an operator.
# shellcheck disable=SC2086 # PACKAGES is a word list on purpose
apt-get -y -q install --no-install-recommends ufw auditd libpam-pwquality libpam-tmpdir debsums acct apt-listchanges $PACKAGES

# SSH: keys only, no root login, no forwarding, short-lived idle sessions, verbose logs (the
# key's fingerprint is logged at each login). The port stays 22: the firewall admits only the
# operations network to it (docs/image-definition.md, "What the hardening leaves, and why").
install -d -m 0755 /etc/ssh/sshd_config.d
cat > /etc/ssh/sshd_config.d/50-edge-hardening.conf <<'CONF'
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
MaxAuthTries 3
MaxSessions 2
ClientAliveInterval 300
ClientAliveCountMax 2
TCPKeepAlive no
Compression no
LogLevel VERBOSE
CONF

# Kernel hardening (CIS 3.2/3.3, and the kernel settings lynis's profile checks). Docker
# needs IP forwarding and sets it itself; nothing here turns it off.
cat > /etc/sysctl.d/60-edge-hardening.conf <<'CONF'
net.ipv4.conf.all.accept_redirects = 0
net.ipv4.conf.default.accept_redirects = 0
net.ipv6.conf.all.accept_redirects = 0
net.ipv6.conf.default.accept_redirects = 0
net.ipv4.conf.all.send_redirects = 0
net.ipv4.conf.default.send_redirects = 0
net.ipv4.conf.all.accept_source_route = 0
net.ipv4.conf.default.accept_source_route = 0
net.ipv4.conf.all.log_martians = 1
net.ipv4.conf.default.log_martians = 1
net.ipv4.conf.all.rp_filter = 1
net.ipv4.conf.default.rp_filter = 1
net.ipv4.tcp_syncookies = 1
kernel.randomize_va_space = 2
kernel.kptr_restrict = 2
kernel.dmesg_restrict = 1
kernel.perf_event_paranoid = 3
kernel.unprivileged_bpf_disabled = 1
net.core.bpf_jit_harden = 2
kernel.yama.ptrace_scope = 1
kernel.core_uses_pid = 1
kernel.ctrl-alt-del = 0
kernel.sysrq = 0
dev.tty.ldisc_autoload = 0
fs.suid_dumpable = 0
fs.protected_fifos = 2
fs.protected_regular = 2
fs.protected_symlinks = 1
fs.protected_hardlinks = 1
CONF

# No core dumps (they can hold keys and site secrets).
install -d -m 0755 /etc/security/limits.d /etc/systemd/coredump.conf.d
printf '* hard core 0\n* soft core 0\n' > /etc/security/limits.d/60-edge-hardening.conf
grep -q '^\* hard core 0' /etc/security/limits.conf 2>/dev/null || printf '* hard core 0\n' >> /etc/security/limits.conf
printf '[Coredump]\nStorage=none\nProcessSizeMax=0\n' > /etc/systemd/coredump.conf.d/60-edge-hardening.conf

# Accounts: new files private to their group, passwords (where there are any: the image's
# logins are keys only) hashed with many rounds and aged, idle shells logged out.
if [ -f /etc/login.defs ]; then
  sed -i -E -e 's/^UMASK[[:space:]].*/UMASK\t\t027/' -e 's/^PASS_MAX_DAYS[[:space:]].*/PASS_MAX_DAYS\t365/' \
            -e 's/^PASS_MIN_DAYS[[:space:]].*/PASS_MIN_DAYS\t1/' /etc/login.defs
  grep -q '^SHA_CRYPT_MIN_ROUNDS' /etc/login.defs || printf 'SHA_CRYPT_MIN_ROUNDS\t500000\nSHA_CRYPT_MAX_ROUNDS\t1000000\n' >> /etc/login.defs
fi
cat > /etc/profile.d/60-edge-timeout.sh <<'CONF'
# Idle interactive shells end after 15 minutes.
if [ -z "${TMOUT:-}" ]; then
  TMOUT=900
  readonly TMOUT
  export TMOUT
fi
CONF

# Who is warned: the console and SSH.
printf 'Authorized access only. All activity on this device is monitored and logged; unauthorized\naccess is prohibited and may be prosecuted under applicable law.\n' | tee /etc/issue /etc/issue.net >/dev/null

# Storage and protocols an edge box never uses (USB storage stays: the site stick is one).
printf 'install firewire-core /bin/false\ninstall firewire-ohci /bin/false\ninstall firewire-sbp2 /bin/false\n' > /etc/modprobe.d/60-edge-storage.conf
printf 'install dccp /bin/false\ninstall sctp /bin/false\ninstall rds /bin/false\ninstall tipc /bin/false\n' > /etc/modprobe.d/60-edge-protocols.conf

# Process accounting.
systemctl enable acct 2>/dev/null || true

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
